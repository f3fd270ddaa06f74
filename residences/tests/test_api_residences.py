"""/api/v1/residences/: public read, staff create and edit within their Crous."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crous_admin.accounts.roles import Role
from residences.models import Residence
from residences.tests.factories import ResidenceFactory, StaffMembershipFactory

LIST = reverse("api:residence-list")


def detail(pk: int) -> str:
    return reverse("api:residence-detail", args=[pk])


def payload(crous, **overrides):
    return {
        "crous": crous.pk,
        "code": "talence-1",
        "name": "Résidence Talence Village 1",
        "address": "12 avenue de l'Université",
        "postal_code": "33400",
        "city": "Talence",
        **overrides,
    }


@pytest.fixture
def two_crous_residences(bordeaux, versailles):
    return (
        ResidenceFactory(crous=bordeaux, name="Village 3", city="Pessac", code="pessac-3"),
        ResidenceFactory(crous=versailles, name="Jean Zay", city="Antony", code="antony-jz"),
    )


def test_anonymous_reads_the_whole_catalogue(api_client, two_crous_residences):
    response = api_client.get(LIST)

    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_residence_shows_its_crous(api_client, two_crous_residences, bordeaux):
    pessac, _ = two_crous_residences

    body = api_client.get(detail(pessac.pk)).json()

    assert body["crous"] == {"id": bordeaux.pk, "code": "bordeaux", "name": bordeaux.name}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("crous_code=versailles", {"Jean Zay"}),
        ("city=PESSAC", {"Village 3"}),
        ("search=zay", {"Jean Zay"}),
        ("search=antony", {"Jean Zay"}),
        ("search=pessac-3", {"Village 3"}),
        ("city=Paris", set()),
    ],
)
def test_residences_are_filtered(api_client, two_crous_residences, query, expected):
    response = api_client.get(f"{LIST}?{query}")

    assert {r["name"] for r in response.json()["results"]} == expected


def test_residences_are_filtered_by_crous_id(api_client, two_crous_residences, bordeaux):
    response = api_client.get(LIST, {"crous": bordeaux.pk})

    assert [r["name"] for r in response.json()["results"]] == ["Village 3"]


def test_an_id_filter_that_is_not_a_number_is_a_400_naming_it(api_client, two_crous_residences):
    response = api_client.get(LIST, {"crous": "bordeaux"})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"crous"}


def test_bordeaux_officer_lists_no_versailles_residence(
    api_client, two_crous_residences, bordeaux_officer
):
    api_client.force_login(bordeaux_officer)

    response = api_client.get(LIST, {"crous_code": "versailles"})

    assert response.json()["count"] == 0


def test_versailles_residence_is_the_same_404_as_a_missing_one_for_bordeaux_officer(
    api_client, two_crous_residences, bordeaux_officer
):
    _, jean_zay = two_crous_residences
    api_client.force_login(bordeaux_officer)

    foreign = api_client.get(detail(jean_zay.pk))
    missing = api_client.get(detail(999_999))

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json() == {"error": foreign.json()["error"]}
    assert foreign.json()["error"]["code"] == "not_found"


def test_housing_officer_creates_a_residence_in_their_crous(api_client, bordeaux, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(LIST, payload(bordeaux))

    assert response.status_code == 201, response.json()
    residence = Residence.objects.get(code="talence-1")
    assert residence.crous == bordeaux
    assert response.json()["crous"]["code"] == "bordeaux"
    assert residence.history.latest().history_user == bordeaux_officer


def test_bordeaux_officer_cannot_create_a_residence_in_versailles(
    api_client, bordeaux, versailles, bordeaux_officer
):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(LIST, payload(versailles))

    # Versailles is not among the Crous this officer can choose: an unknown id, no row.
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"crous"}
    assert not Residence.objects.filter(code="talence-1").exists()


def test_bordeaux_officer_cannot_update_a_versailles_residence(
    api_client, two_crous_residences, bordeaux_officer
):
    _, jean_zay = two_crous_residences
    api_client.force_login(bordeaux_officer)

    response = api_client.patch(detail(jean_zay.pk), {"name": "Taken over"})

    assert response.status_code == 404
    jean_zay.refresh_from_db()
    assert jean_zay.name == "Jean Zay"


def test_housing_officer_renames_a_residence(api_client, two_crous_residences, bordeaux_officer):
    pessac, _ = two_crous_residences
    api_client.force_login(bordeaux_officer)

    response = api_client.patch(detail(pessac.pk), {"name": "Village 3 bis"})

    assert response.status_code == 200
    pessac.refresh_from_db()
    assert pessac.name == "Village 3 bis"


def test_a_residence_does_not_move_to_another_crous(
    api_client, two_crous_residences, versailles, national_admin
):
    pessac, _ = two_crous_residences
    api_client.force_login(national_admin)

    response = api_client.patch(detail(pessac.pk), {"crous": versailles.pk})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "immutable"
    assert "crous" in response.json()["error"]["fields"]


def test_residence_codes_are_unique_within_a_crous(
    api_client, two_crous_residences, bordeaux, bordeaux_officer
):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(LIST, payload(bordeaux, code="pessac-3"))

    assert response.status_code == 400
    assert "non_field_errors" in response.json()["error"]["fields"]


def test_an_invalid_postal_code_is_a_field_error(api_client, bordeaux, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(LIST, payload(bordeaux, postal_code="3340"))

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"postal_code"}


def test_assistance_agent_may_not_create_residences(api_client, versailles, versailles_agent):
    api_client.force_login(versailles_agent)

    assert api_client.post(LIST, payload(versailles)).status_code == 403


def test_a_role_applies_only_in_the_crous_where_it_is_held(
    api_client, two_crous_residences, bordeaux, versailles, bordeaux_officer
):
    # Given a Bordeaux housing officer who is also an assistance agent (read only) in Versailles
    StaffMembershipFactory(user=bordeaux_officer, crous=versailles, role=Role.ASSISTANCE_AGENT)
    _, jean_zay = two_crous_residences
    api_client.force_login(bordeaux_officer)

    # When they write in Versailles, then the Bordeaux role does not lend its rights
    assert api_client.get(detail(jean_zay.pk)).status_code == 200
    assert api_client.patch(detail(jean_zay.pk), {"name": "X"}).status_code == 403
    assert api_client.post(LIST, payload(versailles)).status_code == 403
    # and in Bordeaux it does
    assert api_client.post(LIST, payload(bordeaux)).status_code == 201
