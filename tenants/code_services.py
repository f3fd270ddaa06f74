"""Staff-side writes around tenant codes: assigning a unit with a code, re-sending a code,
handing one over in person, unlinking and relinking an account, moving a file to another
unit of the Crous, and transferring a student to another Crous.

Every function is keyword-only, runs in one transaction, records its author in the history
(the audit trail) and queues any email through the outbox in the same transaction. A code is
never stored: it exists in the email's context until the message is sent (the outbox wipes
``secret_`` context keys then) and, for a hand-over, in the letter printed at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from crous_admin.errors import ApplicationError, ConflictError
from crous_admin.history import record_author
from notifications.models import Channel
from notifications.services.queueing import MessageSpec, message_queue_bulk
from residences.models import HousingUnit, UnitStatus
from tenants.codes import code_display, code_generate, code_hmac
from tenants.models import (
    CURRENT_STATUSES,
    CodeDelivery,
    CodeEntryGuard,
    Student,
    TenantFile,
    TenantFileStatus,
)
from tenants.services import (
    STUDENT_FIELDS,
    student_create,
    tenant_file_create,
    tenant_file_end,
    unit_require_free,
    unit_set_status,
)

if TYPE_CHECKING:
    from crous_admin.accounts.models import User

TENANT_CODE_TEMPLATE = "tenant_code"
# A fresh code colliding with a live one is a one-in-10^10 event per issue; try again.
_ISSUE_ATTEMPTS = 3


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued: ``code`` is the plain text, available only to the caller now."""

    tenant_file: TenantFile
    code: str

    @property
    def display(self) -> str:
        return code_display(self.code)


def _locked(tenant_file: TenantFile) -> TenantFile:
    return (
        TenantFile.objects.select_for_update(of=("self",))
        .select_related("crous", "student", "unit__residence")
        .get(pk=tenant_file.pk)
    )


def _require_current(tenant_file: TenantFile) -> None:
    if tenant_file.status not in CURRENT_STATUSES:
        raise ConflictError(
            _("This tenant file has ended: its code can no longer be issued or used."),
            code="file_not_current",
        )


def _set_new_code(tenant_file: TenantFile, *, delivery: str, by: User | None, now: datetime) -> str:
    """Gives the file a fresh code (the previous one stops working); returns its plain text."""
    code = code_generate()
    tenant_file.code_hmac = code_hmac(code)
    tenant_file.code_issued_at = now
    tenant_file.code_expires_at = now + timedelta(days=tenant_file.crous.code_validity_days)
    tenant_file.code_delivery = delivery
    handed_over = delivery == CodeDelivery.HAND_OVER
    tenant_file.code_handed_over_at = now if handed_over else None
    tenant_file.code_handed_over_by = by if handed_over else None
    return code


def _save_with_new_code(
    tenant_file: TenantFile, *, delivery: str, by: User | None, now: datetime, reason: str
) -> str:
    for attempt in range(_ISSUE_ATTEMPTS):
        code = _set_new_code(tenant_file, delivery=delivery, by=by, now=now)
        record_author(tenant_file, by, reason)
        try:
            with transaction.atomic():
                tenant_file.save()
        except IntegrityError:
            if attempt == _ISSUE_ATTEMPTS - 1:
                raise
            continue
        # A fresh code starts with a clean slate: earlier wrong guesses were not at it.
        CodeEntryGuard.objects.filter(key=CodeEntryGuard.file_key(tenant_file.pk)).delete()
        return code
    raise AssertionError("unreachable")


def _code_email_spec(tenant_file: TenantFile, code: str) -> MessageSpec:
    student = tenant_file.student
    crous = tenant_file.crous
    unit = tenant_file.unit
    language = (
        tenant_file.linked_user.preferred_language
        if tenant_file.linked_user_id and tenant_file.linked_user
        else "fr"
    )
    return MessageSpec(
        crous=crous,
        recipient=student.email,
        channel=Channel.EMAIL,
        template_key=TENANT_CODE_TEMPLATE,
        language=language,
        idempotency_key=(
            f"tenant-code:{tenant_file.pk}:{tenant_file.code_issued_at:%Y%m%dT%H%M%S.%f}"
        ),
        context={
            "secret_code": code_display(code),
            "first_name": student.first_name,
            "residence": unit.residence.name,
            "unit": unit.number,
            "address": f"{unit.residence.address}, {unit.residence.postal_code} "
            f"{unit.residence.city}",
            # Day first, 24-hour clock: read the same in French and English.
            "expires_at": timezone.localtime(tenant_file.code_expires_at, crous.time_zone).strftime(
                "%d/%m/%Y %H:%M"
            ),
            "time_zone": str(crous.time_zone),
            "site_url": settings.SITE_URL,
        },
    )


def _queue_code_email(tenant_file: TenantFile, code: str) -> None:
    spec = _code_email_spec(tenant_file, code)
    message_queue_bulk(messages=[spec])


@transaction.atomic
def tenant_file_assign(
    *,
    by: User | None,
    student: Student,
    unit: HousingUnit,
    start_date: date,
    end_date: date,
    academic_year: int | None = None,
    hand_over: bool = False,
) -> IssuedCode:
    """Assigns a unit: creates the tenant file with its code and queues the code's email.

    With ``hand_over`` (Campus France cases) no email is sent: the residence hands the code
    over, and the returned plain text is for the printed letter, now and only now.
    """
    tenant_file = tenant_file_create(
        by=by,
        student=student,
        unit=unit,
        start_date=start_date,
        end_date=end_date,
        academic_year=academic_year,
    )
    tenant_file = _locked(tenant_file)
    delivery = CodeDelivery.HAND_OVER if hand_over else CodeDelivery.EMAIL
    code = _save_with_new_code(
        tenant_file, delivery=delivery, by=by, now=timezone.now(), reason="code issued"
    )
    if not hand_over:
        _queue_code_email(tenant_file, code)
    return IssuedCode(tenant_file=tenant_file, code=code)


@transaction.atomic
def tenant_code_resend(*, by: User | None, tenant_file: TenantFile) -> IssuedCode:
    """Issues a fresh code (the old one stops working) and emails it to the student."""
    tenant_file = _locked(tenant_file)
    _require_current(tenant_file)
    code = _save_with_new_code(
        tenant_file,
        delivery=CodeDelivery.EMAIL,
        by=by,
        now=timezone.now(),
        reason="code re-sent by email",
    )
    _queue_code_email(tenant_file, code)
    return IssuedCode(tenant_file=tenant_file, code=code)


@transaction.atomic
def tenant_code_hand_over(*, by: User, tenant_file: TenantFile) -> IssuedCode:
    """Issues a fresh code to be handed over in person, and records who did it and when.

    No email: the plain text returned goes on the printed letter (Campus France students
    whose account may not exist yet, or a student at the residence's desk).
    """
    tenant_file = _locked(tenant_file)
    _require_current(tenant_file)
    code = _save_with_new_code(
        tenant_file,
        delivery=CodeDelivery.HAND_OVER,
        by=by,
        now=timezone.now(),
        reason="code handed over in person",
    )
    return IssuedCode(tenant_file=tenant_file, code=code)


@transaction.atomic
def tenant_file_unlink(*, by: User, tenant_file: TenantFile, reason: str) -> TenantFile:
    """Cuts the link between the file and the account (lost access, wrong person).

    The code that made the link has been used; the student gets the file back with
    ``tenant_file_relink`` (staff, after checking identity) or a re-sent code.
    """
    if not reason.strip():
        raise ApplicationError(
            _("Say why the account is unlinked: it is kept in the file's history."),
            code="reason_required",
            field="reason",
        )
    tenant_file = _locked(tenant_file)
    if tenant_file.linked_user_id is None:
        raise ConflictError(_("No account is linked to this tenant file."), code="not_linked")
    tenant_file.linked_user = None
    tenant_file.linked_at = None
    if tenant_file.status == TenantFileStatus.ACTIVE:
        tenant_file.status = TenantFileStatus.ASSIGNED
    record_author(tenant_file, by, f"account unlinked: {reason.strip()}")
    tenant_file.save(update_fields=["linked_user", "linked_at", "status", "updated_at"])
    return tenant_file


@transaction.atomic
def tenant_file_relink(*, by: User, tenant_file: TenantFile, user: User) -> TenantFile:
    """Links ``user``'s account to the file after staff verified the student's identity.

    Refused while another account is linked: unlink it first, so that taking a file away
    from an account is always a deliberate, recorded step.
    """
    tenant_file = _locked(tenant_file)
    _require_current(tenant_file)
    if tenant_file.linked_user_id not in (None, user.pk):
        raise ConflictError(
            _("Another account is linked to this tenant file: unlink it first."),
            code="linked_to_another_account",
        )
    tenant_file.linked_user = user
    tenant_file.linked_at = timezone.now()
    tenant_file.status = TenantFileStatus.ACTIVE
    record_author(tenant_file, by, f"account {user.email} linked by staff")
    tenant_file.save(update_fields=["linked_user", "linked_at", "status", "updated_at"])
    return tenant_file


@transaction.atomic
def tenant_file_change_unit(
    *, by: User, tenant_file: TenantFile, unit: HousingUnit, new_code: bool = False
) -> IssuedCode | None:
    """Moves a current file to another unit of the same Crous (a change of residence).

    The old unit is freed, the new one occupied; the account stays linked. With
    ``new_code`` a fresh code is issued and emailed (the old one stops working).
    """
    tenant_file = _locked(tenant_file)
    _require_current(tenant_file)
    unit = (
        HousingUnit.objects.select_for_update(of=("self",))
        .select_related("residence")
        .get(pk=unit.pk)
    )
    if unit.residence.crous_id != tenant_file.crous_id:
        raise ApplicationError(
            _("A change of unit stays inside the Crous; for another Crous, start a transfer."),
            code="unit_other_crous",
            field="unit",
        )
    if unit.pk == tenant_file.unit_id:
        raise ApplicationError(
            _("The student already lives in this unit."), code="same_unit", field="unit"
        )
    unit_require_free(unit, hint=_("choose another unit"))
    old_unit = unit_set_status(
        unit_id=tenant_file.unit_id,
        status=UnitStatus.AVAILABLE,
        by=by,
        reason=f"freed by tenant file {tenant_file.pk} (unit change)",
    )
    unit = unit_set_status(
        unit_id=unit.pk,
        status=UnitStatus.OCCUPIED,
        by=by,
        reason=f"occupied by tenant file {tenant_file.pk} (unit change)",
    )
    tenant_file.unit = unit
    reason = f"moved from unit {old_unit.pk} to unit {unit.pk}"
    if not new_code:
        record_author(tenant_file, by, reason)
        tenant_file.save(update_fields=["unit", "updated_at"])
        return None
    code = _save_with_new_code(
        tenant_file,
        delivery=CodeDelivery.EMAIL,
        by=by,
        now=timezone.now(),
        reason=f"{reason}, new code",
    )
    _queue_code_email(tenant_file, code)
    return IssuedCode(tenant_file=tenant_file, code=code)


@transaction.atomic
def tenant_file_transfer(
    *,
    by: User,
    tenant_file: TenantFile,
    unit: HousingUnit,
    start_date: date,
    end_date: date,
) -> IssuedCode:
    """Transfers a student to another Crous: this file ends the day before ``start_date``, a
    new file opens in ``unit``'s Crous with a code of its own, emailed to the student.

    The target Crous keeps its own student record (created from this one when it has
    none), so the staff of each Crous see only their side. Runs across two Crous: callers
    check the acting person may write in both.
    """
    with scopes_disabled():
        source = _locked(tenant_file)
        _require_current(source)
        unit = HousingUnit.objects.select_related("residence__crous").get(pk=unit.pk)
        target_crous = unit.residence.crous
        if target_crous.pk == source.crous_id:
            raise ApplicationError(
                _("This unit is in the same Crous: change the unit instead of transferring."),
                code="same_crous",
                field="unit",
            )
        if start_date <= source.start_date:
            raise ApplicationError(
                _("The transfer must start after the current file's start date."),
                code="period",
                field="start_date",
            )
        student = source.student
        target_student = Student.objects.filter(crous=target_crous, ine=student.ine).first()
        if target_student is None:
            target_student = student_create(
                by=by,
                crous_id=target_crous.pk,
                **{name: getattr(student, name) for name in STUDENT_FIELDS},
            )
        tenant_file_end(
            by=by,
            tenant_file=source,
            reason=f"transferred to {target_crous.code}",
            end_date=max(start_date - timedelta(days=1), source.start_date + timedelta(days=1)),
        )
        return tenant_file_assign(
            by=by,
            student=target_student,
            unit=unit,
            start_date=start_date,
            end_date=end_date,
        )


@transaction.atomic
def tenant_code_entry_unblock(*, by: User, tenant_file: TenantFile) -> bool:
    """Forgets the wrong codes counted against the file (``file:<id>``), lifting any block.

    Staff do it after checking who is asking (a student locked out by someone else's
    guesses). Recorded in the file's history; returns whether there was anything to forget.
    """
    tenant_file = _locked(tenant_file)
    deleted, _rows = CodeEntryGuard.objects.filter(
        key=CodeEntryGuard.file_key(tenant_file.pk)
    ).delete()
    if deleted:
        record_author(tenant_file, by, "code entry unblocked by staff")
        tenant_file.save(update_fields=["updated_at"])
    return bool(deleted)


def tenant_codes_queue_emails(*, issued: list[IssuedCode]) -> None:
    """Queues the code emails of many files at once (bulk import), in the caller's transaction."""
    message_queue_bulk(messages=[_code_email_spec(i.tenant_file, i.code) for i in issued])
