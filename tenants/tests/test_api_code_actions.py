"""/api/v1/tenant-files/: the code's state in the answers, assignment with a code, and the
staff actions (resend, hand over, unlink, relink, change unit, transfer)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from crous_admin.accounts.roles import Role
from notifications.models import Message
from residences.models import UnitStatus
from residences.tests.factories import HousingUnitFactory, StaffMembershipFactory, UserFactory
from tenants.code_redemption import tenant_code_redeem
from tenants.code_services import tenant_file_assign
from tenants.codes import code_matches
from tenants.models import CodeDelivery, TenantFile, TenantFileStatus
from tenants.tests.factories import StudentFactory, TenantFileFactory

LIST = reverse("api:tenantfile-list")
CODE_FIELDS = {
    "linked",
    "linked_at",
    "code_issued_at",
    "code_expires_at",
    "code_delivery",
    "code_handed_over_at",
}


def action(name: str, tenant_file) -> str:
    return reverse(f"api:tenantfile-{name}", args=[tenant_file.pk])


@pytest.fixture
def assigned(bordeaux, bordeaux_officer):
    return tenant_file_assign(
        by=bordeaux_officer,
        student=StudentFactory(crous=bordeaux, email="lina.roux@etu.example"),
        unit=HousingUnitFactory(residence__crous=bordeaux),
        start_date=date(2026, 9, 1),
        end_date=date(2027, 6, 30),
    )


@pytest.fixture
def linked(assigned):
    account = UserFactory(email="lina.roux@etu.example")
    tenant_code_redeem(user=account, raw_code=assigned.code)
    return TenantFile.objects.get(pk=assigned.tenant_file.pk)


@pytest.fixture
def officer_client(api_client, bordeaux_officer):
    api_client.force_login(bordeaux_officer)
    return api_client


# --- What the answers show -------------------------------------------------------------------


def test_files_show_the_codes_state_but_never_the_code_or_its_hmac(officer_client, linked):
    body = officer_client.get(reverse("api:tenantfile-detail", args=[linked.pk])).json()

    assert set(body) >= CODE_FIELDS
    assert not {"code", "code_display", "code_hmac", "hand_over"} & set(body)
    assert body["linked"] is True
    assert body["code_delivery"] == CodeDelivery.EMAIL
    assert body["linked_at"] is not None
    assert body["code_expires_at"] is not None


def test_files_are_filtered_by_whether_an_account_is_linked(
    officer_client, linked, bordeaux, versailles
):
    waiting = TenantFileFactory(crous=bordeaux)
    TenantFileFactory(crous=versailles)

    def ids(**query) -> set[int]:
        response = officer_client.get(LIST, query)
        assert response.status_code == 200, response.json()
        return {f["id"] for f in response.json()["results"]}

    assert ids(linked="true") == {linked.pk}
    assert ids(linked="false") == {waiting.pk}
    assert ids(linked="false", search=waiting.student.ine.lower()) == {waiting.pk}
    assert ids() == {linked.pk, waiting.pk}


# --- Assignment ------------------------------------------------------------------------------


def _create_payload(bordeaux, **extra) -> dict:
    return {
        "student": StudentFactory(crous=bordeaux).pk,
        "unit": HousingUnitFactory(residence__crous=bordeaux).pk,
        "start_date": "2026-09-01",
        "end_date": "2027-06-30",
        **extra,
    }


def test_creating_a_file_emails_its_code_and_returns_no_code(officer_client, bordeaux):
    response = officer_client.post(LIST, _create_payload(bordeaux))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["code"], body["code_display"]) == (None, None)
    assert body["code_delivery"] == CodeDelivery.EMAIL
    assert Message.objects.filter(template_key="tenant_code").count() == 1


def test_creating_a_file_to_hand_over_returns_its_code_once_and_sends_no_email(
    officer_client, bordeaux, bordeaux_officer
):
    response = officer_client.post(LIST, _create_payload(bordeaux, hand_over=True))

    assert response.status_code == 201, response.json()
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    tenant_file = TenantFile.objects.get(pk=body["id"])
    assert code_matches(body["code"], tenant_file.code_hmac)
    assert body["code_display"].replace("-", "") == body["code"]
    assert body["code_delivery"] == CodeDelivery.HAND_OVER
    assert tenant_file.code_handed_over_by == bordeaux_officer
    assert not Message.objects.exists()


# --- Resend and hand-over ----------------------------------------------------------------------


def test_resend_issues_a_fresh_code_and_emails_it(officer_client, assigned):
    tenant_file = assigned.tenant_file

    response = officer_client.post(action("resend-code", tenant_file))

    assert response.status_code == 200, response.json()
    assert "code" not in response.json()
    tenant_file.refresh_from_db()
    assert not code_matches(assigned.code, tenant_file.code_hmac)
    assert Message.objects.count() == 2


def test_resending_the_code_of_an_ended_file_is_a_conflict(officer_client, bordeaux):
    ended = TenantFileFactory(crous=bordeaux, status=TenantFileStatus.ENDED)

    response = officer_client.post(action("resend-code", ended))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "file_not_current"


def test_hand_over_returns_the_fresh_code_once_and_records_the_delivery(
    officer_client, assigned, bordeaux_officer
):
    tenant_file = assigned.tenant_file

    response = officer_client.post(action("hand-over-code", tenant_file))

    assert response.status_code == 200, response.json()
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    tenant_file.refresh_from_db()
    assert code_matches(body["code"], tenant_file.code_hmac)
    assert body["code_delivery"] == CodeDelivery.HAND_OVER
    assert body["code_handed_over_at"] is not None
    assert tenant_file.code_handed_over_by == bordeaux_officer
    assert Message.objects.count() == 1  # the assignment's email only
    # Read again, the file shows no code.
    again = officer_client.get(reverse("api:tenantfile-detail", args=[tenant_file.pk])).json()
    assert "code" not in again


# --- Unlink and relink ------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [{}, {"reason": ""}])
def test_unlink_needs_a_reason(officer_client, linked, payload):
    response = officer_client.post(action("unlink", linked), payload, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"reason"}
    linked.refresh_from_db()
    assert linked.linked_user is not None


def test_unlink_cuts_the_link(officer_client, linked):
    response = officer_client.post(action("unlink", linked), {"reason": "lost access"})

    assert response.status_code == 200, response.json()
    assert (response.json()["linked"], response.json()["status"]) == (False, "assigned")
    assert linked.history.latest().history_change_reason == "account unlinked: lost access"


def test_unlinking_a_file_without_an_account_is_a_conflict(officer_client, assigned):
    response = officer_client.post(action("unlink", assigned.tenant_file), {"reason": "x"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_linked"


def test_relink_needs_an_existing_account(officer_client, assigned):
    response = officer_client.post(
        action("relink", assigned.tenant_file), {"user_email": "nobody@etu.example"}
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"user_email"}


def test_relink_is_a_conflict_while_another_account_is_linked(officer_client, linked):
    UserFactory(email="lina.new@etu.example")

    response = officer_client.post(action("relink", linked), {"user_email": "lina.new@etu.example"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "linked_to_another_account"


def test_relink_links_the_account_after_an_unlink(officer_client, linked):
    account = UserFactory(email="lina.new@etu.example")
    officer_client.post(action("unlink", linked), {"reason": "lost access"})

    response = officer_client.post(action("relink", linked), {"user_email": "Lina.New@etu.example"})

    assert response.status_code == 200, response.json()
    assert response.json()["linked"] is True
    linked.refresh_from_db()
    assert linked.linked_user == account


# --- Change of unit ---------------------------------------------------------------------------


def test_change_unit_moves_the_file_and_keeps_the_link(officer_client, linked, bordeaux):
    new_unit = HousingUnitFactory(residence__crous=bordeaux)

    response = officer_client.post(action("change-unit", linked), {"unit": new_unit.pk})

    assert response.status_code == 200, response.json()
    assert response.json()["unit"]["id"] == new_unit.pk
    assert response.json()["linked"] is True
    new_unit.refresh_from_db()
    assert new_unit.status == UnitStatus.OCCUPIED
    assert Message.objects.count() == 1  # no new code asked


def test_change_unit_refuses_a_taken_unit_and_cannot_see_another_crous(
    officer_client, assigned, bordeaux, versailles
):
    taken = HousingUnitFactory(residence__crous=bordeaux, status=UnitStatus.OCCUPIED)
    elsewhere = HousingUnitFactory(residence__crous=versailles)

    conflict = officer_client.post(action("change-unit", assigned.tenant_file), {"unit": taken.pk})
    invisible = officer_client.post(
        action("change-unit", assigned.tenant_file), {"unit": elsewhere.pk}
    )

    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "unit_not_free"
    assert invisible.status_code == 400
    assert set(invisible.json()["error"]["fields"]) == {"unit"}


# --- Transfer ---------------------------------------------------------------------------------


def _transfer(client, tenant_file, unit):
    return client.post(
        action("transfer", tenant_file),
        {"unit": unit.pk, "start_date": "2027-01-04", "end_date": "2027-06-30"},
    )


def test_an_officer_of_one_crous_may_not_transfer(officer_client, assigned, versailles):
    response = _transfer(
        officer_client, assigned.tenant_file, HousingUnitFactory(residence__crous=versailles)
    )

    assert response.status_code == 403
    assert TenantFile.objects.count() == 1


def test_transfer_needs_the_rights_in_the_target_crous(
    api_client, assigned, bordeaux_officer, versailles
):
    # A housing officer in Bordeaux and Toulouse, only an assistance agent in Versailles.
    StaffMembershipFactory(crous__code="toulouse", role=Role.HOUSING_OFFICER, user=bordeaux_officer)
    StaffMembershipFactory(crous=versailles, role=Role.ASSISTANCE_AGENT, user=bordeaux_officer)
    api_client.force_login(bordeaux_officer)

    response = _transfer(
        api_client, assigned.tenant_file, HousingUnitFactory(residence__crous=versailles)
    )

    assert response.status_code == 403
    assert TenantFile.objects.count() == 1


def test_staff_of_both_crous_transfer_and_each_side_sees_only_its_file(
    api_client, assigned, bordeaux, versailles, bordeaux_officer, versailles_agent
):
    mobile = StaffMembershipFactory(crous=bordeaux, role=Role.HOUSING_OFFICER).user
    StaffMembershipFactory(crous=versailles, role=Role.HOUSING_OFFICER, user=mobile)
    api_client.force_login(mobile)
    source = assigned.tenant_file

    response = _transfer(api_client, source, HousingUnitFactory(residence__crous=versailles))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["crous"]["id"] == versailles.pk
    assert body["code_delivery"] == CodeDelivery.EMAIL
    assert "code" not in body
    source.refresh_from_db()
    assert source.status == TenantFileStatus.ENDED
    assert Message.objects.filter(crous=versailles, template_key="tenant_code").count() == 1

    api_client.force_login(bordeaux_officer)
    bordeaux_side = {f["id"] for f in api_client.get(LIST).json()["results"]}
    hidden = api_client.get(reverse("api:tenantfile-detail", args=[body["id"]]))
    api_client.force_login(versailles_agent)
    versailles_side = {f["id"] for f in api_client.get(LIST).json()["results"]}

    assert bordeaux_side == {source.pk}
    assert hidden.status_code == 404
    assert versailles_side == {body["id"]}


# --- Scope and roles --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["resend-code", "hand-over-code", "unlink", "relink", "change-unit", "transfer"]
)
def test_actions_on_a_versailles_file_are_404_for_bordeaux_and_403_for_an_agent(
    api_client, versailles, bordeaux_officer, versailles_agent, name
):
    theirs = TenantFileFactory(crous=versailles)

    api_client.force_login(bordeaux_officer)
    hidden = api_client.post(action(name, theirs), {})
    api_client.force_login(versailles_agent)
    refused = api_client.post(action(name, theirs), {})

    assert (hidden.status_code, refused.status_code) == (404, 403)
