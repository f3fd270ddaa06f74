"""Students' mobiles are French mobiles in E.164 whichever way they come in: the API, the
back-office and the CSV import of assignments."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tenants.imports.assignments import assignments_import
from tenants.models import Student
from tenants.tests.test_admin import _student_data
from tenants.tests.test_api_students import LIST, payload
from tenants.tests.test_imports import _csv, _line, village  # noqa: F401 - a fixture

BAD = ["12", "0000", "pas un numéro", "01 45 67 89 01"]
GOOD = [
    ("0692 12 34 56", "+262692123456"),
    ("+262 639 00 12 34", "+262639001234"),
    ("+596 696 12 34 56", "+596696123456"),
]


@pytest.mark.parametrize("phone", BAD)
def test_the_students_api_refuses_what_is_not_a_french_mobile(
    api_client, bordeaux, bordeaux_officer, phone
):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(LIST, payload(mobile_phone=phone), format="json")

    assert response.status_code == 400
    assert "mobile_phone" in str(response.json())
    assert not Student.objects.exists()


@pytest.mark.parametrize(("phone", "e164"), GOOD)
def test_the_students_api_stores_an_overseas_mobile_in_e164(
    api_client, bordeaux, bordeaux_officer, phone, e164
):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(LIST, payload(mobile_phone=phone), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["mobile_phone"] == e164
    assert str(Student.objects.get().mobile_phone) == e164


@pytest.mark.parametrize("phone", BAD)
def test_the_back_office_refuses_what_is_not_a_french_mobile(
    client, bordeaux, bordeaux_officer, phone
):
    client.force_login(bordeaux_officer)

    response = client.post(
        reverse("admin:tenants_student_add"), _student_data(bordeaux, mobile_phone=phone)
    )

    assert response.status_code == 200
    assert "06 12 34 56 78" in response.content.decode()
    assert not Student.objects.exists()


@pytest.mark.parametrize(("phone", "e164"), GOOD)
def test_the_back_office_stores_an_overseas_mobile_in_e164(
    client, bordeaux, bordeaux_officer, phone, e164
):
    client.force_login(bordeaux_officer)

    response = client.post(
        reverse("admin:tenants_student_add"), _student_data(bordeaux, mobile_phone=phone)
    )

    assert response.status_code == 302
    assert str(Student.objects.get().mobile_phone) == e164


@pytest.mark.usefixtures("village")
@pytest.mark.parametrize("phone", BAD)
def test_the_import_reports_a_number_that_is_not_a_french_mobile(bordeaux, bordeaux_officer, phone):
    data = _csv([_line(1, mobile_phone=phone)])

    report = assignments_import(crous=bordeaux, by=bordeaux_officer, data=data)

    assert [(e.column, e.line) for e in report.errors] == [("mobile_phone", 2)]
    assert "06 12 34 56 78" in report.errors[0].message
    assert not Student.objects.exists()


@pytest.mark.usefixtures("village")
@pytest.mark.parametrize(("phone", "e164"), GOOD)
def test_the_import_stores_an_overseas_mobile_in_e164(bordeaux, bordeaux_officer, phone, e164):
    report = assignments_import(
        crous=bordeaux, by=bordeaux_officer, data=_csv([_line(1, mobile_phone=phone)])
    )

    assert not report.errors
    assert str(Student.objects.get().mobile_phone) == e164
