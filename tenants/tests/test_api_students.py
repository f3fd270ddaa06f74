"""/api/v1/students/: staff only, each within their own Crous, writes through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from crous_admin.accounts.roles import Role
from residences.tests.factories import StaffMembershipFactory, UserFactory
from tenants.ine import bea_ine
from tenants.models import Student
from tenants.tests.factories import StudentFactory, TenantFileFactory

LIST = reverse("api:student-list")
INE = bea_ine(1_111_100_001)


def detail(pk: int) -> str:
    return reverse("api:student-detail", args=[pk])


def payload(**overrides):
    return {
        "ine": INE,
        "first_name": "Inès",
        "last_name": "Moreau",
        "email": "Ines.Moreau@etu.example",
        "mobile_phone": "06 12 34 56 78",
        "is_scholarship_holder": True,
        **overrides,
    }


@pytest.fixture
def students(bordeaux, versailles):
    return {
        "ines": TenantFileFactory(
            crous=bordeaux,
            student__ine=INE,
            student__first_name="Inès",
            student__last_name="Moreau",
            linked_user=UserFactory(),
            linked_at=timezone.now(),
        ).student,
        "paul": StudentFactory(
            crous=bordeaux, first_name="Paul", last_name="Durand", is_campus_france=True
        ),
        "zoe": StudentFactory(crous=versailles, first_name="Zoé", last_name="Petit"),
    }


def names(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {s["last_name"] for s in response.json()["results"]}


def test_bordeaux_officer_lists_only_bordeaux_students(api_client, students, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    assert names(api_client.get(LIST)) == {"Moreau", "Durand"}


def test_versailles_agent_lists_only_versailles_students(api_client, students, versailles_agent):
    api_client.force_login(versailles_agent)

    assert names(api_client.get(LIST)) == {"Petit"}


def test_a_student_record_says_whether_an_account_exists_but_not_which(
    api_client, students, bordeaux_officer
):
    api_client.force_login(bordeaux_officer)

    body = api_client.get(detail(students["ines"].pk)).json()

    assert body["has_account"] is True
    assert "user" not in body
    assert api_client.get(detail(students["paul"].pk)).json()["has_account"] is False


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        (f"{INE[:4]} {INE[4:8]} {INE[8:].lower()}", {"Moreau"}),  # typed with spaces, lower case
        ("dur", {"Durand"}),
        ("inès", {"Moreau"}),  # SQLite's LIKE folds the case of ASCII letters only
        ("Petit", set()),  # Versailles: not visible
    ],
)
def test_staff_search_students_by_ine_or_name(
    api_client, students, bordeaux_officer, search, expected
):
    api_client.force_login(bordeaux_officer)

    assert names(api_client.get(LIST, {"search": search})) == expected


def test_students_are_filtered_by_flags_and_crous(
    api_client, students, bordeaux, versailles, national_admin
):
    api_client.force_login(national_admin)

    assert names(api_client.get(LIST, {"is_campus_france": "true"})) == {"Durand"}
    assert names(api_client.get(LIST, {"is_scholarship_holder": "false"})) == {
        "Moreau",
        "Durand",
        "Petit",
    }
    assert names(api_client.get(LIST, {"crous": versailles.pk})) == {"Petit"}


def test_student_persona_cannot_use_the_staff_api(api_client, students, linked_student):
    api_client.force_login(linked_student)

    response = api_client.get(LIST)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_anonymous_is_asked_to_authenticate(api_client, students):
    response = api_client.get(detail(students["ines"].pk))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_staff_of_one_crous_create_a_student_there_without_naming_it(
    api_client, bordeaux, bordeaux_officer
):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(LIST, payload(ine=f" {INE[:5]}-{INE[5:].lower()} "))

    assert response.status_code == 201, response.json()
    student = Student.objects.get()
    assert student.crous == bordeaux
    assert student.ine == INE
    assert student.email == "ines.moreau@etu.example"
    assert str(student.mobile_phone) == "+33612345678"
    assert response.json()["crous"]["code"] == "bordeaux"
    assert student.history.latest().history_user == bordeaux_officer


def test_national_admin_must_say_which_crous(api_client, bordeaux, national_admin):
    api_client.force_login(national_admin)

    assert set(api_client.post(LIST, payload()).json()["error"]["fields"]) == {"crous"}
    assert api_client.post(LIST, payload(crous=bordeaux.pk)).status_code == 201


def test_bordeaux_officer_cannot_create_a_student_in_versailles(
    api_client, bordeaux, versailles, bordeaux_officer
):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(LIST, payload(crous=versailles.pk))

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"crous"}
    assert not Student.objects.exists()


def test_staff_of_several_crous_choose_one(api_client, bordeaux, versailles, bordeaux_officer):
    StaffMembershipFactory(user=bordeaux_officer, crous=versailles, role=Role.HOUSING_OFFICER)
    api_client.force_login(bordeaux_officer)

    assert set(api_client.post(LIST, payload()).json()["error"]["fields"]) == {"crous"}
    assert api_client.post(LIST, payload(crous=versailles.pk)).status_code == 201


def test_an_ine_already_known_in_the_crous_is_a_conflict(api_client, students, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(LIST, payload(ine=INE.lower()))

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "student_exists"
    assert set(error["fields"]) == {"ine"}


def test_an_ine_already_known_in_the_crous_creates_no_second_record(
    api_client, students, bordeaux_officer
):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(LIST, payload(ine=INE.lower()))

    assert response.status_code in {400, 409}  # 409 once the service checks before full_clean
    assert Student.objects.filter(ine=INE).count() == 1


def test_an_invalid_ine_is_explained(api_client, bordeaux, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(LIST, payload(ine=INE[:10] + "Z"))  # wrong BEA check letter

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"ine"}


def test_housing_officer_updates_a_student(api_client, students, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    response = api_client.patch(detail(students["paul"].pk), {"dse_submitted_for": 2027})

    assert response.status_code == 200, response.json()
    students["paul"].refresh_from_db()
    assert students["paul"].dse_submitted_for == 2027
    assert students["paul"].history.latest().history_user == bordeaux_officer


def test_a_student_record_stays_in_its_crous(api_client, students, versailles, national_admin):
    api_client.force_login(national_admin)

    response = api_client.patch(detail(students["paul"].pk), {"crous": versailles.pk})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"crous"}


def test_bordeaux_officer_cannot_update_a_versailles_student(
    api_client, students, bordeaux_officer
):
    api_client.force_login(bordeaux_officer)

    response = api_client.patch(detail(students["zoe"].pk), {"first_name": "Z"})

    assert response.status_code == 404
    assert response.json() == api_client.get(detail(999_999)).json()


def test_assistance_agent_reads_but_does_not_write_students(api_client, students, versailles_agent):
    api_client.force_login(versailles_agent)

    assert api_client.get(detail(students["zoe"].pk)).status_code == 200
    assert api_client.patch(detail(students["zoe"].pk), {"first_name": "Z"}).status_code == 403


@pytest.mark.parametrize("page_size", [5, 100])
def test_student_list_costs_the_same_queries_whatever_the_page_size(
    api_client, bordeaux, bordeaux_officer, django_assert_num_queries, page_size
):
    StudentFactory.create_batch(110, crous=bordeaux)
    token = Token.objects.create(user=bordeaux_officer)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    # 1 token with its user, 2 staff memberships, 3 count, 4 the page with Crous joined
    with django_assert_num_queries(4):
        response = api_client.get(LIST, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size
