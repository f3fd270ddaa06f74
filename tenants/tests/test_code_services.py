"""Staff-side rules of the tenant codes (tenants/code_services.py): assign, resend, hand over,
unlink, relink, change unit, transfer, unblock — each audited, emails only after commit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from crous_admin.accounts.roles import Role
from crous_admin.errors import ApplicationError, ConflictError
from notifications.models import Message
from residences.models import UnitStatus
from residences.tests.factories import HousingUnitFactory, StaffMembershipFactory, UserFactory
from tenants.code_redemption import CodeRefused, tenant_code_redeem
from tenants.code_services import (
    tenant_code_entry_unblock,
    tenant_code_hand_over,
    tenant_code_resend,
    tenant_file_assign,
    tenant_file_change_unit,
    tenant_file_relink,
    tenant_file_transfer,
    tenant_file_unlink,
)
from tenants.models import CodeDelivery, CodeEntryGuard, Student, TenantFile, TenantFileStatus
from tenants.tests.factories import StudentFactory


@pytest.fixture(autouse=True)
def _fresh_ip_counters():
    cache.clear()


def _assign(crous, by, *, hand_over=False, email="lina.roux@etu.example"):
    return tenant_file_assign(
        by=by,
        student=StudentFactory(crous=crous, email=email, first_name="Lina"),
        unit=HousingUnitFactory(residence__crous=crous, residence__name="Village 1"),
        start_date=date(2026, 9, 1),
        end_date=date(2027, 6, 30),
        hand_over=hand_over,
    )


@pytest.fixture
def assigned(bordeaux, bordeaux_officer):
    return _assign(bordeaux, bordeaux_officer)


@pytest.fixture
def linked(assigned):
    """The assigned file, linked to its student's account by the code."""
    account = UserFactory(email="lina.roux@etu.example")
    tenant_code_redeem(user=account, raw_code=assigned.code)
    return TenantFile.objects.get(pk=assigned.tenant_file.pk), account


def _refusal(account, code) -> str:
    with pytest.raises(CodeRefused) as refused:
        tenant_code_redeem(user=account, raw_code=code)
    return refused.value.code


def _reasons(tenant_file) -> list[str]:
    return [h.history_change_reason for h in tenant_file.history.order_by("history_id")]


# --- Assignment: file, code, email through the outbox -------------------------------------


def test_assignment_emails_the_grouped_code_only_once_the_transaction_commits(
    bordeaux, bordeaux_officer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        issued = _assign(bordeaux, bordeaux_officer)

        # Queued in the outbox, nothing sent before the commit.
        message = Message.objects.get()
        assert message.context["secret_code"] == issued.display
        assert issued.display.count("-") == 2
        assert mailoutbox == []

    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["lina.roux@etu.example"]
    assert issued.display in mailoutbox[0].body
    tenant_file = issued.tenant_file
    assert tenant_file.code_delivery == CodeDelivery.EMAIL
    assert tenant_file.code_expires_at == tenant_file.code_issued_at + timedelta(days=30)
    assert _reasons(tenant_file) == ["tenant file created", "code issued"]


def test_an_assignment_rolled_back_sends_nothing(
    bordeaux, bordeaux_officer, mailoutbox, django_capture_on_commit_callbacks
):
    unit = HousingUnitFactory(residence__crous=bordeaux, status=UnitStatus.OCCUPIED)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ConflictError):
        tenant_file_assign(
            by=bordeaux_officer,
            student=StudentFactory(crous=bordeaux),
            unit=unit,
            start_date=date(2026, 9, 1),
            end_date=date(2027, 6, 30),
        )

    assert not Message.objects.exists()
    assert mailoutbox == []


def test_assignment_handed_over_in_person_queues_no_email_and_records_the_delivery(
    bordeaux, bordeaux_officer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issued = _assign(bordeaux, bordeaux_officer, hand_over=True)

    tenant_file = issued.tenant_file
    assert not Message.objects.exists()
    assert mailoutbox == []
    assert tenant_file.code_delivery == CodeDelivery.HAND_OVER
    assert tenant_file.code_handed_over_by == bordeaux_officer
    assert tenant_file.code_handed_over_at == tenant_file.code_issued_at


# --- Resend and hand-over ---------------------------------------------------------------------


def test_resend_kills_the_old_code_and_emails_a_fresh_one(
    assigned, bordeaux_officer, mailoutbox, django_capture_on_commit_callbacks
):
    account = UserFactory(email="lina.roux@etu.example")

    with django_capture_on_commit_callbacks(execute=True):
        fresh = tenant_code_resend(by=bordeaux_officer, tenant_file=assigned.tenant_file)

    assert fresh.code != assigned.code
    assert _refusal(account, assigned.code) == "code_wrong"
    assert [m.body.count(fresh.display) for m in mailoutbox] == [1]
    assert tenant_code_redeem(user=account, raw_code=fresh.code).linked_user == account
    assert "code re-sent by email" in _reasons(assigned.tenant_file)


def test_hand_over_issues_a_fresh_code_records_who_and_when_and_sends_nothing(
    assigned, bordeaux_officer, mailoutbox, django_capture_on_commit_callbacks
):
    emails_before = Message.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        handed = tenant_code_hand_over(by=bordeaux_officer, tenant_file=assigned.tenant_file)

    tenant_file = TenantFile.objects.get(pk=assigned.tenant_file.pk)
    assert Message.objects.count() == emails_before
    assert mailoutbox == []
    assert tenant_file.code_delivery == CodeDelivery.HAND_OVER
    assert tenant_file.code_handed_over_by == bordeaux_officer
    assert tenant_file.code_handed_over_at is not None
    assert tenant_file.history.latest().history_change_reason == "code handed over in person"
    account = UserFactory(email="lina.roux@etu.example")
    assert _refusal(account, assigned.code) == "code_wrong"
    assert tenant_code_redeem(user=account, raw_code=handed.code).pk == tenant_file.pk


def test_no_code_is_issued_for_an_ended_file(assigned, bordeaux_officer):
    TenantFile.objects.filter(pk=assigned.tenant_file.pk).update(status=TenantFileStatus.ENDED)

    with pytest.raises(ConflictError) as refused:
        tenant_code_resend(by=bordeaux_officer, tenant_file=assigned.tenant_file)

    assert refused.value.code == "file_not_current"


# --- Unlink and relink ------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_unlink_needs_a_reason(linked, bordeaux_officer, reason):
    tenant_file, account = linked

    with pytest.raises(ApplicationError) as refused:
        tenant_file_unlink(by=bordeaux_officer, tenant_file=tenant_file, reason=reason)

    assert (refused.value.code, refused.value.field) == ("reason_required", "reason")
    tenant_file.refresh_from_db()
    assert tenant_file.linked_user == account


def test_unlink_cuts_the_link_and_keeps_the_reason_in_the_history(linked, bordeaux_officer):
    tenant_file, _account = linked

    tenant_file_unlink(by=bordeaux_officer, tenant_file=tenant_file, reason="lost access")

    tenant_file.refresh_from_db()
    assert (tenant_file.linked_user, tenant_file.status) == (None, TenantFileStatus.ASSIGNED)
    last = tenant_file.history.latest()
    assert (last.history_user, last.history_change_reason) == (
        bordeaux_officer,
        "account unlinked: lost access",
    )


def test_relink_is_refused_while_another_account_is_linked(linked, bordeaux_officer):
    tenant_file, account = linked
    new_account = UserFactory(email="lina.new@etu.example")

    with pytest.raises(ConflictError) as refused:
        tenant_file_relink(by=bordeaux_officer, tenant_file=tenant_file, user=new_account)

    assert refused.value.code == "linked_to_another_account"
    tenant_file.refresh_from_db()
    assert tenant_file.linked_user == account


def test_after_an_unlink_staff_link_the_students_new_account(linked, bordeaux_officer):
    tenant_file, _old = linked
    new_account = UserFactory(email="lina.new@etu.example")
    tenant_file_unlink(by=bordeaux_officer, tenant_file=tenant_file, reason="lost access")

    tenant_file_relink(by=bordeaux_officer, tenant_file=tenant_file, user=new_account)

    tenant_file.refresh_from_db()
    assert (tenant_file.linked_user, tenant_file.status) == (new_account, TenantFileStatus.ACTIVE)
    assert tenant_file.history.latest().history_change_reason == (
        "account lina.new@etu.example linked by staff"
    )


# --- Change of unit inside the Crous ----------------------------------------------------------


def test_change_unit_frees_the_old_unit_occupies_the_new_one_and_keeps_the_link(
    linked, bordeaux, bordeaux_officer, django_capture_on_commit_callbacks
):
    tenant_file, account = linked
    old_unit = tenant_file.unit
    new_unit = HousingUnitFactory(residence__crous=bordeaux)
    emails_before = Message.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        issued = tenant_file_change_unit(
            by=bordeaux_officer, tenant_file=tenant_file, unit=new_unit
        )

    assert issued is None
    tenant_file.refresh_from_db()
    old_unit.refresh_from_db()
    new_unit.refresh_from_db()
    assert (tenant_file.unit, tenant_file.linked_user) == (new_unit, account)
    assert (old_unit.status, new_unit.status) == (UnitStatus.AVAILABLE, UnitStatus.OCCUPIED)
    assert Message.objects.count() == emails_before


def test_change_unit_with_a_new_code_emails_it_and_kills_the_old_one(
    linked, bordeaux, bordeaux_officer, mailoutbox, django_capture_on_commit_callbacks
):
    tenant_file, account = linked
    old_code_hmac = tenant_file.code_hmac

    with django_capture_on_commit_callbacks(execute=True):
        issued = tenant_file_change_unit(
            by=bordeaux_officer,
            tenant_file=tenant_file,
            unit=HousingUnitFactory(residence__crous=bordeaux),
            new_code=True,
        )

    tenant_file.refresh_from_db()
    assert tenant_file.code_hmac not in ("", old_code_hmac)
    assert tenant_file.linked_user == account
    assert issued.display in mailoutbox[-1].body


@pytest.mark.parametrize(
    ("unit_kind", "error"), [("occupied", "unit_not_free"), ("versailles", "unit_other_crous")]
)
def test_change_unit_refuses_a_taken_unit_or_one_of_another_crous(
    assigned, bordeaux, versailles, bordeaux_officer, unit_kind, error
):
    unit = (
        HousingUnitFactory(residence__crous=bordeaux, status=UnitStatus.OCCUPIED)
        if unit_kind == "occupied"
        else HousingUnitFactory(residence__crous=versailles)
    )

    with pytest.raises(ApplicationError) as refused:
        tenant_file_change_unit(by=bordeaux_officer, tenant_file=assigned.tenant_file, unit=unit)

    assert refused.value.code == error


# --- Transfer to another Crous ----------------------------------------------------------------


@pytest.fixture
def transferred(linked, versailles, national_admin, django_capture_on_commit_callbacks):
    tenant_file, account = linked
    with django_capture_on_commit_callbacks(execute=True):
        issued = tenant_file_transfer(
            by=national_admin,
            tenant_file=tenant_file,
            unit=HousingUnitFactory(residence__crous=versailles, residence__name="Jussieu"),
            start_date=date(2027, 1, 4),
            end_date=date(2027, 6, 30),
        )
    return tenant_file, issued, account


def test_transfer_ends_this_file_and_opens_one_in_the_target_crous_with_its_own_code(
    transferred, bordeaux, versailles, mailoutbox
):
    source, issued, account = transferred
    source.refresh_from_db()
    source.unit.refresh_from_db()
    target = issued.tenant_file

    # This file ends the day before the new one starts; its unit is free again.
    assert (source.status, source.end_date) == (TenantFileStatus.ENDED, date(2027, 1, 3))
    assert source.unit.status == UnitStatus.AVAILABLE
    assert source.history.latest().history_change_reason == "transferred to versailles"
    # The target Crous keeps its own student record and file, with a code of its own, emailed.
    assert (target.crous, target.status) == (versailles, TenantFileStatus.ASSIGNED)
    assert target.student.crous == versailles
    assert target.student.ine == source.student.ine
    assert Student.objects.filter(ine=source.student.ine).count() == 2
    assert Message.objects.filter(crous=versailles).count() == 1
    assert issued.display in mailoutbox[-1].body
    # The account is linked to the new file only by its new code.
    assert target.linked_user is None
    assert tenant_code_redeem(user=account, raw_code=issued.code).pk == target.pk


def test_transfer_inside_the_same_crous_is_refused(assigned, bordeaux, national_admin):
    with pytest.raises(ApplicationError) as refused:
        tenant_file_transfer(
            by=national_admin,
            tenant_file=assigned.tenant_file,
            unit=HousingUnitFactory(residence__crous=bordeaux),
            start_date=date(2027, 1, 4),
            end_date=date(2027, 6, 30),
        )

    assert refused.value.code == "same_crous"


def test_after_a_transfer_staff_of_each_crous_see_only_their_side(
    transferred, api_client, client, bordeaux_officer, versailles, national_admin
):
    source, issued, _account = transferred
    target = issued.tenant_file
    versailles_officer = StaffMembershipFactory(
        crous=versailles, role=Role.HOUSING_OFFICER, user__email="officer@crous-versailles.example"
    ).user

    def api_ids(user) -> set[int]:
        api_client.force_login(user)
        return {f["id"] for f in api_client.get(reverse("api:tenantfile-list")).json()["results"]}

    def admin_ids(user) -> set[int]:
        client.force_login(user)
        response = client.get(reverse("admin:tenants_tenantfile_changelist"))
        return {f.pk for f in response.context["cl"].result_list}

    assert api_ids(bordeaux_officer) == admin_ids(bordeaux_officer) == {source.pk}
    assert api_ids(versailles_officer) == admin_ids(versailles_officer) == {target.pk}
    assert api_ids(national_admin) == {source.pk, target.pk}
    client.force_login(bordeaux_officer)
    other_side = client.get(reverse("admin:tenants_tenantfile_change", args=[target.pk]))
    assert other_side.status_code == 404


# --- Unblocking code entry --------------------------------------------------------------------


def test_unblocking_forgets_the_files_wrong_codes_and_is_recorded(assigned, bordeaux_officer):
    tenant_file = assigned.tenant_file
    CodeEntryGuard.objects.create(
        key=CodeEntryGuard.file_key(tenant_file.pk),
        failures=0,
        blocked_until=timezone.now() + timedelta(hours=3),
    )
    account_guard = CodeEntryGuard.objects.create(key="account:999", failures=2)

    assert tenant_code_entry_unblock(by=bordeaux_officer, tenant_file=tenant_file) is True

    assert list(CodeEntryGuard.objects.all()) == [account_guard]
    last = tenant_file.history.latest()
    assert (last.history_user, last.history_change_reason) == (
        bordeaux_officer,
        "code entry unblocked by staff",
    )
    assert tenant_code_entry_unblock(by=bordeaux_officer, tenant_file=tenant_file) is False
