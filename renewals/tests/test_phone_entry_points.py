"""The renewal request takes only a French mobile for its SMS, on the student pages and the
API alike: "12", "0000", "pas un numéro" and landlines were accepted, and the SMS then
failed while the page said it was on its way."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import Channel, Message
from renewals.models import RenewalRequest
from renewals.services.submission import renewal_request_submit

pytestmark = pytest.mark.usefixtures("inside_window", "bordeaux_window")
MINE = reverse("api:me-renewalrequest-list")
BAD = ["12", "0000", "pas un numéro", "01 45 67 89 01"]
GOOD = [("0692 12 34 56", "+262692123456"), ("+590 690 12 34 56", "+590690123456")]


def _page(tenant_file):
    return reverse("renewals_portal:renewal", args=[tenant_file.pk])


@pytest.mark.parametrize("phone", BAD)
def test_the_renewal_form_refuses_a_number_no_sms_can_reach(
    client, linked_student, linked_student_file, phone
):
    client.force_login(linked_student)

    response = client.post(
        _page(linked_student_file), {"contact_email": "lea@etu.example", "contact_phone": phone}
    )

    assert response.status_code == 200
    assert "06 12 34 56 78" in response.content.decode()  # what a valid number looks like
    assert not RenewalRequest.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.parametrize(("phone", "e164"), GOOD)
def test_the_renewal_form_takes_an_overseas_mobile_and_texts_it_in_e164(
    client, linked_student, linked_student_file, phone, e164
):
    client.force_login(linked_student)

    response = client.post(
        _page(linked_student_file), {"contact_email": "lea@etu.example", "contact_phone": phone}
    )

    assert response.status_code == 302
    assert RenewalRequest.objects.get().contact_phone == e164
    assert Message.objects.get(channel=Channel.SMS).recipient == e164


@pytest.mark.parametrize("phone", BAD)
def test_the_renewal_api_refuses_a_number_no_sms_can_reach(
    api_client, linked_student, linked_student_file, phone
):
    api_client.force_login(linked_student)

    response = api_client.post(
        MINE, {"tenant_file": linked_student_file.pk, "contact_phone": phone}, format="json"
    )

    assert response.status_code == 400
    assert "contact_phone" in str(response.json())
    assert not RenewalRequest.objects.exists()


@pytest.mark.parametrize(("phone", "e164"), GOOD)
def test_the_renewal_api_takes_an_overseas_mobile(
    api_client, linked_student, linked_student_file, phone, e164
):
    api_client.force_login(linked_student)

    response = api_client.post(
        MINE, {"tenant_file": linked_student_file.pk, "contact_phone": phone}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert RenewalRequest.objects.get().contact_phone == e164


def test_a_landline_kept_on_the_file_gets_no_sms_rather_than_a_failed_one(
    linked_student, linked_student_file
):
    student = linked_student_file.student
    student.mobile_phone = "+33145678901"
    student.save()

    renewal_request_submit(tenant_file=linked_student_file, by=linked_student)

    assert RenewalRequest.objects.get().contact_phone == ""
    assert not Message.objects.filter(channel=Channel.SMS).exists()
