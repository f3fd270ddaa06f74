"""The back-office queue: scoped list and filters with a query budget, the ticket's page and
its forms (reply with a canned reply, one-click actions), bulk actions, the dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assistance.models import TicketCategory, TicketEvent, TicketStatus
from assistance.services import opening, threads
from assistance.tests.factories import CannedReplyFactory, TicketFactory
from crous_admin.accounts.roles import Role
from notifications.models import Message
from residences.tests.factories import StaffMembershipFactory
from tenants.tests.factories import TenantFileFactory

QUEUE = reverse("admin:assistance_ticket_changelist")


@pytest.fixture
def bordeaux_agent(bordeaux):
    return StaffMembershipFactory(
        crous=bordeaux, role=Role.ASSISTANCE_AGENT, user__email="agent@crous-bordeaux.example"
    ).user


def _change(ticket, name="change"):
    return reverse(f"admin:assistance_ticket_{name}", args=[ticket.pk])


def test_the_queue_shows_the_viewers_crous_and_filters_overdue(
    client, bordeaux, versailles, bordeaux_agent
):
    late = TicketFactory(crous=bordeaux, subject="Late one", due_at=timezone.now() - timedelta(1))
    TicketFactory(crous=bordeaux, subject="On time one")
    TicketFactory(crous=versailles, subject="Versailles one")
    client.force_login(bordeaux_agent)

    everything = client.get(QUEUE).content.decode()
    overdue = client.get(QUEUE, {"overdue": "yes"}).content.decode()

    assert "Late one" in everything
    assert "On time one" in everything
    assert "Versailles one" not in everything
    assert "Late one" in overdue
    assert "On time one" not in overdue
    assert f'href="{_change(late)}' in overdue


@pytest.mark.parametrize("rows", [3, 30])
def test_the_queue_costs_the_same_queries_whatever_the_number_of_rows(
    client, bordeaux, bordeaux_agent, django_assert_num_queries, rows
):
    TicketFactory.create_batch(rows, crous=bordeaux, assigned_to=bordeaux_agent)
    client.force_login(bordeaux_agent)
    client.get(QUEUE)  # warm the per-process caches (content types, templates)

    # 1 session, 2 user, 3 staff memberships, 4-5 direct and group permissions (the
    # sidebar asks about models no role opens), 6 Crous of the filter, 7 residences of the
    # filter, 8 count of the filtered rows, 9 the page with Crous, residence and assignee
    with django_assert_num_queries(9):
        response = client.get(QUEUE, {"status": "todo", "assigned": "me"})

    assert response.status_code == 200


def test_a_reply_with_a_canned_text_reaches_the_student(
    client, bordeaux, bordeaux_agent, linked_student
):
    ticket = opening.ticket_open(
        crous=bordeaux, category="other", subject="Q", body="Hello", requester=linked_student
    )
    CannedReplyFactory(crous=bordeaux, title="Spam folder", body="Bonjour {first_name}")
    client.force_login(bordeaux_agent)

    page = client.get(_change(ticket))
    response = client.post(
        _change(ticket, "reply"), {"body": "Bonjour Léa", "status_after": "resolved"}
    )

    assert "Spam folder" in page.content.decode()
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert Message.objects.filter(template_key=threads.STAFF_REPLY_TEMPLATE).exists()


def test_a_housing_officer_reads_a_ticket_but_cannot_act(client, bordeaux, bordeaux_officer):
    ticket = TicketFactory(crous=bordeaux)
    client.force_login(bordeaux_officer)

    page = client.get(_change(ticket))
    claim = client.post(_change(ticket, "claim"))

    assert page.status_code == 200
    assert 'id="reply-form"' not in page.content.decode()
    assert claim.status_code == 403


def test_another_crous_ticket_actions_are_404(client, bordeaux, versailles_agent):
    ticket = TicketFactory(crous=bordeaux)
    client.force_login(versailles_agent)

    assert client.post(_change(ticket, "claim")).status_code == 404
    assert client.post(_change(ticket, "resend_code"), {"tenant_file": 1}).status_code == 404


def test_verify_identity_and_resend_code_from_the_ticket_page(client, bordeaux, bordeaux_agent):
    tenant_file = TenantFileFactory(crous=bordeaux, code_hmac="x" * 64)
    student = tenant_file.student
    ticket = opening.ticket_open(
        crous=bordeaux,
        category=TicketCategory.CODE_RESEND,
        subject="Code expired",
        body="Please",
        requester_email=student.email,
        requester_name=f"{student.first_name} {student.last_name}",
        ine=student.ine,
        residence_given=tenant_file.unit.residence.name,
    )
    client.force_login(bordeaux_agent)

    client.post(_change(ticket, "verify_identity"))
    page = client.get(_change(ticket)).content.decode()
    resent = client.post(_change(ticket, "resend_code"), {"tenant_file": tenant_file.pk})

    assert 'id="identity-results"' in page
    assert page.count('class="match-yes"') == 3
    assert resent.status_code == 302
    tenant_file.refresh_from_db()
    assert tenant_file.code_hmac != "x" * 64
    assert ticket.events.filter(kind=TicketEvent.Kind.CODE_RESENT).exists()


def test_bulk_claim_and_close(client, bordeaux, bordeaux_agent):
    tickets = TicketFactory.create_batch(3, crous=bordeaux)
    client.force_login(bordeaux_agent)

    client.post(QUEUE, {"action": "claim", "_selected_action": [t.pk for t in tickets]})
    client.post(QUEUE, {"action": "mark_closed", "_selected_action": [tickets[0].pk]})

    for ticket in tickets:
        ticket.refresh_from_db()
    assert {t.assigned_to for t in tickets} == {bordeaux_agent}
    assert [t.status for t in tickets] == ["closed", "open", "open"]


def test_dashboard_and_csv_export(client, bordeaux, bordeaux_agent):
    now = timezone.now()
    TicketFactory(crous=bordeaux, due_at=now - timedelta(hours=1))
    answered = TicketFactory(crous=bordeaux, status=TicketStatus.WAITING, due_at=None)
    answered.first_response_at = answered.created_at + timedelta(hours=12)
    answered.save()
    client.force_login(bordeaux_agent)

    page = client.get(reverse("admin:assistance_ticket_dashboard")).content.decode()
    export = client.get(reverse("admin:assistance_ticket_dashboard_csv"), {"crous": bordeaux.pk})

    assert '<svg role="img"' in page
    assert 'id="dash-overdue"' in page
    lines = export.content.decode().splitlines()
    assert lines[0] == "date,tickets_opened"
    assert "overdue,1" in lines
    assert "backlog_waiting,1" in lines


def test_the_dashboard_is_refused_to_a_housing_officer(client, bordeaux, bordeaux_officer):
    client.force_login(bordeaux_officer)

    assert client.get(reverse("admin:assistance_ticket_dashboard")).status_code == 403
