"""The sweep: what the broker lost, the database still knows."""

from __future__ import annotations

import uuid
from datetime import timedelta
from unittest.mock import patch

from django.core import mail
from django.utils import timezone

from crous_admin.schedule import BEAT_SCHEDULE
from notifications.models import AttemptOutcome, MessageStatus
from notifications.services.sweep import message_sweep
from notifications.tasks import deliver_message, sweep_outbox
from notifications.tests.doorbells import doorbells
from notifications.tests.factories import MessageFactory


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def test_the_sweep_enqueues_lost_pending_messages_and_expired_claims_only(
    bordeaux, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS = 120
    settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS = 120
    lost = MessageFactory(crous=bordeaux, not_before=ago(minutes=3))
    retry_due = MessageFactory(crous=bordeaux, not_before=ago(minutes=2, seconds=1), attempts=2)
    just_queued = MessageFactory(crous=bordeaux, not_before=ago(seconds=30))
    backing_off = MessageFactory(crous=bordeaux, not_before=ago(minutes=-30))
    dead_worker = MessageFactory(
        crous=bordeaux,
        status=MessageStatus.SENDING,
        claimed_at=ago(minutes=3),
        claim_token=uuid.uuid4(),
    )
    busy_worker = MessageFactory(
        crous=bordeaux,
        status=MessageStatus.SENDING,
        claimed_at=ago(seconds=30),
        claim_token=uuid.uuid4(),
    )
    MessageFactory(crous=bordeaux, status=MessageStatus.SENT, sent_at=ago(hours=1))
    MessageFactory(crous=bordeaux, status=MessageStatus.FAILED, not_before=ago(days=1))

    with doorbells() as rung, django_capture_on_commit_callbacks(execute=True):
        result = message_sweep()

    enqueued = set(rung.message_ids)
    assert len(rung.message_ids) == 3
    assert enqueued == {lost.pk, retry_due.pk, dead_worker.pk}
    assert not enqueued & {just_queued.pk, backing_off.pk, busy_worker.pk}
    assert (result.pending, result.reclaimable) == (2, 1)


def test_a_swept_message_is_left_alone_for_a_grace_period_while_its_new_task_runs(
    bordeaux, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS = 120
    MessageFactory(crous=bordeaux, not_before=ago(minutes=3))

    with (
        patch.object(deliver_message, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        message_sweep()
        message_sweep()  # the next minute's run, the first task still in the queue

    assert send.call_count == 1


def test_the_sweep_delivers_messages_whose_task_the_broker_lost(
    bordeaux, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS = 120
    settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS = 120
    # Given messages committed while Redis was down, and one claimed by a killed worker
    lost = MessageFactory.create_batch(3, crous=bordeaux, not_before=ago(minutes=5))
    dead = MessageFactory(
        crous=bordeaux,
        status=MessageStatus.SENDING,
        claimed_at=ago(minutes=5),
        claim_token=uuid.uuid4(),
        attempts=1,
    )

    # When beat runs the sweep (eager here: the tasks run in-process)
    with django_capture_on_commit_callbacks(execute=True):
        sweep_outbox.delay()
        sweep_outbox.delay()

    # Then each is sent exactly once, the dead worker's attempt on record
    assert len(mail.outbox) == 4
    for message in [*lost, dead]:
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT
    assert [a.outcome for a in dead.delivery_attempts.all()] == [
        AttemptOutcome.INTERRUPTED,
        AttemptOutcome.SENT,
    ]


def test_the_sweep_is_scheduled_every_minute_and_never_piles_up():
    entry = BEAT_SCHEDULE["notifications-sweep"]

    assert entry["task"] == sweep_outbox.name
    assert entry["schedule"] == timedelta(minutes=1)
    assert entry["options"]["expires"] < 60


def test_a_broker_outage_at_commit_loses_nothing(
    bordeaux, settings, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from notifications.services.queueing import message_queue

    settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS = 0
    # Given Redis refuses the task when the business transaction commits
    with (
        patch.object(deliver_message, "apply_async", side_effect=OperationalError("refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = message_queue(
            crous=bordeaux,
            recipient="lea.martin@etu.example",
            channel="email",
            template_key="demo_message",
            language="en",
            context={},
            idempotency_key="renewal-confirmation:1",
        )
    # (the business code did not see an error, and the message waits in the table)
    assert mail.outbox == []

    # When the broker is back and the sweep runs
    with django_capture_on_commit_callbacks(execute=True):
        message_sweep()

    # Then the message is delivered
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(mail.outbox) == 1


def test_long_backoffs_are_left_to_the_sweep_never_to_a_long_celery_countdown():
    from notifications.services.dispatch import schedule

    with patch.object(deliver_message, "apply_async") as send:
        schedule([1], timezone.now() + timedelta(seconds=90))
        schedule([2], timezone.now() + timedelta(hours=2))  # past Redis' visibility timeout

    ((args, kwargs),) = send.call_args_list
    assert args == ((1,),)
    assert 85 <= kwargs["countdown"] <= 90
