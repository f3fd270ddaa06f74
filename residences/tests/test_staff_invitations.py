"""Crous administrators invite and deactivate their own staff; national staff everybody."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from crous_admin.accounts.roles import Role
from crous_admin.errors import ApplicationError
from residences.models import StaffMembership
from residences.staff_invitations.models import StaffInvitation
from residences.staff_invitations.services import staff_deactivate, staff_invite


def _link_in(message) -> str:
    return re.search(r"http://\S+/compte/invitation/\S+/", message.body).group(0)


def test_a_bordeaux_admin_invites_a_housing_officer_who_sets_a_password_once(
    client, bordeaux, bordeaux_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = staff_invite(
            crous=bordeaux,
            role=Role.HOUSING_OFFICER,
            email="New.Agent@Crous.example",
            by=bordeaux_admin,
        )

    user = get_user_model().objects.get(email="new.agent@crous.example")
    assert user.is_staff
    assert not user.has_usable_password()
    assert StaffMembership.objects.filter(
        user=user, crous=bordeaux, role=Role.HOUSING_OFFICER
    ).exists()
    assert invitation.invited_by == bordeaux_admin
    assert invitation.history.first().history_user == bordeaux_admin
    (message,) = mailoutbox
    assert message.to == ["new.agent@crous.example"]
    link = _link_in(message).replace("http://127.0.0.1:8000", "")
    # When the invitee follows the link (Django redirects to a URL without the token)
    form_page = client.get(link, follow=True)
    password = "a long enough passphrase 2026"
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )
    user.refresh_from_db()
    assert user.check_password(password)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # Then the link has been used: it opens nothing any more
    again = client.get(link, follow=True)
    assert b"staff-invitation-invalid" in again.content


def test_a_bordeaux_admin_cannot_invite_into_versailles(bordeaux_admin, versailles):
    with pytest.raises(ApplicationError) as refused:
        staff_invite(
            crous=versailles, role=Role.HOUSING_OFFICER, email="x@crous.example", by=bordeaux_admin
        )

    assert refused.value.status == 403
    assert not get_user_model().objects.filter(email="x@crous.example").exists()


def test_a_bordeaux_admin_cannot_grant_the_national_role(bordeaux_admin):
    with pytest.raises(ApplicationError) as refused:
        staff_invite(
            crous=None, role=Role.NATIONAL_ADMIN, email="x@crous.example", by=bordeaux_admin
        )

    assert refused.value.field == "role"
    assert not StaffInvitation.objects.exists()


def test_a_housing_officer_cannot_invite_anybody(bordeaux, bordeaux_officer):
    with pytest.raises(ApplicationError):
        staff_invite(
            crous=bordeaux, role=Role.ASSISTANCE_AGENT, email="x@crous.example", by=bordeaux_officer
        )


def test_a_national_admin_invites_into_any_crous_and_grants_the_national_role(
    national_admin, versailles
):
    staff_invite(
        crous=versailles, role=Role.CROUS_ADMIN, email="a@crous.example", by=national_admin
    )
    staff_invite(crous=None, role=Role.NATIONAL_ADMIN, email="n@crous.example", by=national_admin)

    assert StaffMembership.objects.filter(
        user__email="n@crous.example", role=Role.NATIONAL_ADMIN
    ).exists()


def test_the_back_office_invitation_form_refuses_versailles_to_a_bordeaux_admin(
    client, bordeaux_admin, versailles
):
    client.force_login(bordeaux_admin)

    response = client.post(
        "/admin/residences/staffinvitation/add/",
        {"email": "x@crous.example", "crous": versailles.pk, "role": Role.HOUSING_OFFICER},
    )

    assert response.status_code == 200  # the form again, with an error
    assert not StaffInvitation.objects.exists()


def test_a_bordeaux_admin_sees_only_bordeaux_invitations(
    client, bordeaux, versailles, bordeaux_admin, national_admin
):
    staff_invite(
        crous=bordeaux, role=Role.HOUSING_OFFICER, email="b@crous.example", by=national_admin
    )
    staff_invite(
        crous=versailles, role=Role.HOUSING_OFFICER, email="v@crous.example", by=national_admin
    )
    client.force_login(bordeaux_admin)

    response = client.get("/admin/residences/staffinvitation/")

    assert b"b@crous.example" in response.content
    assert b"v@crous.example" not in response.content


def test_deactivating_withdraws_the_roles_and_closes_an_account_left_without_any(
    bordeaux, bordeaux_admin, bordeaux_officer
):
    withdrawn = staff_deactivate(user=bordeaux_officer, crous=bordeaux, by=bordeaux_admin)

    bordeaux_officer.refresh_from_db()
    assert withdrawn == 1
    assert not bordeaux_officer.is_active
    assert not bordeaux_officer.is_staff
    deleted = StaffMembership.history.filter(user_id=bordeaux_officer.pk, history_type="-").get()
    assert deleted.history_user == bordeaux_admin


def test_a_bordeaux_admin_cannot_deactivate_versailles_staff(
    versailles, bordeaux_admin, versailles_agent
):
    with pytest.raises(ApplicationError):
        staff_deactivate(user=versailles_agent, crous=versailles, by=bordeaux_admin)

    versailles_agent.refresh_from_db()
    assert versailles_agent.is_active
