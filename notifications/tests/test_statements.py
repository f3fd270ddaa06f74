"""The delivery hot path's SQL: same types as the ORM, same guarantees on every database."""

from __future__ import annotations

import uuid
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from django.core import mail
from django.db import connection
from django.utils import timezone

from notifications import statements
from notifications.models import AttemptOutcome, Message, MessageStatus
from notifications.policy import delivery_policy
from notifications.services.sending import DeliveryOutcome, _claim, _record_success, message_deliver
from notifications.tests.factories import MessageFactory


def test_a_claimed_message_comes_back_with_the_types_the_orm_gives(bordeaux):
    bordeaux.time_zone = "Indian/Reunion"
    bordeaux.save()
    message = MessageFactory(crous=bordeaux, context={"first_name": "Léa", "n": 2}, attempts=1)
    token, now = uuid.uuid4(), timezone.now()

    claimed = statements.claim_due(message_id=message.pk, token=token, now=now, due_by=now)
    crous = statements.crous_of(claimed)

    assert claimed.pk == message.pk
    assert claimed.status == MessageStatus.SENDING
    assert claimed.claim_token == token
    assert claimed.claimed_at == now
    assert claimed.claimed_at.utcoffset() == timedelta(0)
    assert claimed.attempts == 2
    assert claimed.context == {"first_name": "Léa", "n": 2}
    assert claimed.deadline == message.deadline
    assert crous == bordeaux
    assert crous.time_zone == ZoneInfo("Indian/Reunion")
    assert claimed.crous is crous


def test_a_message_not_yet_due_or_not_pending_is_not_claimed(bordeaux):
    now = timezone.now()
    later = MessageFactory(crous=bordeaux, not_before=now + timedelta(minutes=5))
    sent = MessageFactory(crous=bordeaux, status=MessageStatus.SENT, sent_at=now)

    for message in (later, sent):
        assert (
            statements.claim_due(message_id=message.pk, token=uuid.uuid4(), now=now, due_by=now)
            is None
        )


def test_only_the_claim_owner_marks_a_message_sent(bordeaux):
    message = MessageFactory(crous=bordeaux)
    token, now = uuid.uuid4(), timezone.now()
    statements.claim_due(message_id=message.pk, token=token, now=now, due_by=now)

    assert not statements.mark_sent(
        message_id=message.pk, token=uuid.uuid4(), sent_at=now, provider_message_id="x"
    )
    assert statements.mark_sent(
        message_id=message.pk, token=token, sent_at=now, provider_message_id="prov-1"
    )
    message.refresh_from_db()
    assert (message.status, message.provider_message_id, message.claim_token) == (
        MessageStatus.SENT,
        "prov-1",
        None,
    )
    assert message.sent_at == now.astimezone(UTC)


def test_delivery_works_without_update_returning(bordeaux, monkeypatch):
    message = MessageFactory(crous=bordeaux)
    # SQLite before 3.35 has no RETURNING: the claim falls back to the ORM.
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)

    assert message_deliver(message_id=message.pk) == DeliveryOutcome.SENT
    assert message_deliver(message_id=message.pk) == DeliveryOutcome.SKIPPED

    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert len(mail.outbox) == 1


def test_a_message_the_provider_took_after_the_claim_was_lost_is_still_marked_sent(bordeaux):
    message = MessageFactory(crous=bordeaux)
    claim, claimed = _claim(message.pk, delivery_policy())
    # Meanwhile the lease expired, another worker took the message and failed to send it.
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.PENDING, claim_token=None, claimed_at=None
    )

    _record_success(claimed, claim, "prov-9", "worker-1", 12)

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    (attempt,) = message.delivery_attempts.all()
    assert attempt.outcome == AttemptOutcome.SENT
    assert "another worker may have sent it too" in attempt.error


def test_marking_sent_with_its_attempt_writes_both_or_neither(bordeaux):
    message = MessageFactory(crous=bordeaux, context={"first_name": "Léa", "secret_code": "X7"})
    token, now = uuid.uuid4(), timezone.now()
    statements.claim_due(message_id=message.pk, token=token, now=now, due_by=now)
    fields = {
        "message_id": message.pk,
        "sent_at": now,
        "provider_message_id": "prov-2",
        "context": {"first_name": "Léa", "secret_code": "•••"},
        "number": 1,
        "at": now,
        "duration_ms": 7,
        "worker": "w1",
    }

    # A worker whose claim was taken over writes nothing
    assert not statements.mark_sent_with_attempt(token=uuid.uuid4(), **fields)
    assert not message.delivery_attempts.exists()
    # The claim's owner writes the message's outcome and its attempt together
    assert statements.mark_sent_with_attempt(token=token, **fields)

    message.refresh_from_db()
    assert (message.status, message.provider_message_id, message.claim_token) == (
        MessageStatus.SENT,
        "prov-2",
        None,
    )
    assert message.context == {"first_name": "Léa", "secret_code": "•••"}
    (attempt,) = message.delivery_attempts.all()
    assert (attempt.number, attempt.at, attempt.outcome, attempt.duration_ms, attempt.worker) == (
        1,
        now,
        AttemptOutcome.SENT,
        7,
        "w1",
    )


def test_a_batch_claim_takes_only_pending_due_messages_and_returns_them_in_id_order(bordeaux):
    due = MessageFactory.create_batch(3, crous=bordeaux)
    now = timezone.now()
    later = MessageFactory(crous=bordeaux, not_before=now + timedelta(minutes=5))
    held = MessageFactory(
        crous=bordeaux, status=MessageStatus.SENDING, claim_token=uuid.uuid4(), claimed_at=now
    )
    token = uuid.uuid4()

    claimed = statements.claim_due_batch(
        message_ids=[due[2].pk, later.pk, due[0].pk, held.pk, due[1].pk],
        token=token,
        now=now,
        due_by=now,
    )

    assert [m.pk for m in claimed] == [m.pk for m in due]
    assert {(m.status, m.claim_token, m.claimed_at, m.attempts) for m in claimed} == {
        (MessageStatus.SENDING, token, now, 1)
    }
    held.refresh_from_db()
    assert held.claim_token != token
