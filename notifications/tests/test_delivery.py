"""Delivering: claimed once, retried with backoff until the deadline, failures alerted."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from notifications import sms
from notifications.models import AttemptOutcome, Channel, Message, MessageStatus
from notifications.policy import delivery_policy
from notifications.services.queueing import message_queue
from notifications.services.sending import (
    STAFF_ALERT_TEMPLATE,
    DeliveryOutcome,
    _claim,
    message_deliver,
)
from notifications.tasks import deliver_message
from notifications.tests.factories import MessageFactory


def queue_sms(crous, **overrides):
    fields = {
        "crous": crous,
        "recipient": "+33612345678",
        "channel": Channel.SMS,
        "template_key": "demo_message",
        "language": "fr",
        "context": {},
        "idempotency_key": "renewal-confirmation:42:sms",
        **overrides,
    }
    return message_queue(**fields)


def test_a_task_delivered_twice_sends_the_message_once(bordeaux):
    message = MessageFactory(crous=bordeaux)

    first = deliver_message.delay(message.pk).get()
    second = deliver_message.delay(message.pk).get()

    assert (first, second) == (DeliveryOutcome.SENT, DeliveryOutcome.SKIPPED)
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 1
    assert [a.outcome for a in message.delivery_attempts.all()] == [AttemptOutcome.SENT]


def test_of_two_claims_on_the_same_message_only_one_wins(bordeaux):
    message = MessageFactory(crous=bordeaux)
    policy = delivery_policy()

    first = _claim(message.pk, policy)
    second = _claim(message.pk, policy)

    assert first is not None
    assert second is None
    claim, claimed = first
    assert claimed.status == MessageStatus.SENDING
    assert claimed.claim_token == claim.token
    message.refresh_from_db()
    assert message.status == MessageStatus.SENDING
    assert message.claim_token == claim.token
    assert message.attempts == 1


def test_a_claim_past_its_lease_is_taken_over_and_the_lost_attempt_is_recorded(bordeaux, settings):
    settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS = 60
    policy = delivery_policy()
    message = MessageFactory(crous=bordeaux)
    dead = _claim(message.pk, policy)
    assert dead is not None
    # Fresh claim: the worker holding it may still be sending.
    assert message_deliver(message_id=message.pk) == DeliveryOutcome.SKIPPED

    Message.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - timedelta(seconds=61))

    assert message_deliver(message_id=message.pk) == DeliveryOutcome.SENT
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 2
    assert [(a.number, a.outcome) for a in message.delivery_attempts.all()] == [
        (1, AttemptOutcome.INTERRUPTED),
        (2, AttemptOutcome.SENT),
    ]
    assert len(mail.outbox) == 1


def test_a_worker_whose_claim_was_taken_over_cannot_overwrite_the_new_outcome(bordeaux):
    from notifications.delivery import RetryableDeliveryError
    from notifications.services.sending import _record_failure

    message = MessageFactory(crous=bordeaux)
    stale, message = _claim(message.pk, delivery_policy())
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENT, sent_at=timezone.now(), claim_token=None
    )

    _record_failure(message, stale, RetryableDeliveryError("timeout"), delivery_policy(), "", 5)

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Concurrent workers need a database with row-level concurrency (PostgreSQL).",
)
@pytest.mark.django_db(transaction=True)
def test_eight_workers_racing_on_one_message_send_it_once(bordeaux):
    message = MessageFactory(crous=bordeaux)
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        try:
            outcomes.append(message_deliver(message_id=message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [DeliveryOutcome.SENT] + [DeliveryOutcome.SKIPPED] * 7
    assert len(mail.outbox) == 1


def test_a_provider_error_is_retried_with_exponential_backoff_then_failed_at_the_deadline(
    bordeaux, settings, time_machine, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "notifications.tests.backends.RetryableFailureSmsBackend"
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    time_machine.move_to("2027-03-15 10:00:00+01:00", tick=False)
    start = timezone.now()
    deadline = start + timedelta(minutes=10)

    # Given an SMS whose provider keeps answering 503
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_sms(bordeaux, deadline=deadline)
    delays = []
    # When each retry runs as soon as it is due
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(10):
            message.refresh_from_db()
            if message.status != MessageStatus.PENDING:
                break
            delays.append(message.not_before - timezone.now())
            time_machine.move_to(message.not_before, tick=False)
            deliver_message.delay(message.pk)

    # Then the delay doubles, the last retry is moved to the deadline itself…
    assert delays == [
        timedelta(seconds=60),
        timedelta(seconds=120),
        timedelta(seconds=240),
        deadline - (start + timedelta(seconds=420)),
    ]
    # …where the message fails for good, with every attempt on record
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert timezone.now() == deadline
    assert message.attempts == 5
    assert "503" in message.last_error
    assert [a.outcome for a in message.delivery_attempts.all()] == [AttemptOutcome.RETRY] * 4 + [
        AttemptOutcome.FAILED
    ]
    # And the Crous' contact address is alerted, through the outbox
    alert = Message.objects.get(template_key=STAFF_ALERT_TEMPLATE)
    assert alert.recipient == bordeaux.contact_email
    assert alert.idempotency_key == f"staff-alert:message-failed:{message.pk}:5"
    assert alert.status == MessageStatus.SENT
    assert [m.to for m in mail.outbox] == [[bordeaux.contact_email]]
    assert (
        mail.outbox[0].subject
        == f"[File d'envoi] Le message n° {message.pk} n'a pas pu être envoyé"
    )
    assert sms.outbox == []


def test_retries_stop_after_the_maximum_number_of_attempts(
    bordeaux, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "notifications.tests.backends.RetryableFailureSmsBackend"
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    message = MessageFactory(crous=bordeaux, channel=Channel.SMS, recipient="+33612345678")

    with django_capture_on_commit_callbacks(execute=True):
        assert message_deliver(message_id=message.pk) == DeliveryOutcome.RETRY
        Message.objects.filter(pk=message.pk).update(not_before=timezone.now())
        assert message_deliver(message_id=message.pk) == DeliveryOutcome.FAILED

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert Message.objects.filter(template_key=STAFF_ALERT_TEMPLATE).count() == 1


def test_a_permanent_provider_error_fails_the_message_at_once(
    bordeaux, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "notifications.tests.backends.PermanentFailureSmsBackend"

    with django_capture_on_commit_callbacks(execute=True):
        message = queue_sms(bordeaux)

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 1
    assert "unknown destination number" in message.last_error
    assert Message.objects.filter(template_key=STAFF_ALERT_TEMPLATE).exists()


def test_an_invalid_phone_number_fails_without_calling_the_provider(
    bordeaux, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_sms(bordeaux, recipient="06 12")

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "Invalid phone number" in message.last_error
    assert sms.outbox == []


def test_a_failed_staff_alert_does_not_alert_about_itself(
    bordeaux, settings, django_capture_on_commit_callbacks
):
    alert = MessageFactory(
        crous=bordeaux, template_key=STAFF_ALERT_TEMPLATE, recipient="not-an-address"
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert message_deliver(message_id=alert.pk) == DeliveryOutcome.FAILED

    assert Message.objects.count() == 1


def test_secret_context_values_are_wiped_once_the_message_is_sent(bordeaux):
    message = MessageFactory(crous=bordeaux, context={"first_name": "Léa", "secret_code": "X7K2"})

    assert message.context_for_staff == {"first_name": "Léa", "secret_code": "•••"}
    message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.context == {"first_name": "Léa", "secret_code": "•••"}


def test_the_backoff_doubles_up_to_its_cap_with_bounded_jitter(settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    settings.NOTIFICATIONS_RETRY_MAX_DELAY_SECONDS = 3600
    settings.NOTIFICATIONS_RETRY_JITTER = 0.1
    policy = delivery_policy()

    for attempt, full in [(1, 60), (2, 120), (3, 240), (6, 1920), (7, 3600), (40, 3600)]:
        delay = policy.backoff(attempt).total_seconds()
        assert full * 0.9 <= delay <= full
    assert policy.backoff(1, retry_after=600) == timedelta(seconds=600)
