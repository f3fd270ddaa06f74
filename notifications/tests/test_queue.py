"""Queueing: one row per business event, written with it, delivered only once it commits."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import ANY, patch

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.template import TemplateDoesNotExist
from django.utils import timezone

from notifications import sms
from notifications.models import Channel, Message, MessageStatus
from notifications.services.queueing import MessageSpec, message_queue, message_queue_bulk
from notifications.tasks import deliver_message
from notifications.tests.doorbells import doorbells


def queue(crous, **overrides):
    fields = {
        "crous": crous,
        "recipient": "lea.martin@etu.example",
        "channel": Channel.EMAIL,
        "template_key": "demo_message",
        "language": "fr",
        "context": {"first_name": "Léa"},
        "idempotency_key": "renewal-confirmation:42",
        **overrides,
    }
    return message_queue(**fields)


@pytest.mark.django_db(transaction=True)
def test_the_delivery_task_is_sent_only_after_the_business_transaction_commits(bordeaux):
    with patch.object(deliver_message, "apply_async") as send:
        with transaction.atomic():
            message = queue(bordeaux)
            # Sent now, a worker could look for the row before it exists, or deliver a
            # message whose business change is then rolled back.
            assert not send.called

        send.assert_called_once_with((message.pk,), countdown=None, retry=True, retry_policy=ANY)


def test_a_rolled_back_business_change_leaves_no_message_and_sends_no_task(
    bordeaux, django_capture_on_commit_callbacks
):
    def business_change() -> None:
        with transaction.atomic():
            queue(bordeaux)
            raise RuntimeError("the business change failed")

    with (
        patch.object(deliver_message, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        business_change()

    assert callbacks == []
    assert not send.called
    assert not Message.objects.exists()


def test_a_queued_message_is_delivered_once_the_transaction_commits(
    bordeaux, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(bordeaux)
        assert mail.outbox == []

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 1
    assert [m.to for m in mail.outbox] == [["lea.martin@etu.example"]]


def test_queueing_the_same_event_twice_keeps_one_message_and_sends_one_email(
    bordeaux, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue(bordeaux)
        second = queue(bordeaux, recipient="someone.else@etu.example")

    assert second.pk == first.pk
    assert Message.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_idempotency_key_is_unique_in_the_database(bordeaux):
    from notifications.tests.factories import MessageFactory

    MessageFactory(crous=bordeaux, idempotency_key="tenant-code:7:1")
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageFactory(crous=bordeaux, idempotency_key="tenant-code:7:1")


def test_reusing_a_key_for_another_crous_is_a_programming_error(bordeaux, versailles):
    queue(bordeaux)

    with pytest.raises(ValueError, match="another Crous"):
        queue(versailles)


def test_an_unknown_template_fails_when_queued_not_days_later(bordeaux):
    with pytest.raises(TemplateDoesNotExist):
        queue(bordeaux, template_key="no_such_template")


def test_an_unsupported_language_is_refused(bordeaux):
    with pytest.raises(ValueError, match="language"):
        queue(bordeaux, language="de")


def test_a_phone_number_is_stored_in_e164(bordeaux):
    message = queue(bordeaux, channel=Channel.SMS, recipient="06 12 34 56 78")

    assert message.recipient == "+33612345678"


def test_the_deadline_defaults_to_72_hours(bordeaux, time_machine):
    time_machine.move_to("2027-03-15 10:00:00+01:00", tick=False)

    message = queue(bordeaux)

    assert message.deadline == timezone.now() + timedelta(hours=72)
    assert message.not_before == timezone.now()


def test_a_message_not_due_yet_is_not_sent_by_its_first_task(
    bordeaux, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(bordeaux, not_before=timezone.now() + timedelta(hours=3))

    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert mail.outbox == []


def test_bulk_queueing_creates_each_event_once_and_delivers_after_commit(
    bordeaux, versailles, django_capture_on_commit_callbacks, django_assert_num_queries
):
    queue(bordeaux, idempotency_key="event:0")  # queued before: not created again
    specs = [
        MessageSpec(
            crous=bordeaux if n % 2 == 0 else versailles,
            recipient=f"etudiant{n}@etu.example" if n < 4 else f"+3361234567{n}",
            channel=Channel.EMAIL if n < 4 else Channel.SMS,
            template_key="demo_message",
            language="en",
            idempotency_key=f"event:{n}",
        )
        for n in range(8)
    ]

    # 1 savepoint, 2 keys already queued, 3 savepoint around the insert, 4 insert of the 7
    # new rows (their ids returned), 5 its release, 6 the one known row read back with its
    # Crous, 7 savepoint released
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        django_assert_num_queries(7),
    ):
        messages = message_queue_bulk(messages=specs)

    assert [m.idempotency_key for m in messages] == [f"event:{n}" for n in range(8)]
    assert Message.objects.count() == 8
    with doorbells() as rung:
        for callback in callbacks:
            callback()
    # Queued together, delivered together: one task for the seven new messages
    assert [sorted(batch) for batch in rung.batches] == [sorted(m.pk for m in messages[1:])]


def test_bulk_queueing_delivers_email_and_sms(bordeaux, django_capture_on_commit_callbacks):
    specs = [
        MessageSpec(
            crous=bordeaux,
            recipient=recipient,
            channel=channel,
            template_key="demo_message",
            language="fr",
            idempotency_key=f"demo:{channel}",
        )
        for channel, recipient in ((Channel.EMAIL, "a@etu.example"), (Channel.SMS, "0612345678"))
    ]

    with django_capture_on_commit_callbacks(execute=True):
        message_queue_bulk(messages=specs)

    assert len(mail.outbox) == 1
    assert [s.to for s in sms.outbox] == ["+33612345678"]
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


def test_bulk_queueing_refuses_a_key_of_another_crous(bordeaux, versailles):
    queue(bordeaux, idempotency_key="event:1")

    with pytest.raises(ValueError, match="another Crous"):
        message_queue_bulk(
            messages=[
                MessageSpec(
                    crous=versailles,
                    recipient="a@etu.example",
                    channel=Channel.EMAIL,
                    template_key="demo_message",
                    language="fr",
                    idempotency_key="event:1",
                )
            ]
        )


def test_bulk_queueing_keeps_one_message_per_key_when_another_transaction_races_it(bordeaux):
    # Given another transaction queues "race:1" between our key check and our insert
    specs = [
        MessageSpec(
            crous=bordeaux,
            recipient=f"student{n}@etu.example",
            channel=Channel.EMAIL,
            template_key="demo_message",
            language="fr",
            idempotency_key=f"race:{n}",
        )
        for n in range(3)
    ]
    real_bulk_create = Message.objects.bulk_create

    def racing_bulk_create(objs, **kwargs):
        if not kwargs.get("ignore_conflicts"):
            queue(bordeaux, idempotency_key="race:1")
        return real_bulk_create(objs, **kwargs)

    # When the bulk insert meets the unique index
    with patch.object(Message.objects, "bulk_create", side_effect=racing_bulk_create):
        messages = message_queue_bulk(messages=specs)

    # Then every key names exactly one message, the one that won the race included
    assert [m.idempotency_key for m in messages] == ["race:0", "race:1", "race:2"]
    assert Message.objects.filter(idempotency_key__startswith="race:").count() == 3
    assert all(m.pk for m in messages)


@pytest.mark.parametrize(
    ("value", "channel", "stored"),
    [
        ("  lea.martin@etu.example ", Channel.EMAIL, "lea.martin@etu.example"),
        ("06 12 34 56 78", Channel.SMS, "+33612345678"),
        ("+262 692 12 34 56", Channel.SMS, "+262692123456"),
        (" 06 12 ", Channel.SMS, "06 12"),  # invalid: kept, the message will fail visibly
        ("06 12 34 56 78", None, "+33612345678"),  # a search term without "@": a number
        (" lea.martin@etu.example", None, "lea.martin@etu.example"),
        ("renewal-confirmation:42", None, "renewal-confirmation:42"),
    ],
)
def test_a_recipient_is_cleaned_up_one_way_for_queueing_searching_and_filtering(
    value, channel, stored
):
    from notifications.delivery import recipient_normalized

    assert recipient_normalized(value, channel=channel) == stored
