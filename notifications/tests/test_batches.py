"""Delivering in batches: one task for many messages, with each message's guarantees kept."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from unittest.mock import ANY, patch

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from notifications import sms, statements
from notifications.models import AttemptOutcome, Channel, Message, MessageStatus
from notifications.services.queueing import MessageSpec, message_queue_bulk
from notifications.services.sending import (
    STAFF_ALERT_TEMPLATE,
    DeliveryOutcome,
    message_deliver_batch,
)
from notifications.services.sweep import message_sweep
from notifications.tasks import deliver_messages
from notifications.tests.doorbells import doorbells
from notifications.tests.factories import MessageFactory
from notifications.tests.test_email import from_header


def specs(crous, count: int, *, prefix: str = "event") -> list[MessageSpec]:
    return [
        MessageSpec(
            crous=crous,
            recipient=f"etudiant{n}@etu.example",
            channel=Channel.EMAIL,
            template_key="demo_message",
            language="fr",
            idempotency_key=f"{prefix}:{n}",
        )
        for n in range(count)
    ]


def statuses(messages) -> list[str]:
    by_id = dict(Message.objects.values_list("pk", "status"))
    return [by_id[m.pk] for m in messages]


def ago(**delta):
    return timezone.now() - timedelta(**delta)


# --- Enqueueing ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_batch_task_is_sent_only_after_the_business_transaction_commits(bordeaux, settings):
    settings.NOTIFICATIONS_BATCH_SIZE = 100
    with doorbells() as rung:
        with transaction.atomic():
            messages = message_queue_bulk(messages=specs(bordeaux, 3))
            # Sent now, a worker could claim rows that do not exist yet, or send messages
            # whose business change is then rolled back.
            assert not rung.batch.called

        rung.batch.assert_called_once_with(
            ([m.pk for m in messages],), countdown=None, retry=True, retry_policy=ANY
        )
    assert not rung.single.called


def test_bulk_queueing_sends_one_task_per_batch_and_a_lone_message_gets_its_own(
    bordeaux, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_BATCH_SIZE = 2

    with doorbells() as rung, django_capture_on_commit_callbacks(execute=True):
        messages = message_queue_bulk(messages=specs(bordeaux, 5))
        single = message_queue_bulk(messages=specs(bordeaux, 1, prefix="alone"))

    ids = [m.pk for m in messages]
    assert rung.batches == [ids[0:2], ids[2:4], [ids[4]], [single[0].pk]]
    assert rung.batch.call_count == 2
    assert rung.single.call_count == 2


def test_the_sweep_enqueues_lost_messages_in_batches(
    bordeaux, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_BATCH_SIZE = 3
    settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS = 120
    settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS = 120
    lost = MessageFactory.create_batch(5, crous=bordeaux, not_before=ago(minutes=5))
    dead = MessageFactory(
        crous=bordeaux,
        status=MessageStatus.SENDING,
        claimed_at=ago(minutes=5),
        claim_token=uuid.uuid4(),
    )

    with doorbells() as rung, django_capture_on_commit_callbacks(execute=True):
        result = message_sweep()

    assert (result.pending, result.reclaimable) == (5, 1)
    assert [len(batch) for batch in rung.batches] == [3, 3]
    assert sorted(rung.message_ids) == sorted(m.pk for m in [*lost, dead])


# --- Delivering a batch ----------------------------------------------------------------------


def test_a_batch_is_sent_and_each_message_has_its_attempt(bordeaux, versailles):
    messages = [
        MessageFactory(crous=bordeaux),
        MessageFactory(crous=versailles, language="en"),
        MessageFactory(crous=bordeaux, channel=Channel.SMS, recipient="+33612345678"),
    ]

    outcome = deliver_messages.delay([m.pk for m in messages]).get()

    assert outcome == {DeliveryOutcome.SENT: 3}
    assert statuses(messages) == [MessageStatus.SENT] * 3
    # Each in the name of its own Crous, although they shared a task
    assert [from_header(m)[0] for m in mail.outbox] == [bordeaux.name, versailles.name]
    assert [s.sender for s in sms.outbox] == [bordeaux.sms_sender_name]
    for message in messages:
        message.refresh_from_db()
        assert message.attempts == 1
        assert message.claim_token is None
        assert [a.outcome for a in message.delivery_attempts.all()] == [AttemptOutcome.SENT]


def test_a_batch_task_delivered_twice_sends_each_message_once(bordeaux):
    messages = MessageFactory.create_batch(4, crous=bordeaux)
    ids = [m.pk for m in messages]

    first = deliver_messages.delay(ids).get()
    second = deliver_messages.delay(ids).get()

    assert first == {DeliveryOutcome.SENT: 4}
    assert second == {DeliveryOutcome.SKIPPED: 4}
    assert len(mail.outbox) == 4
    assert Message.objects.filter(pk__in=ids, attempts=1, status=MessageStatus.SENT).count() == 4


def test_a_batch_claimed_by_two_workers_at_once_sends_each_message_once(bordeaux):
    # Given two tasks whose batches overlap (a sweep's batch beside the original one)
    messages = MessageFactory.create_batch(4, crous=bordeaux)
    a, b, c, d = (m.pk for m in messages)
    second_worker: dict[str, int] = {}
    from notifications.services import sending

    real_deliver = sending.deliver

    def first_provider_call(message):
        # When the second worker runs while the first one is at its first provider call
        if not second_worker:
            second_worker.update(message_deliver_batch(message_ids=[b, c, d], worker="w2"))
        return real_deliver(message)

    with patch.object(sending, "deliver", side_effect=first_provider_call):
        first_worker = message_deliver_batch(message_ids=[a, b, c], worker="w1")

    # Then the first one's claim kept b and c: the second sent only d
    assert first_worker == {DeliveryOutcome.SENT: 3}
    assert second_worker == {DeliveryOutcome.SKIPPED: 2, DeliveryOutcome.SENT: 1}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.recipient for m in messages)
    workers = dict(
        Message.objects.filter(pk__in=[a, b, c, d]).values_list("pk", "delivery_attempts__worker")
    )
    assert workers == {a: "w1", b: "w1", c: "w1", d: "w2"}


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Concurrent workers need a database with row-level concurrency (PostgreSQL).",
)
@pytest.mark.django_db(transaction=True)
def test_four_workers_racing_on_the_same_batch_send_each_message_once(bordeaux):
    messages = MessageFactory.create_batch(20, crous=bordeaux)
    ids = [m.pk for m in messages]
    outcomes: list[dict[str, int]] = []
    start = threading.Barrier(4)

    def worker() -> None:
        start.wait()
        try:
            outcomes.append(message_deliver_batch(message_ids=ids))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(o.get(DeliveryOutcome.SENT, 0) for o in outcomes) == 20
    assert sum(o.get(DeliveryOutcome.SKIPPED, 0) for o in outcomes) == 60
    assert len(mail.outbox) == 20
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.recipient for m in messages)


def test_in_a_batch_a_permanent_and_a_retryable_failure_affect_only_their_own_message(
    bordeaux, settings, time_machine, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "notifications.tests.backends.ByNumberSmsBackend"
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    time_machine.move_to("2027-03-15 10:00:00+01:00", tick=False)
    # Given a batch: an SMS the provider refuses for good, one it answers 503 to, one fine
    refused, busy, fine = (
        MessageFactory(crous=bordeaux, channel=Channel.SMS, recipient=number)
        for number in ("+33612345600", "+33612345611", "+33612345622")
    )
    ids = [refused.pk, busy.pk, fine.pk]

    # When one task delivers it
    with doorbells() as rung, django_capture_on_commit_callbacks(execute=True):
        outcome = message_deliver_batch(message_ids=ids)

    # Then each message gets its own outcome, as if it had had a task of its own
    assert outcome == {
        DeliveryOutcome.FAILED: 1,
        DeliveryOutcome.RETRY: 1,
        DeliveryOutcome.SENT: 1,
    }
    for message in (refused, busy, fine):
        message.refresh_from_db()
    assert refused.status == MessageStatus.FAILED
    assert "unknown destination number" in refused.last_error
    assert busy.status == MessageStatus.PENDING
    assert busy.not_before == timezone.now() + timedelta(seconds=60)
    assert busy.claim_token is None
    assert "503" in busy.last_error
    assert fine.status == MessageStatus.SENT
    assert [s.to for s in sms.outbox] == ["+33612345622"]
    assert [
        (m.attempts, [a.outcome for a in m.delivery_attempts.all()]) for m in (refused, busy, fine)
    ] == [
        (1, [AttemptOutcome.FAILED]),
        (1, [AttemptOutcome.RETRY]),
        (1, [AttemptOutcome.SENT]),
    ]
    # The refused one alerts the Crous; the busy one is enqueued again for its retry
    alert = Message.objects.get(template_key=STAFF_ALERT_TEMPLATE)
    assert alert.context["message_id"] == refused.pk
    assert busy.pk in rung.message_ids


def test_a_message_of_a_batch_whose_worker_died_is_claimed_again_by_the_sweep(
    bordeaux, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS = 60
    settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS = 60
    messages = MessageFactory.create_batch(3, crous=bordeaux)
    ids = [m.pk for m in messages]
    # Given a worker that claimed a batch and was killed before sending any of it
    now = timezone.now()
    claimed = statements.claim_due_batch(message_ids=ids, token=uuid.uuid4(), now=now, due_by=now)
    assert [m.pk for m in claimed] == ids
    # While the lease runs, nobody else may send them
    assert message_deliver_batch(message_ids=ids) == {DeliveryOutcome.SKIPPED: 3}
    assert message_sweep().reclaimable == 0

    # When the lease has expired and the sweep runs
    Message.objects.filter(pk__in=ids).update(claimed_at=ago(seconds=61))
    with django_capture_on_commit_callbacks(execute=True):
        assert message_sweep().reclaimable == 3

    # Then each is sent once, the lost attempt on record
    assert len(mail.outbox) == 3
    for message in messages:
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
        assert [(a.number, a.outcome) for a in message.delivery_attempts.all()] == [
            (1, AttemptOutcome.INTERRUPTED),
            (2, AttemptOutcome.SENT),
        ]


def test_a_batch_past_its_time_budget_hands_its_unsent_messages_back_to_the_queue(
    bordeaux, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_BATCH_TIME_BUDGET_SECONDS = 0
    messages = MessageFactory.create_batch(3, crous=bordeaux)
    ids = [m.pk for m in messages]

    with doorbells() as rung, django_capture_on_commit_callbacks(execute=True):
        outcome = message_deliver_batch(message_ids=ids)

    # The first message always goes (every task makes progress); the others are released
    # as if never claimed, and enqueued again at once
    assert outcome == {DeliveryOutcome.SENT: 1, DeliveryOutcome.SKIPPED: 2}
    assert len(mail.outbox) == 1
    released = Message.objects.filter(pk__in=ids[1:])
    assert {(m.status, m.attempts, m.claim_token) for m in released} == {
        (MessageStatus.PENDING, 0, None)
    }
    assert all(m.not_before <= timezone.now() for m in released)
    assert rung.batches == [ids[1:]]


def test_a_batch_with_secrets_wipes_them_once_each_message_is_sent(bordeaux):
    messages = MessageFactory.create_batch(
        2, crous=bordeaux, context={"first_name": "Léa", "secret_code": "X7K2"}
    )

    message_deliver_batch(message_ids=[m.pk for m in messages])

    assert [m.context for m in Message.objects.filter(pk__in=[m.pk for m in messages])] == [
        {"first_name": "Léa", "secret_code": "•••"}
    ] * 2


@pytest.mark.parametrize("size", [2, 6])
def test_a_batch_costs_a_fixed_number_of_queries_plus_a_fixed_number_per_message(
    bordeaux, versailles, size, django_assert_num_queries
):
    messages = [MessageFactory(crous=(bordeaux, versailles)[n % 2]) for n in range(size)]

    # 1 the claim of the whole batch (UPDATE … RETURNING), 2 the Crous of its messages;
    # then per message, on PostgreSQL: 3 mark sent and its attempt row, one statement (in a
    # worker preceded by SET LOCAL synchronous_commit, in the same round trip); elsewhere,
    # in a short transaction (here a savepoint): 3 savepoint, 4 mark sent, 5 its attempt
    # row, 6 savepoint released
    per_message = 1 if connection.vendor == "postgresql" else 4
    with django_assert_num_queries(2 + per_message * size):
        outcome = message_deliver_batch(message_ids=[m.pk for m in messages])

    assert outcome == {DeliveryOutcome.SENT: size}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="A PostgreSQL setting.")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("durable", [False, True])
def test_only_the_sent_transaction_skips_waiting_for_the_disk_unless_asked_to_wait(
    bordeaux, settings, durable
):
    from django.test.utils import CaptureQueriesContext

    settings.NOTIFICATIONS_DURABLE_SENT_COMMIT = durable
    message = MessageFactory(crous=bordeaux)

    with CaptureQueriesContext(connection) as queries:
        assert message_deliver_batch(message_ids=[message.pk]) == {DeliveryOutcome.SENT: 1}

    asynchronous = [q["sql"] for q in queries if "synchronous_commit" in q["sql"]]
    assert len(asynchronous) == (0 if durable else 1)
    assert all(sql.startswith("SET LOCAL synchronous_commit TO OFF; WITH") for sql in asynchronous)
    # SET LOCAL ends with its transaction: the connection's next writes wait for the disk
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.delivery_attempts.count() == 1
