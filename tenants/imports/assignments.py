"""Bulk import of an allocation result: one CSV line per student assigned a housing unit.

``assignments_import`` reads the file, checks every line and, only when every line is good,
creates the students it does not know yet, the tenant files with their codes, occupies the
units, writes the audit trail and queues the code emails — all in one transaction. A dry
run stops after the checks and reports what the import would do. The file's format and the
error messages are described in docs/imports.md.

Cost: the checks read the database a fixed number of times per 1,000 lines (the residences,
their units with a "has a current file" flag, the students already known with their
current file); the writes are bulk statements per batch of ``WRITE_BATCH`` lines, the
history rows copied by the database (``writing._history_rows``). Nothing is read or written per
line. Figures: docs/benchmarks.md (``python -m bench.import_assignments``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crous_admin.api.permissions import user_has_perms_in_crous
from crous_admin.errors import ApplicationError, ConflictError
from tenants.imports import validation
from tenants.imports.parsing import column_rank, parse
from tenants.imports.report import ImportReport, Progress
from tenants.imports.writing import write

if TYPE_CHECKING:
    from crous_admin.accounts.models import User
    from residences.models import Crous


IMPORT_PERMISSION = "tenants.add_tenantfile"


def assignments_import(
    *,
    crous: Crous,
    by: User | None,
    data: bytes,
    dry_run: bool = False,
    source_name: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Checks an allocation-result CSV for ``crous`` and, unless ``dry_run``, imports it.

    All or nothing: when any line is bad, the report lists every problem and nothing is
    written. Every line must designate a unit of ``crous`` (looked up in ``crous`` only, and
    through the caller's per-Crous scope). ``by`` (None for a system import) is the history's
    author and must hold ``tenants.add_tenantfile`` in ``crous``. Raises ``ApplicationError``
    when ``by`` may not import there, and ``ConflictError`` when a unit or student changed
    between the checks and the writes (nothing is written then either).
    """
    if by is not None and not user_has_perms_in_crous(by, [IMPORT_PERMISSION], crous.pk):
        raise ApplicationError(
            _(
                "You may not assign housing units in %(crous)s: ask a Crous administrator "
                "for the housing officer role there."
            )
            % {"crous": crous.name},
            code="forbidden",
            status=403,
        )
    report = ImportReport(crous_code=crous.code, dry_run=dry_run, source_name=source_name)
    rows = parse(data, report=report, progress=progress)
    if rows:
        validation.check_in_file_duplicates(rows, report)
        validation.check_against_database(rows, crous=crous, report=report)
    report.errors.sort(key=lambda e: (e.line, column_rank(e.column)))
    report.notices.sort(key=lambda e: e.line)
    if report.errors or not rows:
        return report
    report.files_created = len(rows)
    report.students_created = sum(1 for row in rows if row.student is None)
    report.students_reused = len(rows) - report.students_created
    report.codes_to_hand_over = sum(1 for row in rows if row.hand_over)
    report.emails_queued = len(rows) - report.codes_to_hand_over
    if dry_run:
        return report
    try:
        with transaction.atomic():
            write(rows, crous=crous, by=by, source_name=source_name, progress=progress)
    except IntegrityError as exc:
        raise ConflictError(
            _(
                "Another change to the same students or housing units was saved while the "
                "file was being imported: nothing was imported. Run the import again to see "
                "an up-to-date report."
            ),
            code="import_conflict",
        ) from exc
    report.imported = True
    return report
