"""The 72-hour promise: the periodic job finds confirmations failed, unsent past the deadline
or sent late, alerts the Crous once per request, and retires the ones delivered in time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Message, MessageStatus
from renewals.models import RenewalRequest
from renewals.services.confirmations import renewal_confirmations_track
from renewals.services.submission import renewal_request_submit

pytestmark = pytest.mark.usefixtures("inside_window")


@pytest.fixture
def renewal(linked_student_file, bordeaux_window):
    # Queued, not delivered (on-commit tasks do not run inside a test's transaction): each
    # test sets what the outbox did.
    return renewal_request_submit(
        tenant_file=linked_student_file, by=linked_student_file.linked_user
    ).request


def _deliver(message: Message, at) -> None:
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENT, sent_at=at)


def _alerts() -> list[Message]:
    return list(Message.objects.filter(template_key="renewal_confirmation_late"))


def test_both_channels_delivered_in_time_retire_the_request_without_alert(renewal):
    _deliver(renewal.email_message, renewal.submitted_at + timedelta(minutes=1))
    _deliver(renewal.sms_message, renewal.submitted_at + timedelta(hours=71, minutes=59))

    result = renewal_confirmations_track(now=renewal.submitted_at + timedelta(hours=1))

    assert (result.confirmed, result.escalated) == (1, 0)
    renewal.refresh_from_db()
    assert renewal.confirmed_at is not None
    assert renewal.escalated_at is None
    assert _alerts() == []


def test_an_sms_still_pending_is_not_late_until_the_72nd_hour_has_passed(renewal):
    _deliver(renewal.email_message, renewal.submitted_at + timedelta(minutes=1))
    deadline = renewal.confirmation_deadline

    assert renewal_confirmations_track(now=deadline).escalated == 0
    result = renewal_confirmations_track(now=deadline + timedelta(seconds=1))

    assert result.escalated == 1
    (alert,) = _alerts()
    assert alert.recipient == renewal.crous.contact_email
    assert any("SMS" in p and "past the deadline" in p for p in alert.context["problems"])


def test_a_failed_confirmation_is_escalated_at_once_and_only_once(renewal):
    Message.objects.filter(pk=renewal.email_message.pk).update(
        status=MessageStatus.FAILED, last_error="550 mailbox unavailable"
    )
    now = renewal.submitted_at + timedelta(minutes=30)

    first = renewal_confirmations_track(now=now)
    second = renewal_confirmations_track(now=now + timedelta(minutes=10))

    assert (first.escalated, second.escalated) == (1, 0)
    assert len(_alerts()) == 1
    assert "550" in _alerts()[0].context["problems"][0]
    assert RenewalRequest.objects.get().escalated_at == now


def test_a_confirmation_sent_after_the_deadline_counts_as_late(renewal):
    _deliver(renewal.email_message, renewal.submitted_at + timedelta(minutes=1))
    _deliver(renewal.sms_message, renewal.confirmation_deadline + timedelta(minutes=5))

    result = renewal_confirmations_track(now=timezone.now() + timedelta(hours=80))

    assert result.escalated == 1
    assert "sent late" in _alerts()[0].context["problems"][0]


def test_the_dashboard_counts_confirmed_within_the_promise(renewal):
    from renewals.selectors import window_dashboard

    _deliver(renewal.email_message, renewal.submitted_at + timedelta(minutes=1))
    _deliver(renewal.sms_message, renewal.submitted_at + timedelta(minutes=2))

    figures = window_dashboard(window=renewal.window)

    assert (figures.submitted, figures.confirmed_in_time, figures.pending_decision) == (1, 1, 1)
    assert figures.confirmed_in_time_percent == 100.0
    assert figures.by_day == [(renewal.submitted_at.date(), 1)]


def test_an_escalation_opens_one_assistance_ticket_the_student_sees(renewal):
    from assistance.models import Ticket, TicketCategory

    Message.objects.filter(pk=renewal.sms_message.pk).update(
        status=MessageStatus.FAILED, last_error="invalid number"
    )
    now = renewal.submitted_at + timedelta(minutes=30)

    renewal_confirmations_track(now=now)
    renewal_confirmations_track(now=now + timedelta(minutes=10))

    (ticket,) = Ticket.objects.all()
    assert ticket.crous == renewal.crous
    assert ticket.category == TicketCategory.RENEWAL
    assert ticket.tenant_file == renewal.tenant_file
    assert ticket.requester == renewal.tenant_file.linked_user  # on the student's pages
    assert "invalid number" in ticket.messages.get().body
