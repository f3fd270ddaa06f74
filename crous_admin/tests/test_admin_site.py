from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from crous_admin.accounts.roles import Role
from crous_admin.admin import CrousAdminSite
from residences.tests.factories import UserFactory


def test_admin_site_is_the_crous_back_office():
    assert isinstance(admin.site, CrousAdminSite)
    assert not admin.site.is_registered(Group)  # roles are code, not Django groups


@pytest.mark.parametrize("language", ["fr", "en"])
def test_back_office_home_renders_in_the_requested_language(client, bordeaux_officer, language):
    client.force_login(bordeaux_officer)

    response = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert response["Content-Language"] == language
    with translation.override(language):
        assert str(admin.site.site_header) in response.content.decode()
        assert translation.gettext("Log out") in response.content.decode()  # Django's own


def test_staff_flag_without_any_role_does_not_open_the_back_office(client, db):
    user = UserFactory(is_staff=True)
    client.force_login(user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_superuser_without_role_opens_the_back_office(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get(reverse("admin:index")).status_code == 200


def test_inactive_staff_member_is_sent_to_the_login_page(client, bordeaux_officer):
    bordeaux_officer.is_active = False
    bordeaux_officer.save()
    client.force_login(bordeaux_officer)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302


def test_student_is_sent_to_the_admin_login_page(client, linked_student):
    client.force_login(linked_student)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def _index_models(client) -> set[str]:
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return {m["object_name"] for app in response.context["app_list"] for m in app["models"]}


def test_housing_officer_home_lists_no_users_memberships_or_technical_tables(
    client, bordeaux_officer
):
    client.force_login(bordeaux_officer)

    listed = _index_models(client)

    assert {"Crous", "Residence", "HousingUnit", "Student", "TenantFile"} <= listed
    assert not listed & {"User", "StaffMembership", "Heartbeat", "PeriodicTask", "TokenProxy"}


def test_national_admin_home_also_lists_users_and_memberships(client, national_admin):
    client.force_login(national_admin)

    assert {"User", "StaffMembership"} <= _index_models(client)


# --- Users -----------------------------------------------------------------------------------


def test_national_admin_creates_a_user_by_email(client, national_admin):
    client.force_login(national_admin)

    response = client.post(
        reverse("admin:accounts_user_add"),
        {"email": "Nouvel.Agent@Crous-Lille.example", "usable_password": "false"},
    )

    assert response.status_code == 302
    user = type(national_admin).objects.get(email="nouvel.agent@crous-lille.example")
    assert not user.has_usable_password()


def test_national_admin_cannot_create_a_duplicate_email(client, national_admin, bordeaux_officer):
    client.force_login(national_admin)

    response = client.post(
        reverse("admin:accounts_user_add"),
        {"email": bordeaux_officer.email.upper(), "usable_password": "false"},
    )

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors


def test_national_admin_cannot_make_a_superuser(client, national_admin, bordeaux_officer):
    client.force_login(national_admin)

    response = client.get(reverse("admin:accounts_user_change", args=[bordeaux_officer.pk]))

    assert response.status_code == 200
    assert "is_superuser" not in response.context["adminform"].form.fields
    assert "is_staff" in response.context["adminform"].form.fields


def test_national_admin_cannot_change_a_superusers_account(client, national_admin):
    root = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(national_admin)

    change = client.post(
        reverse("admin:accounts_user_change", args=[root.pk]), {"email": "taken@example.org"}
    )
    password = client.get(reverse("admin:auth_user_password_change", args=[root.pk]))

    assert change.status_code == 403
    assert password.status_code == 403


def test_a_role_held_in_another_crous_does_not_grant_changes_here(
    client, bordeaux, versailles, versailles_agent
):
    # Given the Versailles (read-only) agent is also a housing officer in Bordeaux
    from residences.tests.factories import ResidenceFactory, StaffMembershipFactory

    StaffMembershipFactory(user=versailles_agent, crous=bordeaux, role=Role.HOUSING_OFFICER)
    in_versailles = ResidenceFactory(crous=versailles)
    in_bordeaux = ResidenceFactory(crous=bordeaux)
    client.force_login(versailles_agent)

    # When they post a change to each Crous' residence
    url = "/admin/residences/residence/{}/change/"
    refused = client.post(url.format(in_versailles.pk), {"name": "Renamed"})
    allowed = client.get(url.format(in_bordeaux.pk))

    # Then Versailles refuses the change (the officer role is held in Bordeaux only)
    assert refused.status_code == 403
    assert allowed.status_code == 200
    in_versailles.refresh_from_db()
    assert in_versailles.name != "Renamed"
