"""Writes of renewals: windows, requests, decisions, the 72-hour tracking and reminders.

Every function is keyword-only and records who acted (``by``) in the history. The student
pages, the API, the back-office and the periodic jobs call these; none writes the models
itself. Emails and SMS go through the outbox (``notifications.services``), each with an
idempotency key naming its business event, so that running anything twice sends nothing
twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from crous_admin.academic_year import academic_year_label
from crous_admin.errors import ApplicationError, ConflictError
from crous_admin.history import record_author
from notifications.models import Channel, MessageStatus
from notifications.services.queueing import MessageSpec, message_queue, message_queue_bulk
from renewals.eligibility import eligibility_check, unpaid_rent_for, years_of_stay_for
from renewals.models import (
    ReminderKind,
    ReminderPreference,
    RenewalReminder,
    RenewalRequest,
    RenewalWindow,
    RequestSource,
    RequestStatus,
)
from renewals.selectors import window_for_file
from residences.models import Crous
from tenants.models import Student, TenantFile, TenantFileStatus
from tenants.services import tenant_file_extend

if TYPE_CHECKING:
    from crous_admin.accounts.models import User

logger = logging.getLogger(__name__)

WINDOW_FIELDS = (
    "academic_year",
    "opens_on",
    "closes_on",
    "promise_hours",
    "dse_rule",
    "max_years_of_stay",
    "exceptional_years",
    "reminder_days_before_close",
)
# Reminders are worth sending for a day; after that the next one (or the page) says it.
REMINDER_DEADLINE = timedelta(hours=24)
# Blocked only by a rule the student can still fix: they get the reminders too.
REMINDABLE_BLOCKERS = {"dse_for_next_year", "no_unpaid_rent"}


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def _local(moment: datetime | None, crous: Crous) -> str:
    from zoneinfo import ZoneInfo

    if moment is None:  # not submitted yet: nothing to show
        return ""

    local = timezone.localtime(moment, ZoneInfo(str(crous.time_zone)))
    return formats.date_format(local, "DATETIME_FORMAT")


# --- Windows ----------------------------------------------------------------------------------


@transaction.atomic
def renewal_window_create(*, by: User | None, crous: Crous, **fields: Any) -> RenewalWindow:
    window = RenewalWindow(crous=crous, **{k: v for k, v in fields.items() if k in WINDOW_FIELDS})
    return _window_save(window, by=by, reason="renewal window created")


@transaction.atomic
def renewal_window_update(
    *, by: User | None, window: RenewalWindow, **fields: Any
) -> RenewalWindow:
    window = RenewalWindow.objects.select_for_update(of=("self",)).get(pk=window.pk)
    changes = {k: v for k, v in fields.items() if k in WINDOW_FIELDS}
    if (
        "academic_year" in changes
        and changes["academic_year"] != window.academic_year
        and window.requests.exists()
    ):
        raise ConflictError(
            _("This window already has renewal requests: its academic year cannot change."),
            code="window_has_requests",
            field="academic_year",
        )
    for name, value in changes.items():
        setattr(window, name, value)
    return _window_save(window, by=by, reason="renewal window changed")


def _window_save(window: RenewalWindow, *, by: User | None, reason: str) -> RenewalWindow:
    """Validates and saves; refuses a window overlapping another of its Crous and year.

    The Crous row is locked first so that two staff members creating overlapping windows
    at the same moment are serialised: the second one sees the first one's window.
    """
    with scopes_disabled():
        Crous.objects.select_for_update(of=("self",)).filter(pk=window.crous_id).first()
        if window.closes_on < window.opens_on:
            raise ApplicationError(
                _("The window cannot close before it opens."), code="period", field="closes_on"
            )
        window.full_clean(exclude=["crous"], validate_constraints=False)
        overlapping = (
            RenewalWindow.objects.filter(
                crous_id=window.crous_id,
                academic_year=window.academic_year,
                opens_on__lte=window.closes_on,
                closes_on__gte=window.opens_on,
            )
            .exclude(pk=window.pk)
            .first()
        )
    if overlapping is not None:
        raise ConflictError(
            _(
                "This window overlaps another renewal window of the same Crous and year "
                "(%(start)s to %(end)s): change the dates of one of them."
            )
            % {"start": overlapping.opens_on.isoformat(), "end": overlapping.closes_on.isoformat()},
            code="window_overlap",
            field="opens_on",
        )
    record_author(window, by, reason)
    window.save()
    return window


# --- Submission -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    request: RenewalRequest
    created: bool  # False: the same request was already submitted (a retry, a second tab)


def renewal_request_submit(
    *,
    tenant_file: TenantFile,
    by: User | None,
    contact_email: str = "",
    contact_phone: str = "",
    source: str = RequestSource.PORTAL,
    now: datetime | None = None,
) -> Submission:
    """Asks for the renewal of ``tenant_file`` in its current window.

    * Outside the window, or for a file that is not active and linked, refuses with an
      ``ApplicationError`` saying when the window opens or that it closed; nothing is kept.
    * One request per file and window: a second call (double click, second tab, API retry)
      returns the first request unchanged and queues nothing. The file row is locked while
      deciding, so concurrent calls are serialised; the unique constraint backs that up.
    * Not eligible (e.g. no DSE where the Crous requires it): the request is recorded as
      *blocked* with the rules that blocked it, and returned; trying again later (DSE
      submitted) re-runs the check on the same request.
    * Eligible: *submitted*, and a confirmation is queued by email and by SMS, each due
      within the window's promise (72 hours by default).
    """
    now = now or timezone.now()
    with transaction.atomic():
        tenant_file = (
            TenantFile.objects.select_for_update(of=("self",))
            .select_related("student", "crous", "unit__residence")
            .get(pk=tenant_file.pk)
        )
        window = window_for_file(tenant_file, now=now)
        existing = (
            RenewalRequest.objects.filter(window=window, tenant_file=tenant_file).first()
            if window is not None
            else None
        )
        if existing is not None and existing.status != RequestStatus.BLOCKED:
            return Submission(existing, created=False)
        eligibility = eligibility_check(tenant_file=tenant_file, window=window, now=now)
        for gate in ("file_active_and_linked", "inside_window"):
            result = eligibility.result(gate)
            if result is not None and not result.passed:
                raise ConflictError(
                    result.message,
                    code=_refusal_code(gate, window, now),
                    extra=_window_details(window),
                )
        assert window is not None  # inside_window passed
        renewal = existing or RenewalRequest(
            crous_id=tenant_file.crous_id, window=window, tenant_file=tenant_file
        )
        student = tenant_file.student
        renewal.source = source
        renewal.requested_by = by
        renewal.contact_email = (contact_email or student.email).strip().lower()
        renewal.contact_phone = (contact_phone or str(student.mobile_phone or "")).strip()
        renewal.eligibility = eligibility.as_json()
        renewal.blocked_reasons = eligibility.blocking_codes
        renewal.needs_exception = eligibility.needs_exception
        if eligibility.eligible:
            renewal.status = RequestStatus.SUBMITTED
            renewal.submitted_at = now
            renewal.confirmation_deadline = now + timedelta(hours=window.promise_hours)
            reason = "renewal requested"
        else:
            renewal.status = RequestStatus.BLOCKED
            reason = "renewal blocked: " + ", ".join(eligibility.blocking_codes)
        record_author(renewal, by, reason)
        renewal.save()
        if renewal.status == RequestStatus.SUBMITTED:
            _queue_confirmations(renewal, tenant_file=tenant_file, window=window)
    # New, or blocked before and (re)checked now: this call recorded it.
    return Submission(renewal, created=True)


def _refusal_code(gate: str, window: RenewalWindow | None, now: datetime) -> str:
    if gate == "file_active_and_linked":
        return "file_not_renewable"
    if window is None:
        return "renewal_window_missing"
    return "renewal_window_not_open" if window.state(now) == "upcoming" else "renewal_window_closed"


def _window_details(window: RenewalWindow | None) -> dict[str, Any]:
    if window is None:
        return {}
    return {"opens_at": window.opens_at.isoformat(), "closes_at": window.closes_at.isoformat()}


def _queue_confirmations(
    renewal: RenewalRequest, *, tenant_file: TenantFile, window: RenewalWindow
) -> None:
    """The confirmation by email and by SMS (when a mobile number is known), due by the
    request's deadline, queued together (one insert), keyed by the request: a request is
    submitted once (a blocked one that becomes submitted keeps its row and gets them then)."""
    crous = tenant_file.crous
    unit = tenant_file.unit
    context = {
        "first_name": tenant_file.student.first_name,
        "request_id": renewal.pk,
        "residence": unit.residence.name,
        "unit": unit.number,
        "academic_year": academic_year_label(window.academic_year),
        "submitted_at": _local(renewal.submitted_at, crous),
        "site_url": settings.SITE_URL,
    }
    key = f"renewal-request:{renewal.pk}:confirmation"
    common: dict[str, Any] = {
        "crous": crous,
        "template_key": "renewal_confirmation",
        "language": _language(),
        "context": context,
        "deadline": renewal.confirmation_deadline,
    }
    specs = [
        MessageSpec(
            recipient=renewal.contact_email,
            channel=Channel.EMAIL,
            idempotency_key=f"{key}:email",
            **common,
        )
    ]
    if renewal.contact_phone:
        specs.append(
            MessageSpec(
                recipient=renewal.contact_phone,
                channel=Channel.SMS,
                idempotency_key=f"{key}:sms",
                **common,
            )
        )
    messages = message_queue_bulk(messages=specs)
    renewal.email_message = messages[0]
    renewal.sms_message = messages[1] if len(messages) > 1 else None
    RenewalRequest.objects.filter(pk=renewal.pk).update(
        email_message=renewal.email_message, sms_message=renewal.sms_message
    )


# --- Decisions --------------------------------------------------------------------------------


def _next_end_date(end_date: date, years: int) -> date:
    try:
        return end_date.replace(year=end_date.year + years)
    except ValueError:  # 29 February
        return end_date.replace(year=end_date.year + years, day=28)


@transaction.atomic
def renewal_request_decide(
    *, renewal_request: RenewalRequest, by: User | None, approve: bool, reason: str = ""
) -> RenewalRequest:
    """Approves or refuses (with a reason) one submitted request, and tells the student.

    Approval extends the tenant file to the window's academic year: the same file, unit and
    tenant code (``tenants.services.tenant_file_extend``). The decision, its author and
    its reason are kept in the request's history, as is the file's extension in the file's.
    """
    renewal = (
        RenewalRequest.objects.select_for_update(of=("self",))
        .select_related("window", "crous", "tenant_file__student", "tenant_file__unit__residence")
        .get(pk=renewal_request.pk)
    )
    reason = reason.strip()
    if renewal.status != RequestStatus.SUBMITTED:
        raise ConflictError(
            _("Only a submitted request can be decided; this one is %(status)s.")
            % {"status": renewal.get_status_display().lower()},
            code="request_not_pending",
        )
    if not approve and not reason:
        raise ApplicationError(
            _("Say why the renewal is refused: the student reads this reason."),
            code="reason_required",
            field="reason",
        )
    tenant_file = renewal.tenant_file
    if approve:
        window = renewal.window
        tenant_file_extend(
            by=by,
            tenant_file=tenant_file,
            academic_year=window.academic_year,
            end_date=_next_end_date(
                tenant_file.end_date, window.academic_year - tenant_file.academic_year
            ),
            reason=f"renewed for {window.academic_year_label} (renewal request {renewal.pk})",
        )
    renewal.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    renewal.decided_at = timezone.now()
    renewal.decided_by = by
    renewal.refusal_reason = "" if approve else reason
    verdict = "renewal approved" if approve else "renewal refused"
    record_author(renewal, by, f"{verdict}: {reason}" if reason else verdict)
    renewal.save(update_fields=["status", "decided_at", "decided_by", "refusal_reason"])
    message_queue(
        crous=renewal.crous,
        recipient=renewal.contact_email or tenant_file.student.email,
        channel=Channel.EMAIL,
        template_key="renewal_decision",
        language=_language(),
        context={
            "first_name": tenant_file.student.first_name,
            "approved": approve,
            "reason": renewal.refusal_reason,
            "residence": tenant_file.unit.residence.name,
            "unit": tenant_file.unit.number,
            "academic_year": renewal.window.academic_year_label,
            "site_url": settings.SITE_URL,
        },
        idempotency_key=f"renewal-request:{renewal.pk}:decision",
    )
    return renewal


@dataclass
class BulkDecision:
    decided: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # id -> why


def renewal_requests_decide_bulk(
    *, renewal_requests: Iterable[RenewalRequest], by: User | None, approve: bool, reason: str = ""
) -> BulkDecision:
    """Decides many requests, each in its own transaction, in id order (the lock order):
    one that cannot be decided (already decided, blocked) is skipped with the reason."""
    result = BulkDecision()
    for renewal in sorted(renewal_requests, key=lambda r: r.pk):
        try:
            renewal_request_decide(renewal_request=renewal, by=by, approve=approve, reason=reason)
        except ApplicationError as exc:
            result.skipped[renewal.pk] = exc.message
        else:
            result.decided.append(renewal.pk)
    return result


# --- The 72-hour promise ----------------------------------------------------------------------


@dataclass(frozen=True)
class TrackResult:
    confirmed: int
    escalated: int


def _unconfirmed() -> Any:
    return RenewalRequest.objects.filter(
        submitted_at__isnull=False, confirmed_at__isnull=True, escalated_at__isnull=True
    )


def renewal_confirmations_track(*, now: datetime | None = None, batch: int = 1000) -> TrackResult:
    """The periodic job behind the 72-hour promise (crous_admin/schedule.py).

    Looks only at submitted requests neither confirmed nor escalated yet (a partial index):
    * a confirmation failed, or unsent past the deadline, or sent after it → escalated
      (``renewal_confirmation_late_escalate``), once per request;
    * both confirmations sent in time → ``confirmed_at`` set, the request leaves the scan.
    Each channel's delivery time stays in the outbox (``Message.sent_at``), read, not copied.
    """
    now = now or timezone.now()
    email_sent = Q(email_message__status=MessageStatus.SENT)
    sms_sent = Q(sms_message__isnull=True) | Q(sms_message__status=MessageStatus.SENT)
    failed = (
        Q(email_message__isnull=True)
        | Q(email_message__status=MessageStatus.FAILED)
        | Q(sms_message__status=MessageStatus.FAILED)
    )
    from django.db.models import F

    sent_late = Q(email_message__sent_at__gt=F("confirmation_deadline")) | Q(
        sms_message__sent_at__gt=F("confirmation_deadline")
    )
    unsent_past_deadline = Q(confirmation_deadline__lt=now) & ~(email_sent & sms_sent)
    with scopes_disabled():
        late = list(
            _unconfirmed()
            .filter(failed | sent_late | unsent_past_deadline)
            .select_related("email_message", "sms_message", "crous", "tenant_file__student")
            .order_by("confirmation_deadline")[:batch]
        )
        escalated = sum(
            renewal_confirmation_late_escalate(renewal_request=r, now=now) for r in late
        )
        confirmed_ids = list(
            _unconfirmed().filter(email_sent & sms_sent).values_list("pk", flat=True)[:batch]
        )
        confirmed = RenewalRequest.objects.filter(
            pk__in=confirmed_ids, confirmed_at__isnull=True
        ).update(confirmed_at=now)
    return TrackResult(confirmed=confirmed, escalated=escalated)


def confirmation_problems(renewal: RenewalRequest, *, now: datetime) -> list[str]:
    """What is wrong with a request's confirmations, per channel, in words for staff."""
    problems = []
    deadline = renewal.confirmation_deadline
    for label, message in (("email", renewal.email_message), ("SMS", renewal.sms_message)):
        if message is None:
            if label == "email":
                problems.append("email: never queued")
            continue
        if message.status == MessageStatus.FAILED:
            problems.append(f"{label}: failed ({message.last_error[:200]})")
        elif (
            message.status == MessageStatus.SENT
            and deadline
            and message.sent_at is not None
            and message.sent_at > deadline
        ):
            problems.append(f"{label}: sent late, at {message.sent_at.isoformat()}")
        elif message.status != MessageStatus.SENT and deadline and deadline < now:
            problems.append(f"{label}: still {message.status} past the deadline")
    return problems


def renewal_confirmation_late_escalate(
    *, renewal_request: RenewalRequest, now: datetime | None = None
) -> bool:
    """Tells the Crous that a request's confirmation is late or failed; once per request.

    An email to the Crous' contact address through the outbox, and an Assistance ticket
    (category "renewal") opened on the student's behalf, so that the queue follows the case
    up and the student sees it on their pages. Returns whether this call escalated (False
    when another run already had).
    """
    from assistance.models import TicketCategory
    from assistance.services.opening import ticket_open_for_student

    now = now or timezone.now()
    with scopes_disabled(), transaction.atomic():
        # Compare-and-swap: two concurrent runs escalate a request once.
        if not RenewalRequest.objects.filter(
            pk=renewal_request.pk, escalated_at__isnull=True
        ).update(escalated_at=now):
            return False
        renewal = RenewalRequest.objects.select_related(
            "crous", "email_message", "sms_message", "tenant_file__student", "window"
        ).get(pk=renewal_request.pk)
        problems = confirmation_problems(renewal, now=now)
        crous = renewal.crous
        student = renewal.tenant_file.student
        message_queue(
            crous=crous,
            recipient=crous.contact_email,
            channel=Channel.EMAIL,
            template_key="renewal_confirmation_late",
            language=settings.LANGUAGE_CODE,
            context={
                "request_id": renewal.pk,
                "student": f"{student.first_name} {student.last_name} ({student.ine})",
                "submitted_at": _local(renewal.submitted_at, crous),
                "deadline": _local(renewal.confirmation_deadline, crous),
                "problems": problems,
                "admin_url": _admin_url(renewal),
            },
            idempotency_key=f"renewal-request:{renewal.pk}:confirmation-late",
        )
        with translation.override(settings.LANGUAGE_CODE):
            ticket_open_for_student(
                crous=crous,
                student_or_tenant_file=renewal.tenant_file,
                category=TicketCategory.RENEWAL,
                subject=_("Renewal request: confirmation not delivered within %(hours)s hours")
                % {"hours": renewal.window.promise_hours},
                body=_(
                    "Your renewal request of %(submitted)s is recorded, but its confirmation "
                    "could not be delivered to you within %(hours)s hours. The Crous is "
                    "checking your email address and mobile number; reply here if they "
                    "changed.\n\nWhat went wrong: %(problems)s"
                )
                % {
                    "submitted": _local(renewal.submitted_at, crous),
                    "hours": renewal.window.promise_hours,
                    "problems": "; ".join(problems),
                },
                idempotency_key=f"renewal-request:{renewal.pk}:confirmation-late",
            )
    logger.warning("Renewal request %s: confirmation late or failed: %s", renewal.pk, problems)
    return True


def _admin_url(renewal: RenewalRequest) -> str:
    from django.urls import reverse

    path = reverse("admin:renewals_renewalrequest_change", args=[renewal.pk])
    return f"{settings.SITE_URL}{path}"


# --- Reminders --------------------------------------------------------------------------------


def renewal_reminders_send(*, now: datetime | None = None, chunk: int = 500) -> int:
    """Reminds the tenants who have not asked yet, in every open window: once when it opens,
    once ``reminder_days_before_close`` days before it closes. Email always, SMS to those who
    opted in. Idempotent per window, file and kind (a unique row, and the outbox's keys).
    Returns the number of reminders recorded."""
    now = now or timezone.now()
    sent = 0
    with scopes_disabled():
        today = now.date()
        windows = [
            w
            for w in RenewalWindow.objects.select_related("crous").filter(
                opens_on__lte=today + timedelta(days=1), closes_on__gte=today - timedelta(days=1)
            )
            if w.is_open(now)
        ]
        for window in windows:
            kinds = [ReminderKind.OPENED]
            if now >= window.closing_reminder_at():
                kinds.append(ReminderKind.CLOSING)
            for kind in kinds:
                sent += _remind(window, kind, now=now, chunk=chunk)
    return sent


def _remind(window: RenewalWindow, kind: str, *, now: datetime, chunk: int) -> int:
    asked = RenewalRequest.objects.filter(window=window, tenant_file=OuterRef("pk")).exclude(
        status=RequestStatus.BLOCKED
    )
    reminded = RenewalReminder.objects.filter(window=window, tenant_file=OuterRef("pk"), kind=kind)
    candidates = (
        TenantFile.objects.filter(
            crous_id=window.crous_id,
            academic_year=window.academic_year - 1,
            status=TenantFileStatus.ACTIVE,
            linked_user__isnull=False,
        )
        .exclude(Exists(asked))
        .exclude(Exists(reminded))
        .select_related("student", "crous", "unit__residence")
        .order_by("pk")
    )
    total = 0
    ids = list(candidates.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        files = list(candidates.filter(pk__in=ids[start : start + chunk]))
        years = years_of_stay_for(files)
        unpaid = unpaid_rent_for(files, now=now)
        opted_in = set(
            ReminderPreference.objects.filter(
                student_id__in={f.student_id for f in files}, sms_opt_in=True
            ).values_list("student_id", flat=True)
        )
        rows, specs = [], []
        for tenant_file in files:
            check = eligibility_check(
                tenant_file=tenant_file,
                window=window,
                now=now,
                years=years[tenant_file.pk],
                unpaid_rent=unpaid[tenant_file.pk],
            )
            if not set(check.blocking_codes) <= REMINDABLE_BLOCKERS:
                continue
            sms = tenant_file.student_id in opted_in and bool(tenant_file.student.mobile_phone)
            rows.append(
                RenewalReminder(
                    crous_id=window.crous_id,
                    window=window,
                    tenant_file=tenant_file,
                    kind=kind,
                    sent_sms=sms,
                )
            )
            specs.extend(_reminder_specs(window, tenant_file, kind, sms=sms, now=now))
        with transaction.atomic():
            RenewalReminder.objects.bulk_create(rows, ignore_conflicts=True)
            message_queue_bulk(messages=specs)
        total += len(rows)
    if total:
        logger.info("Renewal window %s: %d %s reminder(s) queued.", window.pk, total, kind)
    return total


def _reminder_specs(
    window: RenewalWindow, tenant_file: TenantFile, kind: str, *, sms: bool, now: datetime
) -> list[MessageSpec]:
    student = tenant_file.student
    context = {
        "first_name": student.first_name,
        "kind": kind,
        "residence": tenant_file.unit.residence.name,
        "academic_year": window.academic_year_label,
        "closes_at": _local(window.closes_at, window.crous),
        "site_url": settings.SITE_URL,
    }
    key = f"renewal-reminder:{window.pk}:{tenant_file.pk}:{kind}"
    common: dict[str, Any] = {
        "crous": window.crous,
        "template_key": "renewal_reminder",
        "language": settings.LANGUAGE_CODE,
        "context": context,
        "deadline": now + REMINDER_DEADLINE,
    }
    specs = [
        MessageSpec(
            recipient=student.email, channel=Channel.EMAIL, idempotency_key=f"{key}:email", **common
        )
    ]
    if sms:
        specs.append(
            MessageSpec(
                recipient=str(student.mobile_phone),
                channel=Channel.SMS,
                idempotency_key=f"{key}:sms",
                **common,
            )
        )
    return specs


# --- Preferences ------------------------------------------------------------------------------


@transaction.atomic
def reminder_preference_set(
    *, student: Student, sms_opt_in: bool, by: User | None
) -> ReminderPreference:
    preference, _created = ReminderPreference.objects.select_for_update(of=("self",)).get_or_create(
        student=student, defaults={"crous_id": student.crous_id}
    )
    if preference.sms_opt_in != sms_opt_in:
        preference.sms_opt_in = sms_opt_in
        record_author(preference, by, f"renewal reminders by SMS: {'on' if sms_opt_in else 'off'}")
        preference.save()
    return preference


def sms_opt_in_of(student: Student) -> bool:
    return ReminderPreference.objects.filter(student=student, sms_opt_in=True).exists()
