"""The student pages: the "Renewal request" button only inside the window for an active,
linked file; the pre-filled request; the eligibility check; a double submission."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import Message
from renewals.models import ReminderPreference, RenewalRequest

HOUSING = reverse("tenants_portal:housing")


def _page(tenant_file):
    return reverse("renewals_portal:renewal", args=[tenant_file.pk])


def test_the_housing_page_offers_the_renewal_request_inside_the_window(
    client, linked_student, linked_student_file, bordeaux_window, inside_window
):
    client.force_login(linked_student)

    page = client.get(HOUSING).content.decode()

    assert f'id="renewal-request-link-{linked_student_file.pk}"' in page


def test_before_the_window_the_housing_page_says_when_it_opens_and_offers_no_button(
    client, linked_student, linked_student_file, bordeaux_window, time_machine
):
    time_machine.move_to("2027-03-01 10:00:00+01:00", tick=False)
    client.force_login(linked_student)

    page = client.get(HOUSING).content.decode()
    renewal_page = client.get(_page(linked_student_file)).content.decode()

    assert "renewal-request-link" not in page
    assert "15 mars 2027" in page
    assert 'id="renewal-submit"' not in renewal_page
    assert 'id="rule-inside_window"' in renewal_page  # the check is shown before the window


def test_the_request_is_pre_filled_from_the_file(
    client, linked_student, linked_student_file, bordeaux_window, inside_window
):
    client.force_login(linked_student)

    page = client.get(_page(linked_student_file)).content.decode()

    assert linked_student_file.student.email in page
    assert linked_student_file.unit.number in page
    assert 'id="renewal-submit"' in page


def test_a_double_click_sends_one_request_and_the_sms_opt_in_is_kept(
    client, linked_student, linked_student_file, bordeaux_window, inside_window
):
    client.force_login(linked_student)
    data = {
        "contact_email": "lea.new@etu.example",
        "contact_phone": "+33611111111",
        "sms_reminders": "on",
    }

    first = client.post(_page(linked_student_file), data)
    second = client.post(_page(linked_student_file), data)

    assert first.status_code == second.status_code == 302
    renewal = RenewalRequest.objects.get()
    assert renewal.contact_email == "lea.new@etu.example"
    assert Message.objects.count() == 2
    assert ReminderPreference.objects.get().sms_opt_in is True
    page = client.get(_page(linked_student_file)).content.decode()
    assert 'id="renewal-request-status"' in page
    assert 'id="renewal-submit"' not in page


def test_a_blocked_student_is_told_what_to_do(
    client, linked_student, linked_student_file, bordeaux_window, inside_window
):
    bordeaux_window.dse_rule = True
    bordeaux_window.save()
    linked_student_file.student.is_scholarship_holder = True
    linked_student_file.student.save()
    client.force_login(linked_student)

    response = client.post(
        _page(linked_student_file), {"contact_email": "lea@etu.example"}, follow=True
    )

    page = response.content.decode()
    assert RenewalRequest.objects.get().status == "blocked"
    assert "DSE" in page
    assert "2027-2028" in page


@pytest.mark.usefixtures("inside_window", "bordeaux_window")
def test_another_students_file_is_a_404(client, unlinked_student, linked_student_file):
    client.force_login(unlinked_student)

    assert client.get(_page(linked_student_file)).status_code == 404


def test_the_housing_page_reads_its_renewal_boxes_in_the_view_not_from_its_templates(
    client, linked_student, linked_student_file, bordeaux_window, inside_window
):
    from crous_admin.testing.template_queries import queries_from_templates

    client.force_login(linked_student)

    with queries_from_templates() as from_templates:
        page = client.get(HOUSING).content.decode()

    assert f'id="renewal-request-link-{linked_student_file.pk}"' in page
    assert from_templates == []
