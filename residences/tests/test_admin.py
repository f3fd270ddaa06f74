from __future__ import annotations

import pytest
from django.urls import reverse

from crous_admin.accounts.roles import Role
from residences.models import HousingUnit, Residence, StaffMembership, UnitStatus
from residences.tests.factories import (
    HousingUnitFactory,
    ResidenceFactory,
    StaffMembershipFactory,
    UserFactory,
)


def _changelist(model: str) -> str:
    return reverse(f"admin:residences_{model}_changelist")


def _rows(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


# --- Scoping ---------------------------------------------------------------------------------


def test_bordeaux_officer_sees_no_versailles_residence_or_unit(
    client, bordeaux, versailles, bordeaux_officer
):
    mine = HousingUnitFactory(residence__crous=bordeaux, residence__name="Village 1")
    HousingUnitFactory.create_batch(2, residence__crous=versailles, residence__name="Jussieu")
    client.force_login(bordeaux_officer)

    residences = _rows(client.get(_changelist("residence")))
    units = _rows(client.get(_changelist("housingunit")))
    crous = _rows(client.get(_changelist("crous")))

    assert [r.crous_id for r in residences] == [bordeaux.pk]
    assert units == [mine]
    assert crous == [bordeaux]


def test_bordeaux_admin_sees_only_bordeaux_memberships(
    client, bordeaux, versailles, bordeaux_admin, versailles_agent, national_admin
):
    client.force_login(bordeaux_admin)

    rows = _rows(client.get(_changelist("staffmembership")))

    # The national membership has no Crous: not a Bordeaux row either.
    assert {(m.user.email, m.crous_id) for m in rows} == {(bordeaux_admin.email, bordeaux.pk)}


@pytest.mark.parametrize("view", ["change", "history", "delete"])
@pytest.mark.parametrize("model", ["residence", "housingunit", "crous"])
def test_a_versailles_object_answers_the_same_404_as_a_missing_one(
    client, bordeaux, versailles, bordeaux_admin, model, view
):
    unit = HousingUnitFactory(residence__crous=versailles, residence__name="Jussieu")
    versailles_object = {
        "residence": unit.residence,
        "housingunit": unit,
        "crous": versailles,
    }[model]
    client.force_login(bordeaux_admin)

    theirs = client.get(reverse(f"admin:residences_{model}_{view}", args=[versailles_object.pk]))
    missing = client.get(reverse(f"admin:residences_{model}_{view}", args=[999_999]))

    assert theirs.status_code == missing.status_code == 404
    assert b"Jussieu" not in theirs.content
    assert b"Versailles" not in theirs.content


def test_history_of_a_deleted_versailles_residence_is_not_shown(
    client, bordeaux, versailles, bordeaux_admin
):
    # simple-history would fall back to the last historical version of a missing object.
    residence = ResidenceFactory(crous=versailles, name="Jussieu")
    residence_id = residence.pk
    residence.delete()
    client.force_login(bordeaux_admin)

    response = client.get(reverse("admin:residences_residence_history", args=[residence_id]))

    assert response.status_code == 404


def test_a_version_of_a_versailles_residence_is_not_shown(
    client, bordeaux, versailles, bordeaux_admin
):
    residence = ResidenceFactory(crous=versailles, name="Jussieu")
    version = residence.history.get()
    client.force_login(bordeaux_admin)

    url = reverse(
        "admin:residences_residence_simple_history", args=[residence.pk, version.history_id]
    )
    response = client.get(url)

    assert response.status_code == 404


def test_reverting_to_an_old_version_is_refused(client, bordeaux, bordeaux_admin):
    residence = ResidenceFactory(crous=bordeaux, name="Old name")
    version = residence.history.get()
    residence.name = "New name"
    residence.save()
    client.force_login(bordeaux_admin)

    url = reverse(
        "admin:residences_residence_simple_history", args=[residence.pk, version.history_id]
    )
    shown = client.get(url)
    posted = client.post(url, {"name": "Old name"})

    assert shown.status_code == 200
    assert posted.status_code == 405
    residence.refresh_from_db()
    assert residence.name == "New name"


# --- Foreign-key choices -----------------------------------------------------------------------


def test_residence_add_form_offers_only_the_viewers_crous(
    client, bordeaux, versailles, bordeaux_officer
):
    client.force_login(bordeaux_officer)

    response = client.get(reverse("admin:residences_residence_add"))

    field = response.context["adminform"].form.fields["crous"]
    assert list(field.queryset) == [bordeaux]
    assert f'value="{versailles.pk}"'.encode() not in response.content
    # A single Crous is preselected.
    assert response.context["adminform"].form.initial["crous"] == bordeaux.pk


def test_residence_autocomplete_answers_only_the_viewers_residences(
    client, bordeaux, versailles, bordeaux_officer
):
    mine = ResidenceFactory(crous=bordeaux, name="Résidence Condorcet")
    ResidenceFactory(crous=versailles, name="Résidence Jussieu")
    client.force_login(bordeaux_officer)

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "residences", "model_name": "housingunit", "field_name": "residence"},
    )

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(mine.pk)]


def test_creating_a_residence_in_versailles_as_a_bordeaux_officer_fails_with_a_form_error(
    client, bordeaux, versailles, bordeaux_officer
):
    client.force_login(bordeaux_officer)

    response = client.post(
        reverse("admin:residences_residence_add"),
        {
            "crous": versailles.pk,
            "code": "jussieu",
            "name": "Jussieu",
            "address": "1 rue Jussieu",
            "postal_code": "78000",
            "city": "Versailles",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert "crous" in response.context["adminform"].form.errors
    assert not Residence.objects.exists()


def test_bordeaux_officer_creates_a_bordeaux_residence_with_its_history(
    client, bordeaux, bordeaux_officer
):
    client.force_login(bordeaux_officer)

    response = client.post(
        reverse("admin:residences_residence_add"),
        {
            "crous": bordeaux.pk,
            "code": "village-1",
            "name": "Village 1",
            "address": "Domaine universitaire",
            "postal_code": "33400",
            "city": "Talence",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    residence = Residence.objects.get()
    assert residence.crous == bordeaux
    assert residence.history.get().history_user == bordeaux_officer


def test_residence_list_links_to_its_units(client, bordeaux, bordeaux_officer):
    residence = ResidenceFactory(crous=bordeaux)
    HousingUnitFactory.create_batch(3, residence=residence)
    HousingUnitFactory(residence__crous=bordeaux)
    client.force_login(bordeaux_officer)

    listed = client.get(_changelist("residence"))
    units = client.get(_changelist("housingunit"), {"residence": residence.pk})

    assert [r.unit_count for r in listed.context["cl"].result_list if r == residence] == [3]
    assert f"?residence={residence.pk}".encode() in listed.content
    assert len(_rows(units)) == 3


def test_occupied_is_not_a_status_set_by_hand(client, bordeaux, bordeaux_officer):
    unit = HousingUnitFactory(residence__crous=bordeaux)
    client.force_login(bordeaux_officer)

    response = client.get(reverse("admin:residences_housingunit_change", args=[unit.pk]))

    choices = [value for value, _ in response.context["adminform"].form.fields["status"].choices]
    assert UnitStatus.OCCUPIED not in choices
    assert UnitStatus.UNAVAILABLE in choices


# --- Crous settings ---------------------------------------------------------------------------


def test_crous_admin_changes_their_crous_settings_but_not_its_code(
    client, bordeaux, bordeaux_admin
):
    client.force_login(bordeaux_admin)
    url = reverse("admin:residences_crous_change", args=[bordeaux.pk])

    response = client.post(
        url,
        {
            "name": bordeaux.name,
            "code": "renamed",
            "time_zone": "Europe/Paris",
            "contact_email": "logement@crous-bordeaux.example",
            "sms_sender_name": "CROUS BX",
            "code_validity_days": 15,
            "code_max_attempts": 5,
            "code_block_hours": 3,
            "assistance_target_business_days": 4,
            "holiday_subdivision": "",
        },
    )

    assert response.status_code == 302
    bordeaux.refresh_from_db()
    assert (bordeaux.code_validity_days, bordeaux.code) == (15, "bordeaux")


def test_only_national_staff_create_a_crous(client, bordeaux_admin, national_admin):
    client.force_login(bordeaux_admin)
    assert client.get(reverse("admin:residences_crous_add")).status_code == 403

    client.force_login(national_admin)
    assert client.get(reverse("admin:residences_crous_add")).status_code == 200


# --- Staff memberships ------------------------------------------------------------------------


def _autocomplete_users(client, term: str) -> list[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "residences",
            "model_name": "staffmembership",
            "field_name": "user",
            "term": term,
        },
    )
    assert response.status_code == 200
    return [r["text"] for r in response.json()["results"]]


def test_crous_admin_finds_a_user_by_exact_email_only(client, bordeaux_admin, versailles_agent):
    UserFactory(email="camille.durand@crous-bordeaux.example")
    client.force_login(bordeaux_admin)

    assert _autocomplete_users(client, "crous") == []
    assert _autocomplete_users(client, "") == []
    assert _autocomplete_users(client, "Camille.Durand@crous-bordeaux.example") == [
        "camille.durand@crous-bordeaux.example"
    ]


def test_national_admin_searches_users_freely(client, national_admin, versailles_agent):
    client.force_login(national_admin)

    assert _autocomplete_users(client, "versailles") == [versailles_agent.email]


def test_housing_officer_cannot_look_users_up(client, bordeaux_officer):
    client.force_login(bordeaux_officer)

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "residences", "model_name": "staffmembership", "field_name": "user"},
    )

    assert response.status_code == 403


def test_users_are_not_looked_up_through_a_field_without_autocomplete(client, bordeaux_admin):
    # Student.user is not an autocomplete field of the student admin.
    client.force_login(bordeaux_admin)

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "tenants", "model_name": "student", "field_name": "user", "term": "a"},
    )

    assert response.status_code == 403


def test_crous_admin_cannot_grant_the_national_role(client, bordeaux, bordeaux_admin):
    newcomer = UserFactory(email="newcomer@crous-bordeaux.example")
    client.force_login(bordeaux_admin)
    url = reverse("admin:residences_staffmembership_add")

    shown = client.get(url)
    posted = client.post(url, {"user": newcomer.pk, "crous": "", "role": Role.NATIONAL_ADMIN})

    roles = [value for value, _ in shown.context["adminform"].form.fields["role"].choices]
    assert Role.NATIONAL_ADMIN not in roles
    assert Role.CROUS_ADMIN in roles
    assert posted.status_code == 200
    assert set(posted.context["adminform"].form.errors) == {"crous", "role"}
    assert not StaffMembership.objects.filter(user=newcomer).exists()


def test_national_admin_grants_the_national_role(client, national_admin):
    newcomer = UserFactory(email="newcomer@cnous.example")
    client.force_login(national_admin)

    response = client.post(
        reverse("admin:residences_staffmembership_add"),
        {"user": newcomer.pk, "crous": "", "role": Role.NATIONAL_ADMIN},
    )

    assert response.status_code == 302
    assert StaffMembership.objects.get(user=newcomer).role == Role.NATIONAL_ADMIN


def test_a_membership_opens_the_back_office_and_its_removal_closes_it(
    client, bordeaux, bordeaux_admin
):
    newcomer = UserFactory(email="newcomer@crous-bordeaux.example")
    client.force_login(bordeaux_admin)

    client.post(
        reverse("admin:residences_staffmembership_add"),
        {"user": newcomer.pk, "crous": bordeaux.pk, "role": Role.HOUSING_OFFICER},
    )
    newcomer.refresh_from_db()
    assert newcomer.is_staff

    membership = StaffMembership.objects.get(user=newcomer)
    client.post(
        reverse("admin:residences_staffmembership_delete", args=[membership.pk]), {"post": "yes"}
    )
    newcomer.refresh_from_db()
    assert not newcomer.is_staff


def test_removing_one_of_two_roles_keeps_back_office_access(
    client, bordeaux, versailles, bordeaux_admin
):
    # The Versailles role is invisible to the Bordeaux admin, and still counts.
    person = StaffMembershipFactory(crous=versailles, role=Role.ASSISTANCE_AGENT).user
    membership = StaffMembershipFactory(user=person, crous=bordeaux, role=Role.HOUSING_OFFICER)
    client.force_login(bordeaux_admin)

    client.post(
        reverse("admin:residences_staffmembership_delete", args=[membership.pk]), {"post": "yes"}
    )

    person.refresh_from_db()
    assert not StaffMembership.objects.filter(pk=membership.pk).exists()
    assert person.is_staff


# --- Query budgets ----------------------------------------------------------------------------

# Every changelist request starts with the same five queries: the session, the user, the
# user's staff memberships (scope and role permissions, cached on the user object), and
# Django's ModelBackend reading the user's own and group permissions (none: roles are code).


@pytest.mark.parametrize("rows", [3, 30])
def test_residence_list_queries_do_not_grow_with_rows(
    client, bordeaux, bordeaux_officer, django_assert_max_num_queries, rows
):
    for residence in ResidenceFactory.create_batch(rows, crous=bordeaux):
        HousingUnitFactory(residence=residence)
    client.force_login(bordeaux_officer)

    # session, user, memberships, user permissions, group permissions; "Crous" filter
    # choices, "city" filter choices; page count, page rows (with their Crous, unit counts)
    with django_assert_max_num_queries(9):
        response = client.get(_changelist("residence"))

    assert len(_rows(response)) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_housing_unit_list_queries_do_not_grow_with_rows(
    client, bordeaux, bordeaux_officer, django_assert_max_num_queries, rows
):
    HousingUnitFactory.create_batch(rows, residence__crous=bordeaux)
    client.force_login(bordeaux_officer)

    # session, user, memberships, user permissions, group permissions; "Crous" filter
    # choices, "residence" filter choices; page count, page rows (with their residence)
    with django_assert_max_num_queries(9):
        response = client.get(_changelist("housingunit"))

    assert len(_rows(response)) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_membership_list_queries_do_not_grow_with_rows(
    client, bordeaux, bordeaux_admin, django_assert_max_num_queries, rows
):
    StaffMembershipFactory.create_batch(rows - 1, crous=bordeaux)
    client.force_login(bordeaux_admin)

    # session, user, memberships, user permissions, group permissions; "Crous" filter
    # choices; page count, page rows (with their user and Crous)
    with django_assert_max_num_queries(8):
        response = client.get(_changelist("staffmembership"))

    assert len(_rows(response)) == rows


def test_unit_count_is_of_the_listed_residence_only(client, bordeaux, bordeaux_officer):
    empty = ResidenceFactory(crous=bordeaux)
    full = ResidenceFactory(crous=bordeaux)
    HousingUnitFactory.create_batch(2, residence=full)
    client.force_login(bordeaux_officer)

    rows = _rows(client.get(_changelist("residence")))

    assert {r.pk: r.unit_count for r in rows} == {empty.pk: 0, full.pk: 2}
    assert HousingUnit.objects.count() == 2
