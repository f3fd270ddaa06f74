"""/api/v1/housing-units/: public read with search filters, staff create and edit."""

from __future__ import annotations

from decimal import Decimal

import factory
import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from residences.models import HousingUnit, UnitStatus, UnitType
from residences.tests.factories import HousingUnitFactory, ResidenceFactory

LIST = reverse("api:housingunit-list")


def detail(pk: int) -> str:
    return reverse("api:housingunit-detail", args=[pk])


@pytest.fixture
def catalogue(bordeaux, versailles):
    """Three Bordeaux units and one in Versailles, different enough to filter."""
    pessac = ResidenceFactory(crous=bordeaux, name="Village 3", city="Pessac")
    talence = ResidenceFactory(crous=bordeaux, name="Talence", city="Talence")
    antony = ResidenceFactory(crous=versailles, name="Jean Zay", city="Antony")
    return {
        "room": HousingUnitFactory(
            residence=pessac, number="R1", monthly_rent=Decimal("250.00"), surface_m2=9
        ),
        "studio": HousingUnitFactory(
            residence=pessac,
            number="S1",
            unit_type=UnitType.STUDIO_T1,
            monthly_rent=Decimal("410.00"),
            surface_m2=18,
            apl_eligible=False,
        ),
        "closed": HousingUnitFactory(
            residence=talence,
            number="C1",
            monthly_rent=Decimal("300.00"),
            status=UnitStatus.UNAVAILABLE,
        ),
        "antony": HousingUnitFactory(residence=antony, number="A1", monthly_rent=Decimal("490")),
    }


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [u["number"] for u in response.json()["results"]]


def test_unit_shows_its_residence_and_crous(api_client, catalogue, bordeaux):
    room = catalogue["room"]

    body = api_client.get(detail(room.pk)).json()

    assert body["residence"] == {
        "id": room.residence_id,
        "code": room.residence.code,
        "name": "Village 3",
        "city": "Pessac",
    }
    assert body["crous"] == {"id": bordeaux.pk, "code": "bordeaux", "name": bordeaux.name}
    assert body["monthly_rent"] == "250.00"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("crous_code=bordeaux", {"R1", "S1", "C1"}),
        ("city=talence", {"C1"}),
        ("unit_type=t1", {"S1"}),
        ("available=true", {"R1", "S1", "A1"}),
        ("available=false", {"C1"}),
        ("rent_min=300&rent_max=450", {"S1", "C1"}),
        ("apl_eligible=false", {"S1"}),
        ("crous_code=bordeaux&available=true&rent_max=400", {"R1"}),
    ],
)
def test_units_are_filtered(api_client, catalogue, query, expected):
    assert set(numbers(api_client.get(f"{LIST}?{query}"))) == expected


def test_units_are_filtered_by_crous_and_residence_ids(api_client, catalogue, versailles):
    room = catalogue["room"]

    assert numbers(api_client.get(LIST, {"crous": versailles.pk})) == ["A1"]
    assert set(numbers(api_client.get(LIST, {"residence": room.residence_id}))) == {"R1", "S1"}


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("monthly_rent", ["R1", "C1", "S1", "A1"]),
        ("-monthly_rent", ["A1", "S1", "C1", "R1"]),
        ("-surface_m2,number", ["S1", "A1", "C1", "R1"]),
    ],
)
def test_units_are_ordered(api_client, catalogue, ordering, expected):
    assert numbers(api_client.get(LIST, {"ordering": ordering})) == expected


def test_a_wrong_filter_value_is_a_400_naming_the_parameter(api_client, catalogue):
    response = api_client.get(LIST, {"unit_type": "castle"})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"unit_type"}


def test_bordeaux_officer_lists_no_versailles_unit(api_client, catalogue, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    assert set(numbers(api_client.get(LIST))) == {"R1", "S1", "C1"}
    assert api_client.get(detail(catalogue["antony"].pk)).status_code == 404


def test_housing_officer_adds_a_unit_to_a_residence_of_their_crous(
    api_client, catalogue, bordeaux_officer
):
    api_client.force_login(bordeaux_officer)
    payload = {
        "residence": catalogue["room"].residence_id,
        "number": "R2",
        "unit_type": "room",
        "surface_m2": "9.5",
        "monthly_rent": "255.50",
    }

    response = api_client.post(LIST, payload)

    assert response.status_code == 201, response.json()
    unit = HousingUnit.objects.get(number="R2")
    assert unit.status == UnitStatus.AVAILABLE
    assert response.json()["crous"]["code"] == "bordeaux"


def test_bordeaux_officer_cannot_add_a_unit_to_a_versailles_residence(
    api_client, catalogue, bordeaux_officer
):
    api_client.force_login(bordeaux_officer)
    payload = {
        "residence": catalogue["antony"].residence_id,
        "number": "X1",
        "unit_type": "room",
        "surface_m2": "9",
        "monthly_rent": "250",
    }

    response = api_client.post(LIST, payload)

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"residence"}
    assert not HousingUnit.objects.filter(number="X1").exists()


def test_a_unit_is_not_marked_occupied_by_hand(api_client, catalogue, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    response = api_client.patch(detail(catalogue["room"].pk), {"status": "occupied"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "status_occupied_by_file"


def test_an_occupied_unit_keeps_its_status_until_its_file_ends(
    api_client, bordeaux, bordeaux_officer
):
    from tenants.tests.factories import TenantFileFactory

    unit = TenantFileFactory(crous=bordeaux, unit__status=UnitStatus.OCCUPIED).unit
    api_client.force_login(bordeaux_officer)

    response = api_client.patch(detail(unit.pk), {"status": "unavailable"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "unit_occupied"
    # The rent of an occupied unit may still change.
    assert api_client.patch(detail(unit.pk), {"monthly_rent": "270.00"}).status_code == 200


def test_housing_officer_closes_a_free_unit_for_works(api_client, catalogue, bordeaux_officer):
    api_client.force_login(bordeaux_officer)

    response = api_client.patch(detail(catalogue["room"].pk), {"status": "unavailable"})

    assert response.status_code == 200
    catalogue["room"].refresh_from_db()
    assert catalogue["room"].status == UnitStatus.UNAVAILABLE


# --- Query budget -------------------------------------------------------------------------


@pytest.fixture
def many_units(bordeaux):
    residences = ResidenceFactory.create_batch(3, crous=bordeaux)
    return HousingUnitFactory.create_batch(120, residence=factory.Iterator(residences))


@pytest.mark.parametrize("page_size", [5, 100])
def test_unit_list_costs_the_same_queries_whatever_the_page_size_for_staff(
    api_client, many_units, bordeaux_officer, django_assert_num_queries, page_size
):
    api_client.force_login(bordeaux_officer)

    # 1 session, 2 user, 3 staff memberships (scope and role permissions),
    # 4 count, 5 the page with residences and Crous joined
    with django_assert_num_queries(5):
        response = api_client.get(LIST, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [5, 100])
def test_unit_list_costs_the_same_queries_whatever_the_page_size_with_a_token(
    api_client, many_units, bordeaux_officer, django_assert_num_queries, page_size
):
    token = Token.objects.create(user=bordeaux_officer)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    # 1 token with its user, 2 staff memberships, 3 count, 4 the page
    with django_assert_num_queries(4):
        response = api_client.get(LIST, {"page_size": page_size})

    assert response.json()["count"] == 120
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [5, 100])
def test_unit_list_costs_two_queries_for_anonymous_visitors(
    api_client, many_units, django_assert_num_queries, page_size
):
    # 1 count, 2 the page
    with django_assert_num_queries(2):
        response = api_client.get(LIST, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size
