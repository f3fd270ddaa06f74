"""Writing an import: students, tenant files and codes, units, history rows, code emails."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crous_admin.academic_year import academic_year_of
from crous_admin.errors import ConflictError
from residences.models import HousingUnit, UnitStatus
from tenants.code_services import IssuedCode, tenant_codes_queue_emails
from tenants.codes import code_generate, code_hmac
from tenants.imports.report import Progress, Row
from tenants.imports.validation import chunks
from tenants.models import CodeDelivery, Student, TenantFile, TenantFileStatus

if TYPE_CHECKING:
    from crous_admin.accounts.models import User
    from residences.models import Crous


# Lines per write batch: a few hundred statements for 50,000 lines, under every database's
# parameter limit, and a progress bar that moves.
WRITE_BATCH = 2000
# A fresh code colliding with a live one is a one-in-10^10 event per code: draw again.
_CODE_ATTEMPTS = 3


def write(
    rows: list[Row],
    *,
    crous: Crous,
    by: User | None,
    source_name: str,
    progress: Progress | None,
) -> None:
    """Per batch: occupy the units (compare-and-swap), create the students, the files with
    their codes, the history rows of all three, and queue the code emails."""
    now = timezone.now()
    expires_at = now + timedelta(days=crous.code_validity_days)
    origin = f"import {source_name}".strip() if source_name else "import"
    done = 0
    for batch in chunks(rows, WRITE_BATCH):
        _occupy([row.unit for row in batch if row.unit is not None], expected=len(batch))

        new_students = [
            Student(
                crous=crous,
                ine=row.ine,
                last_name=row.last_name,
                first_name=row.first_name,
                email=row.email,
                mobile_phone=row.mobile_phone or "",
                is_campus_france=row.campus_france,
            )
            for row in batch
            if row.student is None
        ]
        created = iter(Student.objects.bulk_create(new_students, batch_size=WRITE_BATCH))
        for row in batch:
            if row.student is None:
                row.student = next(created)
        _history_rows(
            Student,
            [student.pk for student in new_students],
            by=by,
            when=now,
            history_type="+",
            reason=("%s", [f"student created by {origin}"]),
        )

        files, codes = _create_files(batch, crous=crous, now=now, expires_at=expires_at)
        file_ids = [tenant_file.pk for tenant_file in files]
        _history_rows(
            TenantFile,
            file_ids,
            by=by,
            when=now,
            history_type="+",
            reason=(
                "CASE WHEN t.code_delivery = %s THEN %s ELSE %s END",
                [
                    CodeDelivery.HAND_OVER.value,
                    f"tenant file created by {origin}, code to hand over",
                    f"tenant file created by {origin}, code issued",
                ],
            ),
        )
        _history_rows(
            HousingUnit,
            file_ids,
            by=by,
            when=now,
            history_type="~",
            reason=(
                "%s || CAST(f.id AS VARCHAR(20)) || %s",
                ["occupied by tenant file ", f" ({origin})"],
            ),
            through_files=True,
        )
        tenant_codes_queue_emails(
            issued=[
                IssuedCode(tenant_file=tenant_file, code=code)
                for tenant_file, code in zip(files, codes, strict=True)
                if code
            ]
        )
        done += len(batch)
        if progress:
            progress("import", done, len(rows))


def _occupy(units: list[HousingUnit], *, expected: int) -> None:
    """Marks the units occupied, only those still available: a unit assigned meanwhile by
    someone else (who locked it through the services) fails the whole import."""
    updated = HousingUnit.objects.filter(
        pk__in=[unit.pk for unit in units], status=UnitStatus.AVAILABLE
    ).update(status=UnitStatus.OCCUPIED)
    if updated != expected:
        raise ConflictError(
            _(
                "Some housing units of the file were assigned by someone else while it was "
                "being imported: nothing was imported. Run the import again to see which."
            ),
            code="unit_not_free",
        )


def _create_files(
    batch: Sequence[Row], *, crous: Crous, now: datetime, expires_at: datetime
) -> tuple[list[TenantFile], list[str]]:
    """Creates the batch's files; returns them with their plain codes (empty for a code the
    residence will hand over)."""
    files = [
        TenantFile(
            crous=crous,
            student=row.student,
            unit=row.unit,
            academic_year=academic_year_of(row.start_date),
            start_date=row.start_date,
            end_date=row.end_date,
            status=TenantFileStatus.ASSIGNED,
            code_delivery=CodeDelivery.HAND_OVER if row.hand_over else CodeDelivery.EMAIL,
        )
        for row in batch
    ]
    for attempt in range(_CODE_ATTEMPTS):
        codes = _issue_codes(files, now=now, expires_at=expires_at)
        try:
            with transaction.atomic():
                created = TenantFile.objects.bulk_create(files, batch_size=WRITE_BATCH)
        except IntegrityError as exc:
            if attempt == _CODE_ATTEMPTS - 1 or "code_hmac" not in str(exc):
                raise
            for tenant_file in files:  # rolled back: insert them again with other codes
                tenant_file.pk = None
                tenant_file._state.adding = True
            continue
        return created, codes
    raise AssertionError("unreachable")


_HISTORY_OWN_FIELDS = frozenset(
    {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}
)


def _history_rows(
    model: type[Any],
    ids: list[int],
    *,
    by: User | None,
    when: datetime,
    history_type: str,
    reason: tuple[str, list[str]],
    through_files: bool = False,
) -> None:
    """Writes django-simple-history's rows for ``model``'s rows ``ids`` as they are now.

    What ``bulk_history_create`` (or ``bulk_create_with_history``) would write, but copied
    by the database in one ``INSERT … SELECT`` per batch instead of a historical instance
    built in Python per row: at 50,000 lines that was a third of the import's time
    (docs/imports.md). ``reason`` is an SQL expression over the source row ``t`` (and the
    tenant file ``f`` with ``through_files``: ``ids`` are then files whose units are
    copied) with its parameters.
    """
    if not ids or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = model.history.model
    tracked = list(history.tracked_fields)
    known = {f.name for f in tracked} | _HISTORY_OWN_FIELDS
    if {f.name for f in history._meta.concrete_fields} != known:
        # A history option this copy does not fill (extra fields, a relation to the
        # instance…): the tests of the import fail here, before any installation does.
        raise RuntimeError(f"{history.__name__} has columns the import does not write.")
    qn = connection.ops.quote_name
    columns = [qn(f.column) for f in tracked]
    source = f"{qn(model._meta.db_table)} t"
    if through_files:
        source += f" JOIN {qn(TenantFile._meta.db_table)} f ON f.unit_id = t.id"
    reason_sql, reason_params = reason
    # Only names from the models' metadata are formatted in; every value is a parameter.
    insert = (
        f"INSERT INTO {qn(history._meta.db_table)} ({', '.join(columns)}, history_date, "  # noqa: S608
        "history_change_reason, history_type, history_user_id) "
        f"SELECT {', '.join(f't.{c}' for c in columns)}, %s, {reason_sql}, %s, %s "
        f"FROM {source} WHERE {'f' if through_files else 't'}.id IN "
    )
    head = [connection.ops.adapt_datetimefield_value(when), *reason_params, history_type]
    head.append(by.pk if by is not None else None)
    step = min(WRITE_BATCH, max(connection.features.max_query_params or WRITE_BATCH, 100) - 10)
    with connection.cursor() as cursor:
        for chunk in chunks(ids, step):
            cursor.execute(f"{insert}({', '.join(['%s'] * len(chunk))})", [*head, *chunk])


def _issue_codes(files: list[TenantFile], *, now: datetime, expires_at: datetime) -> list[str]:
    """Gives each e-mailed file a fresh code (unique in the batch); hand-over files get
    theirs from the residence later (``tenant_code_hand_over``), so none now."""
    codes: list[str] = []
    seen: set[str] = set()
    for tenant_file in files:
        if tenant_file.code_delivery == CodeDelivery.HAND_OVER:
            codes.append("")
            continue
        code = code_generate()
        digest = code_hmac(code)
        while digest in seen:
            code = code_generate()
            digest = code_hmac(code)
        seen.add(digest)
        tenant_file.code_hmac = digest
        tenant_file.code_issued_at = now
        tenant_file.code_expires_at = expires_at
        codes.append(code)
    return codes
