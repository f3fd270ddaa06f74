"""A student's renewal request: the check, the request recorded, its confirmations queued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crous_admin.academic_year import academic_year_label
from crous_admin.errors import ConflictError
from crous_admin.history import record_author
from crous_admin.phone import french_mobile_or_none
from notifications.models import Channel
from notifications.services.queueing import MessageSpec, message_queue_bulk
from renewals.eligibility import eligibility_check
from renewals.models import RenewalRequest, RenewalWindow, RequestSource, RequestStatus
from renewals.selectors import window_for_file
from renewals.services import localisation
from tenants.models import TenantFile

if TYPE_CHECKING:
    from crous_admin.accounts.models import User


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
        # Forms and API take only French mobiles; a number no SMS can reach (a landline
        # kept on an old file) gets no SMS, rather than one promised and then refused.
        renewal.contact_phone = (
            french_mobile_or_none(contact_phone or str(student.mobile_phone or "")) or ""
        )
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
        "submitted_at": localisation.local(renewal.submitted_at, crous),
        "site_url": settings.SITE_URL,
    }
    key = f"renewal-request:{renewal.pk}:confirmation"
    common: dict[str, Any] = {
        "crous": crous,
        "template_key": "renewal_confirmation",
        "language": localisation.language(),
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
