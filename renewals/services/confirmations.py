"""The 72-hour promise: tracking confirmations, and escalating those sent late or not at all."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from notifications.models import Channel, MessageStatus
from notifications.services.queueing import message_queue
from renewals.models import RenewalRequest
from renewals.services import localisation

logger = logging.getLogger(__name__)


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
                "submitted_at": localisation.local(renewal.submitted_at, crous),
                "deadline": localisation.local(renewal.confirmation_deadline, crous),
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
                    "submitted": localisation.local(renewal.submitted_at, crous),
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
