"""/api/v1/crous/: the public list of Crous, settings edited by each Crous' administrator."""

from __future__ import annotations

import pytest
from django.urls import reverse

from residences.models import Crous
from residences.tests.factories import CrousFactory

LIST = reverse("api:crous-list")


def detail(pk: int) -> str:
    return reverse("api:crous-detail", args=[pk])


def test_anonymous_reads_every_crous(api_client, bordeaux, versailles):
    response = api_client.get(LIST)

    assert response.status_code == 200
    assert {c["code"] for c in response.json()["results"]} == {"bordeaux", "versailles"}


def test_bordeaux_officer_lists_only_bordeaux(api_client, bordeaux, versailles, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    response = api_client.get(LIST)

    assert [c["code"] for c in response.json()["results"]] == ["bordeaux"]


def test_crous_shows_its_settings(api_client, bordeaux):
    body = api_client.get(detail(bordeaux.pk)).json()

    assert body["time_zone"] == "Europe/Paris"
    assert body["code_max_attempts"] == bordeaux.code_max_attempts


def test_crous_admin_changes_the_settings_of_their_crous(api_client, bordeaux, bordeaux_admin):
    api_client.force_login(bordeaux_admin)

    response = api_client.patch(
        detail(bordeaux.pk), {"code_block_hours": 6, "time_zone": "Indian/Reunion"}
    )

    assert response.status_code == 200, response.json()
    bordeaux.refresh_from_db()
    assert bordeaux.code_block_hours == 6
    assert str(bordeaux.time_zone) == "Indian/Reunion"
    assert bordeaux.history.latest().history_user == bordeaux_admin


def test_crous_admin_cannot_reach_another_crous(api_client, bordeaux, versailles, bordeaux_admin):
    api_client.force_login(bordeaux_admin)

    response = api_client.patch(detail(versailles.pk), {"code_block_hours": 6})

    assert response.status_code == 404
    assert response.json() == api_client.patch(detail(999_999), {}).json()
    versailles.refresh_from_db()
    assert versailles.code_block_hours == 3


def test_housing_officer_may_not_change_crous_settings(api_client, bordeaux, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    response = api_client.patch(detail(bordeaux.pk), {"code_block_hours": 6})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_crous_names_stay_unique_across_the_network(
    api_client, bordeaux, versailles, bordeaux_admin
):
    # Given a Crous administrator who only sees their own Crous
    api_client.force_login(bordeaux_admin)

    # When they take the name of a Crous they cannot see
    response = api_client.patch(detail(bordeaux.pk), {"name": versailles.name})

    # Then the uniqueness is still checked against the whole network: a 400, not a 500
    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]


def test_an_invalid_time_zone_is_a_field_error(api_client, bordeaux, bordeaux_admin):
    api_client.force_login(bordeaux_admin)

    response = api_client.patch(detail(bordeaux.pk), {"time_zone": "Mars/Olympus"})

    assert response.status_code == 400
    assert "time_zone" in response.json()["error"]["fields"]


def test_only_a_national_admin_creates_a_crous(api_client, bordeaux_admin, national_admin):
    payload = {
        "code": "reunion",
        "name": "Crous de La Réunion",
        "time_zone": "Indian/Reunion",
        "contact_email": "contact@crous-reunion.example",
        "sms_sender_name": "CROUS974",
        "holiday_subdivision": "974",
    }
    api_client.force_login(bordeaux_admin)
    assert api_client.post(LIST, payload).status_code == 403

    api_client.force_login(national_admin)
    response = api_client.post(LIST, payload)

    assert response.status_code == 201, response.json()
    assert Crous.objects.get(code="reunion").holiday_subdivision == "974"


@pytest.mark.parametrize("method", ["delete", "put"])
def test_a_crous_is_never_deleted_and_the_list_is_not_replaced(api_client, national_admin, method):
    crous = CrousFactory()
    api_client.force_login(national_admin)

    response = getattr(api_client, method)(detail(crous.pk) if method == "delete" else LIST)

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
