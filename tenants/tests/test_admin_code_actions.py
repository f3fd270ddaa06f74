"""Back-office actions on a tenant file's code and account link (tenants/admin_actions.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crous_admin.accounts.roles import Role
from notifications.models import Message
from residences.models import UnitStatus
from residences.tests.factories import (
    CrousFactory,
    HousingUnitFactory,
    StaffMembershipFactory,
    UserFactory,
)
from tenants.code_redemption import tenant_code_redeem
from tenants.code_services import tenant_file_assign
from tenants.codes import code_matches
from tenants.models import CodeDelivery, CodeEntryGuard, TenantFile, TenantFileStatus
from tenants.tests.factories import StudentFactory, TenantFileFactory

ACTIONS = (
    "resend_code",
    "hand_over_code",
    "unlink",
    "relink",
    "change_unit",
    "transfer",
    "unblock_code_entry",
)


def url(action: str, tenant_file) -> str:
    return reverse(f"admin:tenants_tenantfile_{action}", args=[tenant_file.pk])


def change_url(tenant_file) -> str:
    return reverse("admin:tenants_tenantfile_change", args=[tenant_file.pk])


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def assigned(bordeaux, bordeaux_officer):
    """A Bordeaux file just assigned, its code emailed: the IssuedCode."""
    return tenant_file_assign(
        by=bordeaux_officer,
        student=StudentFactory(
            crous=bordeaux, first_name="Lina", last_name="Roux", email="lina.roux@etu.example"
        ),
        unit=HousingUnitFactory(
            residence__crous=bordeaux, residence__name="Village 1", number="A12"
        ),
        start_date=date(2026, 9, 1),
        end_date=date(2027, 6, 30),
    )


@pytest.fixture
def linked(assigned):
    account = UserFactory(email="lina.roux@etu.example")
    tenant_code_redeem(user=account, raw_code=assigned.code)
    return TenantFile.objects.get(pk=assigned.tenant_file.pk)


@pytest.fixture
def both_crous_officer(bordeaux, versailles):
    """A housing officer in Bordeaux and in Versailles: may transfer between them."""
    user = StaffMembershipFactory(
        crous=bordeaux, role=Role.HOUSING_OFFICER, user__email="mobile@crous.example"
    ).user
    StaffMembershipFactory(crous=versailles, role=Role.HOUSING_OFFICER, user=user)
    return user


def _actions_shown(response) -> set[str]:
    page = response.content.decode()
    tenant_file = response.context["original"]
    return {action for action in ACTIONS if url(action, tenant_file) in page}


def _last_log(tenant_file) -> str:
    entry = LogEntry.objects.filter(object_id=str(tenant_file.pk)).latest("action_time", "id")
    return entry.get_change_message()


# --- The change page -----------------------------------------------------------------------


def test_change_page_shows_the_code_state_in_the_crous_local_time_and_the_actions(
    english, bordeaux_officer
):
    reunion = CrousFactory(code="reunion", time_zone="Indian/Reunion")
    StaffMembershipFactory(crous=reunion, role=Role.HOUSING_OFFICER, user=bordeaux_officer)
    with time_machine.travel(datetime(2026, 8, 1, 20, 30, tzinfo=UTC), tick=False):
        issued = tenant_file_assign(
            by=bordeaux_officer,
            student=StudentFactory(crous=reunion),
            unit=HousingUnitFactory(residence__crous=reunion),
            start_date=date(2026, 9, 1),
            end_date=date(2027, 6, 30),
        )
    english.force_login(bordeaux_officer)

    response = english.get(change_url(issued.tenant_file))

    page = response.content.decode()
    # 20:30 UTC is 00:30 the next day in Réunion (UTC+4).
    assert "Aug. 2, 2026, 12:30 a.m. (Indian/Reunion)" in page
    assert "Sept. 1, 2026, 12:30 a.m. (Indian/Reunion)" in page  # 30 days later
    assert "By email" in page
    assert "Not linked" in page
    # Not linked: "link", not "unlink"; no wrong codes: nothing to unblock. The officer works
    # in Bordeaux too, so a transfer is offered.
    assert _actions_shown(response) == {
        "resend_code",
        "hand_over_code",
        "relink",
        "change_unit",
        "transfer",
    }


def test_linked_file_shows_its_account_and_offers_unlink_instead_of_relink(
    english, linked, bordeaux_officer
):
    english.force_login(bordeaux_officer)

    response = english.get(change_url(linked))

    assert "lina.roux@etu.example" in response.content.decode()
    assert _actions_shown(response) == {"resend_code", "hand_over_code", "unlink", "change_unit"}


def test_an_assistance_agent_sees_the_state_but_no_action(client, versailles, versailles_agent):
    tenant_file = TenantFileFactory(crous=versailles)
    client.force_login(versailles_agent)

    response = client.get(change_url(tenant_file))

    assert response.status_code == 200
    assert _actions_shown(response) == set()
    assert {client.get(url(a, tenant_file)).status_code for a in ACTIONS} == {403}
    assert {client.post(url(a, tenant_file)).status_code for a in ACTIONS} == {403}


def test_a_versailles_file_answers_404_on_every_action(client, versailles, bordeaux_officer):
    theirs = TenantFileFactory(crous=versailles)
    client.force_login(bordeaux_officer)

    answers = {client.post(url(a, theirs), {"reason": "x"}).status_code for a in ACTIONS}
    missing = client.post(reverse("admin:tenants_tenantfile_resend_code", args=[999_999]))

    assert answers == {missing.status_code} == {404}
    assert Message.objects.count() == 0


def test_actions_refuse_a_post_without_the_csrf_token(assigned, bordeaux_officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bordeaux_officer)

    response = client.post(url("resend_code", assigned.tenant_file))

    assert response.status_code == 403
    assert Message.objects.count() == 1  # the assignment's email only


# --- Resend and hand-over ----------------------------------------------------------------------


def test_resend_asks_for_confirmation_then_emails_a_fresh_code(english, assigned, bordeaux_officer):
    english.force_login(bordeaux_officer)
    tenant_file = assigned.tenant_file

    confirmation = english.get(url("resend_code", tenant_file))
    assert confirmation.status_code == 200
    assert "stops working" in confirmation.content.decode()
    assert Message.objects.count() == 1

    response = english.post(url("resend_code", tenant_file))

    assert response.status_code == 302
    assert response.url == change_url(tenant_file)
    tenant_file.refresh_from_db()
    assert not code_matches(assigned.code, tenant_file.code_hmac)
    assert Message.objects.count() == 2
    assert tenant_file.history.latest().history_change_reason == "code re-sent by email"
    assert "emailed to lina.roux@etu.example" in _last_log(tenant_file)


def test_hand_over_prints_a_letter_with_the_fresh_code_and_sends_no_email(
    english, assigned, bordeaux, bordeaux_officer
):
    english.force_login(bordeaux_officer)
    tenant_file = assigned.tenant_file

    response = english.post(url("hand_over_code", tenant_file))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    letter = response.content.decode()
    groups = response.context["code_groups"]
    code = "".join(groups)
    tenant_file.refresh_from_db()
    assert code_matches(code, tenant_file.code_hmac)
    assert not code_matches(assigned.code, tenant_file.code_hmac)
    for expected in (
        bordeaux.name,
        "ROUX Lina",
        tenant_file.student.ine,
        "Village 1",
        "A12",
        *groups,
        "Housing (in a Crous residence)",
        "I have an activation code",
        "Keep this letter somewhere safe.",
        "(Europe/Paris)",
        "@page { size: A4",
    ):
        assert expected in letter, expected
    assert (tenant_file.code_delivery, tenant_file.code_handed_over_by) == (
        CodeDelivery.HAND_OVER,
        bordeaux_officer,
    )
    assert Message.objects.count() == 1  # the assignment's email only
    assert "handed over in person" in _last_log(tenant_file)


def test_hand_over_of_an_ended_file_is_refused_on_the_page(english, assigned, bordeaux_officer):
    TenantFile.objects.filter(pk=assigned.tenant_file.pk).update(status=TenantFileStatus.ENDED)
    english.force_login(bordeaux_officer)

    response = english.post(url("hand_over_code", assigned.tenant_file))

    assert response.status_code == 200
    assert "has ended" in str(response.context["form"].non_field_errors())


# --- Unlink and relink --------------------------------------------------------------------------


def test_unlink_requires_a_reason(english, linked, bordeaux_officer):
    english.force_login(bordeaux_officer)

    response = english.post(url("unlink", linked), {"reason": ""})

    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    linked.refresh_from_db()
    assert linked.linked_user is not None


def test_unlink_with_a_reason_cuts_the_link_and_logs_it(english, linked, bordeaux_officer):
    english.force_login(bordeaux_officer)

    response = english.post(url("unlink", linked), {"reason": "lost access to the mailbox"})

    assert response.status_code == 302
    linked.refresh_from_db()
    assert linked.linked_user is None
    assert linked.history.latest().history_change_reason == (
        "account unlinked: lost access to the mailbox"
    )
    assert _last_log(linked) == (
        "Account lina.roux@etu.example unlinked from the file: lost access to the mailbox"
    )


def test_relink_finds_the_account_by_its_exact_email(english, assigned, bordeaux_officer):
    account = UserFactory(email="lina.new@etu.example")
    english.force_login(bordeaux_officer)
    tenant_file = assigned.tenant_file

    unknown = english.post(url("relink", tenant_file), {"email": "nobody@etu.example"})
    response = english.post(url("relink", tenant_file), {"email": "Lina.New@etu.example"})

    assert "No account uses this email address" in str(unknown.context["form"].errors)
    assert response.status_code == 302
    tenant_file.refresh_from_db()
    assert (tenant_file.linked_user, tenant_file.status) == (account, TenantFileStatus.ACTIVE)


def test_relink_while_another_account_is_linked_shows_the_services_refusal(
    english, linked, bordeaux_officer
):
    UserFactory(email="lina.new@etu.example")
    english.force_login(bordeaux_officer)

    response = english.post(url("relink", linked), {"email": "lina.new@etu.example"})

    assert response.status_code == 200
    assert "unlink it first" in str(response.context["form"].non_field_errors())


# --- Change of unit and transfer -----------------------------------------------------------------


def test_change_unit_moves_the_file_and_may_issue_a_new_code(
    english, linked, bordeaux, bordeaux_officer
):
    new_unit = HousingUnitFactory(residence__crous=bordeaux, number="B7")
    english.force_login(bordeaux_officer)

    form_page = english.get(url("change_unit", linked))
    response = english.post(url("change_unit", linked), {"unit": new_unit.pk, "new_code": "on"})

    assert type(form_page.context["form"].fields["unit"].widget).__name__ == "AutocompleteSelect"
    assert response.status_code == 302
    linked.refresh_from_db()
    new_unit.refresh_from_db()
    assert (linked.unit, new_unit.status) == (new_unit, UnitStatus.OCCUPIED)
    assert linked.linked_user is not None
    assert Message.objects.count() == 2
    assert "A new tenant code was emailed" in _last_log(linked)


def test_change_unit_offers_only_free_units_of_the_files_crous(
    english, assigned, bordeaux, versailles, bordeaux_officer
):
    taken = HousingUnitFactory(residence__crous=bordeaux, status=UnitStatus.OCCUPIED)
    elsewhere = HousingUnitFactory(residence__crous=versailles)
    english.force_login(bordeaux_officer)

    for unit in (taken, elsewhere):
        response = english.post(url("change_unit", assigned.tenant_file), {"unit": unit.pk})

        assert response.status_code == 200
        assert "unit" in response.context["form"].errors
    assigned.tenant_file.refresh_from_db()
    assert assigned.tenant_file.unit != taken


def test_an_officer_of_one_crous_is_not_offered_the_transfer_and_is_refused(
    client, assigned, versailles, bordeaux_officer
):
    target = HousingUnitFactory(residence__crous=versailles)
    client.force_login(bordeaux_officer)

    page = client.get(change_url(assigned.tenant_file))
    response = client.post(
        url("transfer", assigned.tenant_file),
        {"unit": target.pk, "start_date": "2027-01-04", "end_date": "2027-06-30"},
    )

    assert "transfer" not in _actions_shown(page)
    assert response.status_code == 403
    assert TenantFile.objects.get(pk=assigned.tenant_file.pk).status == TenantFileStatus.ASSIGNED


def test_transfer_needs_the_rights_in_the_target_crous_too(
    client, assigned, bordeaux, versailles, bordeaux_officer
):
    # An officer in Bordeaux and Toulouse who is only an assistance agent in Versailles.
    toulouse = CrousFactory(code="toulouse")
    StaffMembershipFactory(crous=toulouse, role=Role.HOUSING_OFFICER, user=bordeaux_officer)
    StaffMembershipFactory(crous=versailles, role=Role.ASSISTANCE_AGENT, user=bordeaux_officer)
    target = HousingUnitFactory(residence__crous=versailles)
    client.force_login(bordeaux_officer)

    response = client.post(
        url("transfer", assigned.tenant_file),
        {"unit": target.pk, "start_date": "2027-01-04", "end_date": "2027-06-30"},
    )

    assert response.status_code == 403
    assert TenantFile.objects.count() == 1


def test_staff_of_both_crous_transfer_a_file_and_land_on_the_new_one(
    english, assigned, versailles, both_crous_officer
):
    target = HousingUnitFactory(residence__crous=versailles)
    english.force_login(both_crous_officer)
    source = assigned.tenant_file

    page = english.get(change_url(source))
    response = english.post(
        url("transfer", source),
        {"unit": target.pk, "start_date": "2027-01-04", "end_date": "2027-06-30"},
    )

    assert "transfer" in _actions_shown(page)
    new_file = TenantFile.objects.get(crous=versailles)
    assert response.status_code == 302
    assert response.url == change_url(new_file)
    source.refresh_from_db()
    assert (source.status, source.end_date) == (TenantFileStatus.ENDED, date(2027, 1, 3))
    assert new_file.unit == target
    assert Message.objects.filter(crous=versailles).count() == 1
    assert "Transferred to Crous de Versailles" in _last_log(source)
    assert "Created by a transfer" in _last_log(new_file)


# --- Wrong-code guard -------------------------------------------------------------------------


def test_the_block_is_shown_and_staff_lift_it(english, assigned, bordeaux_officer):
    tenant_file = assigned.tenant_file
    CodeEntryGuard.objects.create(
        key=CodeEntryGuard.file_key(tenant_file.pk),
        failures=0,
        blocked_until=timezone.now() + timedelta(hours=3),
    )
    english.force_login(bordeaux_officer)

    page = english.get(change_url(tenant_file))
    response = english.post(url("unblock_code_entry", tenant_file))

    assert "Code entry blocked until" in page.content.decode()
    assert "unblock_code_entry" in _actions_shown(page)
    assert response.status_code == 302
    assert not CodeEntryGuard.objects.exists()
    assert tenant_file.history.latest().history_change_reason == "code entry unblocked by staff"
    assert _last_log(tenant_file) == "Code entry unblocked for this file."


# --- Assignment through the add form ---------------------------------------------------------


def _add_data(student, unit, **extra) -> dict:
    return {
        "student": student.pk,
        "unit": unit.pk,
        "start_date": "2026-09-01",
        "end_date": "2027-06-30",
        "academic_year": "",
        **extra,
    }


def test_adding_a_file_emails_its_code(client, bordeaux, bordeaux_officer):
    student = StudentFactory(crous=bordeaux)
    client.force_login(bordeaux_officer)

    response = client.post(
        reverse("admin:tenants_tenantfile_add"),
        _add_data(student, HousingUnitFactory(residence__crous=bordeaux)),
    )

    assert response.status_code == 302
    tenant_file = TenantFile.objects.get()
    assert tenant_file.code_delivery == CodeDelivery.EMAIL
    assert Message.objects.get().recipient == student.email


def test_adding_a_file_to_hand_over_shows_the_letter_instead_of_an_email(
    english, bordeaux, bordeaux_officer
):
    student = StudentFactory(crous=bordeaux, is_campus_france=True)
    english.force_login(bordeaux_officer)

    response = english.post(
        reverse("admin:tenants_tenantfile_add"),
        _add_data(student, HousingUnitFactory(residence__crous=bordeaux), hand_over="on"),
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    tenant_file = TenantFile.objects.get()
    assert code_matches("".join(response.context["code_groups"]), tenant_file.code_hmac)
    assert "Keep this letter somewhere safe." in response.content.decode()
    assert tenant_file.code_delivery == CodeDelivery.HAND_OVER
    assert not Message.objects.exists()


# --- The list --------------------------------------------------------------------------------


def test_the_list_shows_and_filters_whether_an_account_is_linked(
    client, linked, bordeaux, bordeaux_officer
):
    waiting = TenantFileFactory(crous=bordeaux)
    client.force_login(bordeaux_officer)
    changelist = reverse("admin:tenants_tenantfile_changelist")

    def listed(**query) -> set[int]:
        response = client.get(changelist, query)
        assert response.status_code == 200
        return {f.pk for f in response.context["cl"].result_list}

    assert listed(linked="yes") == {linked.pk}
    assert listed(linked="no") == {waiting.pk}
    assert listed() == {linked.pk, waiting.pk}
    assert "linked" in client.get(changelist).context["cl"].list_display


def test_unlink_page_of_a_file_with_no_account_sends_back_to_the_file(
    english, assigned, bordeaux_officer
):
    english.force_login(bordeaux_officer)
    tenant_file = assigned.tenant_file

    response = english.get(url("unlink", tenant_file), follow=True)

    assert response.redirect_chain[-1][0] == change_url(tenant_file)
    assert "No account is linked to this tenant file." in response.content.decode()
