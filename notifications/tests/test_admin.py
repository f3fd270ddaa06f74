"""The outbox in the back-office: scoped, read-only, counts, and "Retry now"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications.models import Channel, Message, MessageStatus
from notifications.tests.factories import DeliveryAttemptFactory, MessageFactory

CHANGELIST = reverse("admin:notifications_message_changelist")


def change_url(pk: int) -> str:
    return reverse("admin:notifications_message_change", args=[pk])


def rows(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.fixture
def outbox(bordeaux, versailles):
    past = timezone.now() - timedelta(hours=1)
    return {
        "pending": MessageFactory(crous=bordeaux),
        "late": MessageFactory(crous=bordeaux, deadline=past),
        "failed": MessageFactory(
            crous=bordeaux, status=MessageStatus.FAILED, attempts=3, last_error="503"
        ),
        "sent": MessageFactory(crous=bordeaux, status=MessageStatus.SENT, sent_at=past),
        "versailles": MessageFactory(crous=versailles, status=MessageStatus.FAILED),
    }


def test_bordeaux_staff_see_only_bordeaux_messages_and_their_counts(
    client, outbox, bordeaux_officer
):
    client.force_login(bordeaux_officer)

    response = client.get(CHANGELIST)

    assert {m.pk for m in rows(response)} == {
        outbox[k].pk for k in ("pending", "late", "failed", "sent")
    }
    assert response.context["outbox_counts"] == {"pending": 2, "failed": 1, "late": 1}
    assert "2 en attente" in response.text
    assert "1 en échec" in response.text


def test_national_staff_see_every_crous_messages(client, outbox, national_admin):
    client.force_login(national_admin)

    response = client.get(CHANGELIST)

    assert len(rows(response)) == 5
    assert response.context["outbox_counts"] == {"pending": 2, "failed": 2, "late": 1}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status__exact": "failed"}, {"failed"}),
        ({"late": "yes"}, {"late"}),
        ({"channel__exact": "sms"}, {"sms"}),
        ({"template_key": "staff_alert_message_failed"}, {"alert"}),
    ],
)
def test_the_outbox_filters_by_status_lateness_channel_and_template(
    client, outbox, bordeaux, bordeaux_officer, query, expected
):
    outbox["sms"] = MessageFactory(crous=bordeaux, channel=Channel.SMS, recipient="+33612345678")
    outbox["alert"] = MessageFactory(crous=bordeaux, template_key="staff_alert_message_failed")
    client.force_login(bordeaux_officer)

    found = {m.pk for m in rows(client.get(CHANGELIST, query))}

    assert found == {outbox[k].pk for k in expected}


def test_a_phone_number_is_found_however_staff_type_it(client, bordeaux, bordeaux_officer):
    message = MessageFactory(crous=bordeaux, channel=Channel.SMS, recipient="+33612345678")
    MessageFactory(crous=bordeaux, channel=Channel.SMS, recipient="+33698765432")
    client.force_login(bordeaux_officer)

    found = rows(client.get(CHANGELIST, {"q": "06 12 34 56 78"}))

    assert found == [message]


def test_a_message_page_shows_its_attempts_read_only(client, bordeaux, bordeaux_admin):
    message = MessageFactory(crous=bordeaux, context={"first_name": "Léa", "secret_code": "X7"})
    DeliveryAttemptFactory(message=message, number=1, error="Connection refused by smtp")
    client.force_login(bordeaux_admin)

    response = client.get(change_url(message.pk))

    assert response.status_code == 200
    assert "Connection refused by smtp" in response.text
    assert "X7" not in response.text  # secret context values are masked
    assert 'name="_save"' not in response.text
    assert client.post(change_url(message.pk), {}).status_code == 403


def test_messages_cannot_be_added_or_deleted_from_the_back_office(client, bordeaux, national_admin):
    message = MessageFactory(crous=bordeaux)
    client.force_login(national_admin)

    assert client.get(reverse("admin:notifications_message_add")).status_code == 403
    assert (
        client.get(reverse("admin:notifications_message_delete", args=[message.pk])).status_code
        == 403
    )


@pytest.mark.parametrize("view", ["change", "history"])
def test_a_versailles_message_answers_the_same_404_as_a_missing_one(
    client, outbox, bordeaux_admin, view
):
    client.force_login(bordeaux_admin)

    theirs = client.get(
        reverse(f"admin:notifications_message_{view}", args=[outbox["versailles"].pk])
    )
    missing = client.get(reverse(f"admin:notifications_message_{view}", args=[999_999]))

    assert theirs.status_code == missing.status_code == 404


def test_a_crous_administrator_retries_failed_messages_now(
    client, outbox, bordeaux_admin, django_capture_on_commit_callbacks
):
    client.force_login(bordeaux_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGELIST,
            {
                "action": "retry_now",
                "_selected_action": [outbox["failed"].pk, outbox["pending"].pk],
            },
            follow=True,
        )

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert "1 message(s) remis dans la file d'envoi." in messages
    outbox["failed"].refresh_from_db()
    assert outbox["failed"].status == MessageStatus.SENT
    assert outbox["failed"].attempts == 4
    assert len(mail.outbox) == 1
    entry = LogEntry.objects.get(object_id=str(outbox["failed"].pk))
    assert entry.user == bordeaux_admin
    history = client.get(reverse("admin:notifications_message_history", args=[outbox["failed"].pk]))
    assert "Remis dans la file d&#x27;envoi (réessayer maintenant)." in history.text


def test_a_housing_officer_cannot_retry_messages(
    client, outbox, bordeaux_officer, django_capture_on_commit_callbacks
):
    client.force_login(bordeaux_officer)

    assert client.get(CHANGELIST).context["action_form"] is None  # no action offered
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CHANGELIST, {"action": "retry_now", "_selected_action": [outbox["failed"].pk]})

    outbox["failed"].refresh_from_db()
    assert outbox["failed"].status == MessageStatus.FAILED


def test_a_bordeaux_administrator_cannot_retry_a_versailles_message(
    client, outbox, bordeaux_admin, django_capture_on_commit_callbacks
):
    client.force_login(bordeaux_admin)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            CHANGELIST, {"action": "retry_now", "_selected_action": [outbox["versailles"].pk]}
        )

    outbox["versailles"].refresh_from_db()
    assert outbox["versailles"].status == MessageStatus.FAILED


@pytest.mark.parametrize("count", [3, 30])
def test_the_outbox_list_queries_do_not_grow_with_rows(
    client, bordeaux, bordeaux_officer, django_assert_num_queries, count
):
    MessageFactory.create_batch(count, crous=bordeaux)
    client.force_login(bordeaux_officer)

    # 1 session, 2 user, 3 staff memberships, 4 pending/failed/late counts (one aggregate),
    # 5 user permissions, 6 group permissions, 7 "Crous" filter choices,
    # 8 page count, 9 page rows with their Crous
    with django_assert_num_queries(9):
        response = client.get(CHANGELIST)

    assert len(rows(response)) == count


@pytest.mark.parametrize("size", [1, 6])
def test_retrying_failed_messages_costs_the_same_queries_whatever_their_number(
    bordeaux, size, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from notifications.services.sweep import messages_retry

    failed = MessageFactory.create_batch(size, crous=bordeaux, status=MessageStatus.FAILED)
    sent = MessageFactory(crous=bordeaux, status=MessageStatus.SENT, sent_at=timezone.now())

    # 1 savepoint, 2 the failed ones among the ids (locked as read: FOR UPDATE on
    # PostgreSQL), 3 their update to pending, 4 savepoint released
    with (
        django_capture_on_commit_callbacks(execute=False),
        django_assert_num_queries(4),
    ):
        retried = messages_retry(message_ids=[*(m.pk for m in failed), sent.pk], by=None)

    assert retried == [m.pk for m in failed]
    assert set(Message.objects.filter(pk__in=retried).values_list("status", flat=True)) == {
        MessageStatus.PENDING
    }


def test_the_retry_action_costs_the_same_queries_for_one_message_or_many(
    client, bordeaux, bordeaux_admin, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(bordeaux_admin)

    def retry(count: int) -> int:
        failed = MessageFactory.create_batch(count, crous=bordeaux, status=MessageStatus.FAILED)
        with (
            django_capture_on_commit_callbacks(execute=False),
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.post(
                CHANGELIST,
                {"action": "retry_now", "_selected_action": [m.pk for m in failed]},
            )
        assert response.status_code == 302
        assert LogEntry.objects.filter(object_id__in=[str(m.pk) for m in failed]).count() == count
        return len(queries)

    assert retry(1) == retry(5)
