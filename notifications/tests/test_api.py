"""/api/v1/messages/: the outbox for staff, read-only, each within their own Crous."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from notifications.models import Channel, MessageStatus
from notifications.tests.factories import DeliveryAttemptFactory, MessageFactory

LIST = reverse("api:message-list")


def detail(pk: int) -> str:
    return reverse("api:message-detail", args=[pk])


@pytest.fixture
def outbox(bordeaux, versailles):
    past = timezone.now() - timedelta(hours=1)
    return {
        "pending": MessageFactory(crous=bordeaux, created_at=past - timedelta(days=2)),
        "late": MessageFactory(crous=bordeaux, deadline=past),
        "failed": MessageFactory(crous=bordeaux, status=MessageStatus.FAILED, attempts=3),
        "sms": MessageFactory(
            crous=bordeaux,
            channel=Channel.SMS,
            recipient="+33612345678",
            status=MessageStatus.SENT,
            sent_at=past,
        ),
        "versailles": MessageFactory(crous=versailles),
    }


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_bordeaux_staff_list_only_bordeaux_messages(api_client, outbox, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    assert ids(api_client.get(LIST)) == {outbox[k].pk for k in ("pending", "late", "failed", "sms")}


def test_national_staff_list_every_crous_messages(api_client, outbox, national_admin):
    api_client.force_login(national_admin)

    assert len(ids(api_client.get(LIST))) == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "failed"}, {"failed"}),
        ({"channel": "sms"}, {"sms"}),
        ({"template_key": "demo_message"}, {"pending", "late", "failed", "sms"}),
        ({"late": "true"}, {"late"}),
        ({"late": "false"}, {"pending", "failed", "sms"}),
        ({"recipient": "+33612345678"}, {"sms"}),
        ({"recipient": "06 12 34 56 78"}, {"sms"}),
        ({"created_before": "{two_days_ago}"}, {"pending"}),
        ({"created_after": "{two_days_ago}"}, {"late", "failed", "sms"}),
    ],
)
def test_staff_filter_the_outbox(api_client, outbox, bordeaux_officer, query, expected):
    two_days_ago = (timezone.now() - timedelta(days=1, hours=12)).isoformat()
    query = {k: v.format(two_days_ago=two_days_ago) for k, v in query.items()}
    api_client.force_login(bordeaux_officer)

    assert ids(api_client.get(LIST, query)) == {outbox[k].pk for k in expected}


def test_the_crous_filter_cannot_reach_another_crous(
    api_client, outbox, versailles, bordeaux_officer
):
    api_client.force_login(bordeaux_officer)

    assert ids(api_client.get(LIST, {"crous": versailles.pk})) == set()


def test_an_invalid_filter_is_a_400_in_the_error_format(api_client, outbox, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    response = api_client.get(LIST, {"status": "lost"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "status" in response.json()["error"]["fields"]


def test_a_message_shows_its_attempts_and_masks_secrets(api_client, bordeaux, bordeaux_officer):
    message = MessageFactory(crous=bordeaux, context={"first_name": "Léa", "secret_code": "X7"})
    DeliveryAttemptFactory(message=message, number=1, outcome="retry", error="timeout")
    DeliveryAttemptFactory(message=message, number=2, outcome="sent", error="")
    api_client.force_login(bordeaux_officer)

    body = api_client.get(detail(message.pk)).json()

    assert body["context"] == {"first_name": "Léa", "secret_code": "•••"}
    assert [(a["number"], a["outcome"]) for a in body["delivery_attempts"]] == [
        (1, "retry"),
        (2, "sent"),
    ]
    assert body["crous"]["code"] == "bordeaux"
    assert body["is_late"] is False


def test_a_versailles_message_is_the_same_404_as_a_missing_one(
    api_client, outbox, bordeaux_officer
):
    api_client.force_login(bordeaux_officer)

    theirs = api_client.get(detail(outbox["versailles"].pk))
    missing = api_client.get(detail(999_999))

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()


def test_anonymous_callers_are_asked_to_authenticate(api_client, outbox):
    assert api_client.get(LIST).status_code == 401


def test_students_cannot_read_the_outbox(api_client, outbox, linked_student):
    api_client.force_login(linked_student)

    assert api_client.get(LIST).status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_outbox_is_read_only_in_the_api(api_client, outbox, national_admin, method):
    api_client.force_login(national_admin)
    url = LIST if method == "post" else detail(outbox["pending"].pk)

    assert getattr(api_client, method)(url, {}).status_code == 405


@pytest.mark.parametrize("page_size", [5, 100])
def test_the_message_list_costs_the_same_queries_whatever_the_page_size(
    api_client, bordeaux, bordeaux_officer, django_assert_num_queries, page_size
):
    MessageFactory.create_batch(110, crous=bordeaux)
    token = Token.objects.create(user=bordeaux_officer)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    # 1 token with its user, 2 staff memberships, 3 count, 4 the page with Crous joined
    with django_assert_num_queries(4):
        response = api_client.get(LIST, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


def test_a_message_detail_costs_three_queries_plus_its_attempts(
    api_client, bordeaux, bordeaux_officer, django_assert_num_queries
):
    message = MessageFactory(crous=bordeaux)
    DeliveryAttemptFactory.create_batch(5, message=message)
    token = Token.objects.create(user=bordeaux_officer)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    # 1 token with its user, 2 staff memberships, 3 the message with its Crous,
    # 4 its attempts
    with django_assert_num_queries(4):
        response = api_client.get(detail(message.pk))

    assert len(response.json()["delivery_attempts"]) == 5
