"""One-click actions from a ticket, each in the ticket's audit trail (and the file's history):
verify identity, resend the code, relink the account, start a transfer; and the lost-access
form that only reaches the queue once its address is confirmed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core import signing
from django.core.cache import cache
from django.utils import timezone

from assistance.models import LostAccessRequest, Ticket, TicketCategory, TicketEvent
from assistance.services import lost_access_requests, opening, recovery
from crous_admin.accounts.roles import Role
from crous_admin.errors import ApplicationError, ConflictError
from notifications.models import Message
from residences.tests.factories import HousingUnitFactory, StaffMembershipFactory, UserFactory
from tenants.code_redemption import CodeRefused, tenant_code_redeem
from tenants.code_services import tenant_file_assign
from tenants.models import TenantFile, TenantFileStatus
from tenants.tests.factories import StudentFactory


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()


@pytest.fixture
def bordeaux_agent(bordeaux):
    return StaffMembershipFactory(crous=bordeaux, role=Role.ASSISTANCE_AGENT).user


@pytest.fixture
def assigned(bordeaux, bordeaux_officer):
    """A Bordeaux file whose code was emailed; the student lost that email."""
    return tenant_file_assign(
        by=bordeaux_officer,
        student=StudentFactory(
            crous=bordeaux,
            first_name="Chloé",
            last_name="Lefèvre-Dupont",
            email="chloe@etu.example",
        ),
        unit=HousingUnitFactory(residence__crous=bordeaux, residence__name="Résidence Le Bosquet"),
        start_date=date(2026, 9, 1),
        end_date=date(2027, 6, 30),
    )


def _lost_access_ticket(crous, tenant_file, *, name="chloe lefevre dupont", residence="bosquet"):
    return opening.ticket_open(
        crous=crous,
        category=TicketCategory.LOST_ACCESS,
        subject="Lost access",
        body="I changed my email address.",
        requester_email="chloe.new@etu.example",
        requester_name=name,
        ine=tenant_file.student.ine.lower(),
        residence_given=residence,
    )


def _latest_code(tenant_file):
    message = Message.objects.filter(template_key="tenant_code").order_by("-pk").first()
    assert message.context["secret_code"]
    return message.context["secret_code"]


def test_verify_identity_says_which_of_name_ine_and_residence_match(
    bordeaux, bordeaux_agent, assigned
):
    ticket = _lost_access_ticket(bordeaux, assigned.tenant_file, residence="Village 9")

    (match,) = recovery.ticket_verify_identity(by=bordeaux_agent, ticket=ticket)

    assert match.tenant_file == assigned.tenant_file
    assert (match.name, match.ine, match.residence) == (True, True, False)
    event = ticket.events.get(kind=TicketEvent.Kind.IDENTITY_CHECKED)
    assert event.actor == bordeaux_agent
    assert event.detail["matches"] == [
        {"tenant_file": assigned.tenant_file.pk, "name": True, "ine": True, "residence": False}
    ]


def test_verify_identity_finds_nothing_in_another_crous(versailles, assigned):
    agent = StaffMembershipFactory(crous=versailles, role=Role.ASSISTANCE_AGENT).user
    ticket = _lost_access_ticket(versailles, assigned.tenant_file)

    assert recovery.ticket_verify_identity(by=agent, ticket=ticket) == []


def test_resend_code_issues_a_new_code_and_the_old_one_dies(bordeaux, bordeaux_agent, assigned):
    ticket = _lost_access_ticket(bordeaux, assigned.tenant_file)
    old_code = assigned.code
    account = UserFactory(email="chloe@etu.example")

    recovery.ticket_resend_code(by=bordeaux_agent, ticket=ticket, tenant_file=assigned.tenant_file)

    new_code = _latest_code(assigned.tenant_file)
    with pytest.raises(CodeRefused):
        tenant_code_redeem(user=account, raw_code=old_code)
    assert tenant_code_redeem(user=account, raw_code=new_code).pk == assigned.tenant_file.pk
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert ticket.events.filter(kind=TicketEvent.Kind.CODE_RESENT, actor=bordeaux_agent).exists()
    assert ticket.messages.filter(author_kind="system", is_internal=False).exists()
    assert assigned.tenant_file.history.filter(
        history_user=bordeaux_agent, history_change_reason="code re-sent by email"
    ).exists()


def test_relink_is_refused_before_the_identity_is_verified(bordeaux, bordeaux_agent, assigned):
    UserFactory(email="chloe.new@etu.example")
    ticket = _lost_access_ticket(bordeaux, assigned.tenant_file)

    with pytest.raises(ConflictError) as refused:
        recovery.ticket_relink_account(
            by=bordeaux_agent, ticket=ticket, tenant_file=assigned.tenant_file
        )

    assert refused.value.code == "identity_not_verified"


def test_relink_is_refused_when_only_part_of_the_identity_matched(
    bordeaux, bordeaux_agent, assigned
):
    UserFactory(email="chloe.new@etu.example")
    ticket = _lost_access_ticket(bordeaux, assigned.tenant_file, residence="Village 9")
    recovery.ticket_verify_identity(by=bordeaux_agent, ticket=ticket)

    with pytest.raises(ConflictError):
        recovery.ticket_relink_account(
            by=bordeaux_agent, ticket=ticket, tenant_file=assigned.tenant_file
        )


def test_relink_moves_the_file_from_the_lost_account_to_the_new_one(
    bordeaux, bordeaux_agent, assigned
):
    old_account = UserFactory(email="chloe@etu.example")
    tenant_code_redeem(user=old_account, raw_code=assigned.code)
    new_account = UserFactory(email="chloe.new@etu.example")
    ticket = _lost_access_ticket(bordeaux, assigned.tenant_file)
    recovery.ticket_verify_identity(by=bordeaux_agent, ticket=ticket)

    recovery.ticket_relink_account(
        by=bordeaux_agent, ticket=ticket, tenant_file=assigned.tenant_file
    )

    tenant_file = TenantFile.objects.get(pk=assigned.tenant_file.pk)
    assert (tenant_file.linked_user, tenant_file.status) == (new_account, TenantFileStatus.ACTIVE)
    event = ticket.events.get(kind=TicketEvent.Kind.ACCOUNT_RELINKED)
    assert (event.actor, event.detail["account"]) == (bordeaux_agent, new_account.email)
    reasons = list(tenant_file.history.values_list("history_change_reason", flat=True))
    assert any(r and r.startswith("account unlinked: lost access") for r in reasons)


def test_relink_without_an_account_for_the_address_says_what_to_do(
    bordeaux, bordeaux_agent, assigned
):
    ticket = _lost_access_ticket(bordeaux, assigned.tenant_file)
    recovery.ticket_verify_identity(by=bordeaux_agent, ticket=ticket)

    with pytest.raises(ConflictError) as refused:
        recovery.ticket_relink_account(
            by=bordeaux_agent, ticket=ticket, tenant_file=assigned.tenant_file
        )

    assert refused.value.code == "no_account"


def test_start_transfer_uses_the_transfer_service_and_is_audited(
    bordeaux, versailles, bordeaux_agent, assigned
):
    ticket = _lost_access_ticket(bordeaux, assigned.tenant_file)
    unit = HousingUnitFactory(residence__crous=versailles)

    new_file = recovery.ticket_start_transfer(
        by=bordeaux_agent,
        ticket=ticket,
        tenant_file=assigned.tenant_file,
        unit=unit,
        start_date=date(2027, 1, 4),
        end_date=date(2027, 6, 30),
    )

    assert new_file.crous == versailles
    assert TenantFile.objects.get(pk=assigned.tenant_file.pk).status == TenantFileStatus.ENDED
    event = ticket.events.get(kind=TicketEvent.Kind.TRANSFER_STARTED)
    assert event.detail["new_tenant_file"] == new_file.pk


def test_an_action_on_a_file_of_another_crous_is_refused(bordeaux, versailles, bordeaux_agent):
    from tenants.tests.factories import TenantFileFactory

    ticket = Ticket.objects.create(
        crous=bordeaux,
        category="other",
        subject="x",
        requester_email="a@b.example",
        created_at=timezone.now(),
        due_at=timezone.now(),
    )

    with pytest.raises(ApplicationError) as refused:
        recovery.ticket_resend_code(
            by=bordeaux_agent, ticket=ticket, tenant_file=TenantFileFactory(crous=versailles)
        )

    assert refused.value.code == "file_other_crous"


# --- The public lost-access form ----------------------------------------------------------


def _submit(crous, **kwargs):
    data = {
        "crous": crous,
        "first_name": "Chloé",
        "last_name": "Lefèvre",
        "ine": "12345 67890 z",
        "residence": "Le Bosquet",
        "email": "Chloe.New@etu.example",
        "body": "I changed my email address.",
        "ip": "192.0.2.1",
    }
    return lost_access_requests.lost_access_request_submit(**{**data, **kwargs})


def _token_from_email():
    message = Message.objects.get(template_key=lost_access_requests.CONFIRM_TEMPLATE)
    return message, message.context["confirm_url"].rstrip("/").rsplit("/", 1)[-1]


def test_lost_access_form_reaches_the_queue_only_once_confirmed(bordeaux):
    request = _submit(bordeaux)

    assert not Ticket.objects.exists()
    message, token = _token_from_email()
    assert message.recipient == "chloe.new@etu.example"

    ticket = lost_access_requests.lost_access_request_confirm(token=token)

    assert ticket.category == TicketCategory.LOST_ACCESS
    assert ticket.requester_ine == "1234567890Z"
    assert ticket.requester_email == "chloe.new@etu.example"
    assert ticket.residence_given == "Le Bosquet"
    assert ticket.requester is None
    request.refresh_from_db()
    assert request.ticket == ticket
    # Following the link again gives the same ticket.
    assert lost_access_requests.lost_access_request_confirm(token=token) == ticket
    assert Ticket.objects.count() == 1


def test_a_forged_or_expired_confirmation_link_is_refused(bordeaux):
    request = _submit(bordeaux)
    forged = signing.dumps({"r": request.pk}, salt="another-salt")

    with pytest.raises(ApplicationError) as refused:
        lost_access_requests.lost_access_request_confirm(token=forged)
    assert refused.value.status == 404

    _message, token = _token_from_email()
    with (
        time_machine.travel(timezone.now() + timedelta(days=3)),
        pytest.raises(ApplicationError) as expired,
    ):
        lost_access_requests.lost_access_request_confirm(token=token)
    assert expired.value.code == "link_expired"
    assert not Ticket.objects.exists()


@pytest.mark.usefixtures("process_local_cache")
def test_lost_access_form_is_throttled_per_connection(bordeaux):
    for n in range(lost_access_requests.LOST_ACCESS_PER_IP_PER_HOUR):
        _submit(bordeaux, email=f"p{n}@etu.example")

    with pytest.raises(ApplicationError) as refused:
        _submit(bordeaux, email="another@etu.example")

    assert refused.value.status == 429
    assert LostAccessRequest.objects.count() == lost_access_requests.LOST_ACCESS_PER_IP_PER_HOUR


@pytest.mark.usefixtures("process_local_cache")
def test_lost_access_form_is_throttled_per_contact_address(bordeaux):
    for n in range(lost_access_requests.LOST_ACCESS_PER_EMAIL_PER_DAY):
        _submit(bordeaux, ip=f"192.0.2.{n + 10}")

    with pytest.raises(ApplicationError) as refused:
        _submit(bordeaux, ip="192.0.2.99")

    assert refused.value.status == 429
