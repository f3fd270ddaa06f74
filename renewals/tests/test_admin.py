"""The back-office: the dashboard of a window, decisions one by one and in bulk."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from renewals.models import RenewalRequest, RequestStatus
from renewals.services.submission import renewal_request_submit

pytestmark = pytest.mark.usefixtures("inside_window")


@pytest.fixture
def renewal(linked_student_file, bordeaux_window):
    return renewal_request_submit(
        tenant_file=linked_student_file, by=linked_student_file.linked_user
    ).request


def test_the_dashboard_shows_the_windows_figures_and_a_bar_per_day(
    client, bordeaux_officer, renewal, django_assert_max_num_queries
):
    client.force_login(bordeaux_officer)
    url = reverse("admin:renewals_renewalwindow_dashboard", args=[renewal.window.pk])

    # session, user, roles, window (with its Crous), Django's two permission lookups,
    # the figures, the bars
    with django_assert_max_num_queries(8):
        response = client.get(url)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="figure-submitted"><strong>1</strong>' in page
    assert page.count('class="bar"') == 1


def test_another_crous_staff_cannot_open_the_dashboard(client, versailles_agent, renewal):
    client.force_login(versailles_agent)

    response = client.get(
        reverse("admin:renewals_renewalwindow_dashboard", args=[renewal.window.pk])
    )

    assert response.status_code == 404


def test_staff_approve_from_the_request_page(client, bordeaux_officer, renewal):
    client.force_login(bordeaux_officer)
    url = reverse("admin:renewals_renewalrequest_change", args=[renewal.pk])

    page = client.get(url).content.decode()
    assert 'id="renewal-decision"' in page
    assert page.count("✔") == 12  # the six rules, as recorded and as checked now
    client.post(url, {"_decide": "approve"})

    renewal.refresh_from_db()
    assert renewal.status == RequestStatus.APPROVED
    assert renewal.history.latest().history_user == bordeaux_officer


def test_the_bulk_refusal_asks_for_a_reason_first(client, bordeaux_officer, renewal):
    client.force_login(bordeaux_officer)
    url = reverse("admin:renewals_renewalrequest_changelist")
    selection = {"action": "refuse_selected", ACTION_CHECKBOX_NAME: [renewal.pk]}

    asked = client.post(url, selection)
    done = client.post(url, {**selection, "reason": "No longer a student."})

    assert asked.status_code == 200
    assert b"reason" in asked.content
    assert done.status_code == 302
    assert RenewalRequest.objects.get().refusal_reason == "No longer a student."


def test_the_request_page_shows_whether_the_student_wants_sms_reminders(
    client, bordeaux_officer, renewal
):
    from renewals.models import ReminderPreference

    client.force_login(bordeaux_officer)
    url = reverse("admin:renewals_renewalrequest_change", args=[renewal.pk])
    before = client.get(url).content.decode()

    ReminderPreference.objects.create(
        student=renewal.tenant_file.student, crous=renewal.crous, sms_opt_in=True
    )
    after = client.get(url).content.decode()

    assert 'alt="False"' in before.split("field-sms_reminders")[1][:400]
    assert 'alt="True"' in after.split("field-sms_reminders")[1][:400]


@pytest.mark.parametrize("windows", [1, 5])
def test_the_request_list_costs_the_same_queries_whatever_the_number_of_windows(
    client, national_admin, renewal, windows, django_assert_num_queries
):
    from renewals.tests.factories import RenewalWindowFactory

    for year in range(2028, 2028 + windows - 1):  # the Bordeaux window is the first
        RenewalWindowFactory(crous=renewal.crous, academic_year=year)
    client.force_login(national_admin)

    # session, user, roles (with a student's Crous), Django's two permission lookups, the
    # window filter's choices (with their Crous: one query, not one per window), the Crous
    # filter's choices, the count, the page's requests (with their Crous, window, file,
    # student and messages)
    with django_assert_num_queries(QUERIES_OF_THE_REQUEST_LIST):
        response = client.get(reverse("admin:renewals_renewalrequest_changelist"))

    assert response.status_code == 200


QUERIES_OF_THE_REQUEST_LIST = 9
