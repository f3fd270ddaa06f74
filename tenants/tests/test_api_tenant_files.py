"""/api/v1/tenant-files/: staff create and end files through the services, within their Crous."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from residences.models import UnitStatus
from residences.tests.factories import HousingUnitFactory, ResidenceFactory
from tenants.models import TenantFile, TenantFileStatus
from tenants.tests.factories import StudentFactory, TenantFileFactory

LIST = reverse("api:tenantfile-list")


def detail(pk: int) -> str:
    return reverse("api:tenantfile-detail", args=[pk])


def end(pk: int) -> str:
    return reverse("api:tenantfile-end", args=[pk])


@pytest.fixture
def free_unit(bordeaux):
    return HousingUnitFactory(residence__crous=bordeaux, residence__name="Village 3")


@pytest.fixture
def student(bordeaux):
    return StudentFactory(crous=bordeaux, first_name="Inès", last_name="Moreau")


def payload(student, unit, **overrides):
    return {
        "student": student.pk,
        "unit": unit.pk,
        "start_date": "2026-09-01",
        "end_date": "2027-06-30",
        **overrides,
    }


def test_housing_officer_assigns_a_free_unit(api_client, student, free_unit, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(LIST, payload(student, free_unit))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == TenantFileStatus.ASSIGNED
    assert body["academic_year"] == 2026  # from the start date
    assert body["student"] == {
        "id": student.pk,
        "ine": student.ine,
        "first_name": "Inès",
        "last_name": "Moreau",
    }
    assert body["unit"]["number"] == free_unit.number
    assert body["unit"]["residence"]["name"] == "Village 3"
    free_unit.refresh_from_db()
    assert free_unit.status == UnitStatus.OCCUPIED
    assert TenantFile.objects.get().history.latest().history_user == bordeaux_officer


def test_a_unit_that_is_not_free_is_a_conflict(api_client, student, free_unit, bordeaux_officer):
    TenantFileFactory(crous=student.crous, unit=free_unit)
    api_client.force_login(bordeaux_officer)

    response = api_client.post(LIST, payload(student, free_unit))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "unit_not_free"
    assert set(response.json()["error"]["fields"]) == {"unit"}


def test_the_period_must_be_ordered(api_client, student, free_unit, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(LIST, payload(student, free_unit, end_date="2026-08-01"))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "period"


def test_bordeaux_officer_cannot_file_a_versailles_student_or_unit(
    api_client, student, free_unit, versailles, bordeaux_officer
):
    foreign_student = StudentFactory(crous=versailles)
    foreign_unit = HousingUnitFactory(residence__crous=versailles)
    api_client.force_login(bordeaux_officer)

    with_student = api_client.post(LIST, payload(foreign_student, free_unit))
    with_unit = api_client.post(LIST, payload(student, foreign_unit))

    assert with_student.status_code == with_unit.status_code == 400
    assert set(with_student.json()["error"]["fields"]) == {"student"}
    assert set(with_unit.json()["error"]["fields"]) == {"unit"}
    assert not TenantFile.objects.exists()


def test_a_unit_of_another_crous_than_the_student_is_refused(
    api_client, student, versailles, national_admin
):
    foreign_unit = HousingUnitFactory(residence__crous=versailles)
    api_client.force_login(national_admin)

    response = api_client.post(LIST, payload(student, foreign_unit))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unit_other_crous"


def test_housing_officer_ends_a_file_and_frees_the_unit(api_client, bordeaux, bordeaux_officer):
    tenant_file = TenantFileFactory(crous=bordeaux, unit__status=UnitStatus.OCCUPIED)
    api_client.force_login(bordeaux_officer)

    response = api_client.post(end(tenant_file.pk), {"reason": "left for Erasmus"})

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == TenantFileStatus.ENDED
    tenant_file.refresh_from_db()
    tenant_file.unit.refresh_from_db()
    assert tenant_file.unit.status == UnitStatus.AVAILABLE
    assert tenant_file.history.latest().history_change_reason == "left for Erasmus"


def test_ending_an_ended_file_is_a_conflict(api_client, bordeaux, bordeaux_officer):
    tenant_file = TenantFileFactory(crous=bordeaux, status=TenantFileStatus.ENDED)
    api_client.force_login(bordeaux_officer)

    response = api_client.post(end(tenant_file.pk))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "file_not_current"


def test_assistance_agent_may_not_end_a_file(api_client, versailles, versailles_agent):
    tenant_file = TenantFileFactory(crous=versailles)
    api_client.force_login(versailles_agent)

    assert api_client.get(detail(tenant_file.pk)).status_code == 200
    assert api_client.post(end(tenant_file.pk)).status_code == 403


def test_bordeaux_officer_cannot_see_or_end_a_versailles_file(
    api_client, bordeaux, versailles, bordeaux_officer
):
    TenantFileFactory(crous=bordeaux)
    foreign = TenantFileFactory(crous=versailles)
    api_client.force_login(bordeaux_officer)

    assert api_client.get(LIST).json()["count"] == 1
    assert api_client.get(detail(foreign.pk)).json() == api_client.get(detail(999_999)).json()
    assert api_client.post(end(foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == TenantFileStatus.ASSIGNED


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_tenant_file_is_never_edited_nor_deleted(api_client, bordeaux, national_admin, method):
    tenant_file = TenantFileFactory(crous=bordeaux)
    api_client.force_login(national_admin)

    response = getattr(api_client, method)(detail(tenant_file.pk), {})

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_student_persona_and_anonymous_are_kept_out(
    api_client, linked_student_file, linked_student
):
    assert api_client.get(LIST).status_code == 401

    api_client.force_login(linked_student)

    # Their own file included: the student pages show it, not the staff API.
    assert api_client.get(detail(linked_student_file.pk)).status_code == 403


@pytest.fixture
def files(bordeaux):
    pessac = ResidenceFactory(crous=bordeaux)
    return {
        "current": TenantFileFactory(
            crous=bordeaux, unit__residence=pessac, student__last_name="Moreau"
        ),
        "past": TenantFileFactory(
            crous=bordeaux,
            academic_year=2025,
            start_date=date(2025, 9, 1),
            end_date=date(2026, 6, 30),
            status=TenantFileStatus.ENDED,
            student__last_name="Durand",
        ),
    }


def test_tenant_files_are_filtered(api_client, files, bordeaux, versailles, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    def ids(**query):
        response = api_client.get(LIST, query)
        assert response.status_code == 200, response.json()
        return {f["id"] for f in response.json()["results"]}

    current, past = files["current"], files["past"]
    assert ids(residence=current.unit.residence_id) == {current.pk}
    assert ids(status="ended") == {past.pk}
    assert ids(academic_year=2026) == {current.pk}
    assert ids(search="moreau") == {current.pk}
    assert ids(search=past.student.ine.lower()) == {past.pk}
    assert ids(crous=bordeaux.pk) == {current.pk, past.pk}
    assert ids(crous=versailles.pk) == set()


# --- Query budget -------------------------------------------------------------------------


@pytest.fixture
def many_files(bordeaux):
    return TenantFileFactory.create_batch(110, crous=bordeaux)


@pytest.mark.parametrize("page_size", [5, 100])
def test_tenant_file_list_costs_the_same_queries_whatever_the_page_size(
    api_client, many_files, bordeaux_officer, django_assert_num_queries, page_size
):
    api_client.force_login(bordeaux_officer)

    # 1 session, 2 user, 3 staff memberships (scope and role permissions),
    # 4 count, 5 the page with Crous, student, unit and residence joined
    with django_assert_num_queries(5):
        response = api_client.get(LIST, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [5, 100])
def test_tenant_file_list_costs_the_same_queries_whatever_the_page_size_with_a_token(
    api_client, many_files, bordeaux_officer, django_assert_num_queries, page_size
):
    token = Token.objects.create(user=bordeaux_officer)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    # 1 token with its user, 2 staff memberships, 3 count, 4 the page
    with django_assert_num_queries(4):
        response = api_client.get(LIST, {"page_size": page_size})

    assert response.json()["count"] == 110
    assert len(response.json()["results"]) == page_size
