"""Fault-injecting backends, and what the outbox does with the faults they inject: retries
get a flaky provider's messages through, and an unexpected error alerts staff after a few
attempts instead of at the deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone

from notifications import sms
from notifications.faults import FaultDice, FaultPlan
from notifications.models import Channel, Message, MessageStatus
from notifications.services.queueing import message_queue
from notifications.services.sending import STAFF_ALERT_TEMPLATE, DeliveryOutcome, message_deliver

FAULTY_SMS = "notifications.sms.backends.faulty.SmsBackend"
FAULTY_EMAIL = "notifications.faults.EmailBackend"
LOCMEM_SMS = "notifications.sms.backends.locmem.SmsBackend"


def _queue(crous, n: int, channel: str = Channel.SMS) -> Message:
    return message_queue(
        crous=crous,
        recipient="+33612345678" if channel == Channel.SMS else f"lea{n}@etu.example",
        channel=channel,
        template_key="demo_message",
        language="fr",
        context={},
        idempotency_key=f"drill:{channel}:{n}",
        deadline=timezone.now() + timedelta(hours=72),
    )


def _deliver_until_done(message: Message, time_machine, rounds: int = 30) -> None:
    for _ in range(rounds):
        message.refresh_from_db()
        if message.status != MessageStatus.PENDING:
            return
        time_machine.move_to(message.not_before, tick=False)
        message_deliver(message_id=message.pk)


def test_the_dice_fail_the_same_sends_for_the_same_seed_and_about_the_share_asked():
    def run() -> list[bool]:
        FaultDice._tries.clear()
        dice = FaultDice(FaultPlan(failure_rate=0.3, seed=7))
        return [dice.fails(f"key-{n}") for n in range(1000)]

    first, second = run(), run()

    assert first == second
    assert 250 < sum(first) < 350


def test_a_send_failed_once_may_go_through_when_tried_again():
    FaultDice._tries.clear()
    dice = FaultDice(FaultPlan(failure_rate=0.5, seed=1))

    outcomes = [dice.fails("the-same-key") for _ in range(20)]

    assert True in outcomes
    assert False in outcomes


def test_thirty_percent_of_sms_failing_are_all_delivered_after_retries(
    bordeaux, settings, time_machine
):
    settings.SMS_BACKEND = FAULTY_SMS
    settings.NOTIFICATIONS_FAULTS = {"failure_rate": 0.3, "seed": 3, "backend": LOCMEM_SMS}
    FaultDice._tries.clear()
    messages = [_queue(bordeaux, n) for n in range(40)]

    for message in messages:
        _deliver_until_done(message, time_machine)

    statuses = set(Message.objects.filter(channel=Channel.SMS).values_list("status", flat=True))
    assert statuses == {MessageStatus.SENT}
    assert len(sms.outbox) == 40  # each once: a failed send delivered nothing
    retried = Message.objects.filter(attempts__gt=1).count()
    assert retried > 0  # faults were injected, and overcome


def test_a_permanent_fault_fails_the_sms_at_once(bordeaux, settings):
    settings.SMS_BACKEND = FAULTY_SMS
    settings.NOTIFICATIONS_FAULTS = {"failure_rate": 1, "error": "permanent"}
    message = _queue(bordeaux, 1)

    assert message_deliver(message_id=message.pk) == DeliveryOutcome.FAILED


def test_the_faulty_email_backend_delivers_through_its_inner_backend_when_no_fault_is_drawn(
    bordeaux, settings
):
    settings.EMAIL_BACKEND = FAULTY_EMAIL
    settings.NOTIFICATIONS_FAULTS = {
        "failure_rate": 0,
        "backend": "django.core.mail.backends.locmem.EmailBackend",
    }
    message = _queue(bordeaux, 1, channel=Channel.EMAIL)

    assert message_deliver(message_id=message.pk) == DeliveryOutcome.SENT
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.SMS])
def test_an_unexpected_error_alerts_staff_once_after_three_attempts_while_retries_go_on(
    bordeaux, settings, time_machine, channel
):
    settings.EMAIL_BACKEND = FAULTY_EMAIL
    settings.SMS_BACKEND = FAULTY_SMS
    settings.NOTIFICATIONS_ALERT_AFTER_UNEXPECTED_ERRORS = 3
    settings.NOTIFICATIONS_FAULTS = {"failure_rate": 1, "error": "unexpected"}
    message = _queue(bordeaux, 1, channel=channel)
    alerts = Message.objects.filter(template_key=STAFF_ALERT_TEMPLATE)

    # Given two attempts that raised an exception nobody mapped: no alert yet
    for _ in range(2):
        message.refresh_from_db()
        time_machine.move_to(message.not_before, tick=False)
        assert message_deliver(message_id=message.pk) == DeliveryOutcome.RETRY
    assert not alerts.exists()

    # When the third and the following attempts fail the same way
    for _ in range(3):
        message.refresh_from_db()
        time_machine.move_to(message.not_before, tick=False)
        assert message_deliver(message_id=message.pk) == DeliveryOutcome.RETRY

    # Then staff got one alert, long before the deadline, and the message is still retried
    alert = alerts.get()
    assert alert.context["still_retrying"] is True
    assert alert.context["message_id"] == message.pk
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert timezone.now() < message.deadline - timedelta(hours=60)


def test_an_ordinary_provider_error_does_not_alert_before_the_deadline(
    bordeaux, settings, time_machine
):
    settings.SMS_BACKEND = FAULTY_SMS
    settings.NOTIFICATIONS_FAULTS = {"failure_rate": 1, "error": "retryable"}
    message = _queue(bordeaux, 1)

    for _ in range(5):
        message.refresh_from_db()
        time_machine.move_to(message.not_before, tick=False)
        message_deliver(message_id=message.pk)

    assert not Message.objects.filter(template_key=STAFF_ALERT_TEMPLATE).exists()


def test_the_fault_backends_are_refused_when_debug_is_false(settings):
    settings.DEBUG = False
    settings.SMS_BACKEND = FAULTY_SMS

    with pytest.raises(SystemCheckError, match=r"notifications\.E001"):
        call_command("check")
