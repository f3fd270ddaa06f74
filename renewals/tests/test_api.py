"""The renewals API: students create and read their own requests, staff list, filter and
decide; windows are read by those concerned and written by their Crous' staff."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import Message
from renewals.models import RenewalRequest, RequestStatus
from renewals.services.submission import renewal_request_submit
from residences.tests.factories import UserFactory
from tenants.models import TenantFileStatus
from tenants.tests.factories import TenantFileFactory

pytestmark = pytest.mark.usefixtures("inside_window")
MINE = reverse("api:me-renewalrequest-list")


def test_a_student_asks_once_and_a_retry_answers_the_same_request(
    api_client, linked_student, linked_student_file, bordeaux_window
):
    api_client.force_login(linked_student)

    first = api_client.post(MINE, {"tenant_file": linked_student_file.pk}, format="json")
    retry = api_client.post(MINE, {"tenant_file": linked_student_file.pk}, format="json")

    assert first.status_code == 201, first.content
    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]
    body = first.json()
    assert body["status"] == "submitted"
    assert body["email_confirmation"]["status"] == "pending"
    assert {r["code"] for r in body["eligibility"]} >= {"inside_window", "dse_for_next_year"}
    assert Message.objects.count() == 2
    listed = api_client.get(MINE).json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]


def test_a_blocked_request_is_recorded_and_the_student_is_told_why(
    api_client, linked_student, linked_student_file, bordeaux_window
):
    bordeaux_window.dse_rule = True
    bordeaux_window.save()
    linked_student_file.student.is_scholarship_holder = True
    linked_student_file.student.save()
    api_client.force_login(linked_student)

    response = api_client.post(MINE, {"tenant_file": linked_student_file.pk}, format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "renewal_blocked"
    assert error["details"]["blocked_reasons"] == ["dse_for_next_year"]
    assert "DSE" in error["message"]
    assert RenewalRequest.objects.get().status == RequestStatus.BLOCKED


def test_outside_the_window_the_api_says_when_it_opens(
    api_client, linked_student, linked_student_file, bordeaux_window, time_machine
):
    time_machine.move_to("2027-03-14 23:59:59+01:00", tick=False)
    api_client.force_login(linked_student)

    response = api_client.post(MINE, {"tenant_file": linked_student_file.pk}, format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "renewal_window_not_open"
    assert error["details"]["opens_at"] == "2027-03-15T00:00:00+01:00"


def test_another_students_file_is_a_404(
    api_client, unlinked_student, linked_student_file, bordeaux_window
):
    api_client.force_login(unlinked_student)

    response = api_client.post(MINE, {"tenant_file": linked_student_file.pk}, format="json")

    assert response.status_code == 404


def test_the_eligibility_endpoint_shows_each_rule(
    api_client, linked_student, linked_student_file, bordeaux_window
):
    api_client.force_login(linked_student)

    (entry,) = api_client.get(reverse("api:me-renewaleligibility")).json()

    assert entry["tenant_file"] == linked_student_file.pk
    assert entry["eligible"] is True
    assert entry["window"]["closes_at"] == "2027-05-01T23:59:59+02:00"


def _submitted(bordeaux, n: int) -> list[RenewalRequest]:
    requests = []
    for _ in range(n):
        tenant_file = TenantFileFactory(
            crous=bordeaux,
            status=TenantFileStatus.ACTIVE,
            linked_user=UserFactory(),
            linked_at="2026-09-01T00:00:00+02:00",
        )
        requests.append(renewal_request_submit(tenant_file=tenant_file, by=None).request)
    return requests


def test_staff_list_requests_of_their_crous_with_filters_in_a_fixed_number_of_queries(
    api_client, bordeaux_officer, bordeaux, bordeaux_window, django_assert_num_queries
):
    _submitted(bordeaux, 5)
    api_client.force_login(bordeaux_officer)
    url = reverse("api:renewalrequest-list")

    # session, user, staff roles, count, page (with Crous, window, file, student, unit,
    # residence and both confirmation messages joined)
    with django_assert_num_queries(5):
        response = api_client.get(url, {"status": "submitted", "window": bordeaux_window.pk})

    assert response.status_code == 200
    assert response.json()["count"] == 5
    assert api_client.get(url, {"status": "approved"}).json()["count"] == 0
    assert api_client.get(url, {"blocked_by_dse": "true"}).json()["count"] == 0


def test_staff_approve_one_and_refuse_many_with_a_reason(
    api_client, bordeaux_officer, bordeaux, bordeaux_window
):
    first, *others = _submitted(bordeaux, 3)
    api_client.force_login(bordeaux_officer)

    approved = api_client.post(
        reverse("api:renewalrequest-decide", args=[first.pk]),
        {"decision": "approve"},
        format="json",
    )
    refused = api_client.post(
        reverse("api:renewalrequest-bulk-decide"),
        {
            "ids": [r.pk for r in others] + [first.pk, 999999],
            "decision": "refuse",
            "reason": "Full.",
        },
        format="json",
    )
    no_reason = api_client.post(
        reverse("api:renewalrequest-decide", args=[first.pk]), {"decision": "refuse"}, format="json"
    )

    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert refused.status_code == 200
    assert refused.json()["decided"] == [r.pk for r in others]
    assert set(refused.json()["skipped"]) == {str(first.pk), "999999"}
    assert no_reason.status_code == 409
    assert (
        RenewalRequest.objects.filter(status=RequestStatus.REFUSED, refusal_reason="Full.").count()
        == 2
    )


def test_an_overlapping_window_is_refused_by_the_api(
    api_client, bordeaux_officer, bordeaux, bordeaux_window
):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(
        reverse("api:renewalwindow-list"),
        {
            "crous": bordeaux.pk,
            "academic_year": 2027,
            "opens_on": "2027-04-01",
            "closes_on": "2027-06-01",
        },
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "window_overlap"
