"""Staff decisions on renewal requests, one or in bulk; an approval extends the tenant file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crous_admin.errors import ApplicationError, ConflictError
from crous_admin.history import record_author
from notifications.models import Channel
from notifications.services.queueing import message_queue
from renewals.models import RenewalRequest, RequestStatus
from renewals.services import localisation
from tenants.services import tenant_file_extend

if TYPE_CHECKING:
    from crous_admin.accounts.models import User


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
        language=localisation.language(),
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
