"""Opening tickets, the thread, the workflow, duplicates, escalation, canned replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assistance.models import (
    AuthorKind,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketMessage,
    TicketStatus,
)
from assistance.services import escalation, opening, recovery, staff_actions, threads
from assistance.tests.factories import CannedReplyFactory, TicketFactory
from crous_admin.accounts.roles import Role
from crous_admin.errors import ApplicationError, ConflictError
from notifications.models import Message
from residences.tests.factories import StaffMembershipFactory
from tenants.tests.factories import TenantFileFactory

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def bordeaux_agent(bordeaux):
    return StaffMembershipFactory(
        crous=bordeaux, role=Role.ASSISTANCE_AGENT, user__email="agent@crous-bordeaux.example"
    ).user


def _open(crous, user, **kwargs):
    defaults = {
        "category": TicketCategory.CODE_RESEND,
        "subject": "Code not received",
        "body": "I never got my activation code.",
    }
    return opening.ticket_open(crous=crous, requester=user, **{**defaults, **kwargs})


def test_a_student_ticket_is_new_due_in_business_days_and_linked_to_their_file(
    bordeaux, linked_student, linked_student_file
):
    # Friday 13 March 2026 15:00 Paris; target 5 business days -> Friday 20 at 24:00.
    with time_machine.travel(datetime(2026, 3, 13, 14, 0, tzinfo=UTC), tick=False):
        ticket = _open(bordeaux, linked_student)

    assert ticket.status == TicketStatus.NEW
    assert ticket.due_at == datetime(2026, 3, 20, 23, 0, tzinfo=UTC)
    assert ticket.tenant_file == linked_student_file
    assert ticket.requester_ine == linked_student_file.student.ine
    assert ticket.residence_id == linked_student_file.unit.residence_id
    assert list(ticket.messages.values_list("author_kind", flat=True)) == [AuthorKind.STUDENT]
    assert ticket.events.get().kind == TicketEvent.Kind.CREATED


def test_opening_for_a_student_twice_with_the_same_key_gives_one_ticket(linked_student_file):
    kwargs = {
        "crous": linked_student_file.crous,
        "student_or_tenant_file": linked_student_file,
        "category": TicketCategory.RENEWAL,
        "subject": "Renewal confirmation late",
        "body": "The 72-hour confirmation was not sent.",
        "idempotency_key": "renewal-late:42",
    }

    first = opening.ticket_open_for_student(**kwargs)
    second = opening.ticket_open_for_student(**kwargs)

    assert first.pk == second.pk
    assert Ticket.objects.count() == 1
    assert first.requester == linked_student_file.linked_user
    assert first.messages.get().author_kind == AuthorKind.SYSTEM


def test_opening_for_a_student_record_finds_their_file_in_that_crous(bordeaux):
    tenant_file = TenantFileFactory(crous=bordeaux)

    ticket = opening.ticket_open_for_student(
        crous=bordeaux,
        student_or_tenant_file=tenant_file.student,
        category=TicketCategory.RENEWAL,
        subject="Late",
        body="Late confirmation",
        idempotency_key="k1",
    )

    assert ticket.tenant_file == tenant_file
    assert ticket.requester is None
    assert ticket.requester_email == tenant_file.student.email


def test_staff_reply_answers_waits_on_the_student_and_emails_a_link_back(
    bordeaux, bordeaux_agent, linked_student
):
    ticket = _open(bordeaux, linked_student)

    staff_actions.ticket_staff_reply(by=bordeaux_agent, ticket=ticket, body="Here is how to do it.")

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    assert ticket.first_response_at is not None
    assert ticket.due_at is None  # the student has the hand
    assert ticket.assigned_to == bordeaux_agent
    email = Message.objects.get(template_key=threads.STAFF_REPLY_TEMPLATE)
    assert email.recipient == linked_student.email
    assert email.context["thread_url"].endswith(f"/assistance/{ticket.pk}/")
    assert email.context["body"] == "Here is how to do it."


def test_a_student_reply_reopens_a_waiting_ticket_with_a_new_due_time(
    bordeaux, bordeaux_agent, linked_student
):
    ticket = _open(bordeaux, linked_student)
    staff_actions.ticket_staff_reply(by=bordeaux_agent, ticket=ticket, body="Which residence?")

    with time_machine.travel(datetime(2026, 3, 16, 9, 0, tzinfo=UTC), tick=False):
        threads.ticket_student_reply(ticket=ticket, user=linked_student, body="Talence.")

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.due_at == datetime(2026, 3, 23, 23, 0, tzinfo=UTC)


def test_a_student_reply_reopens_a_resolved_ticket(bordeaux, bordeaux_agent, linked_student):
    ticket = _open(bordeaux, linked_student)
    staff_actions.ticket_set_status(by=bordeaux_agent, ticket=ticket, status=TicketStatus.RESOLVED)

    threads.ticket_student_reply(ticket=ticket, user=linked_student, body="Still broken.")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at) == (TicketStatus.OPEN, None)


def test_a_closed_ticket_takes_no_more_messages(bordeaux, bordeaux_agent, linked_student):
    ticket = _open(bordeaux, linked_student)
    staff_actions.ticket_set_status(by=bordeaux_agent, ticket=ticket, status=TicketStatus.CLOSED)

    with pytest.raises(ConflictError) as refused:
        threads.ticket_student_reply(ticket=ticket, user=linked_student, body="Hello?")

    assert refused.value.code == "ticket_closed"


def test_the_workflow_refuses_to_reopen_a_closed_ticket(bordeaux, bordeaux_agent):
    ticket = TicketFactory(crous=bordeaux, status=TicketStatus.CLOSED, due_at=None)

    with pytest.raises(ConflictError):
        staff_actions.ticket_set_status(by=bordeaux_agent, ticket=ticket, status=TicketStatus.OPEN)


def test_claiming_opens_a_new_ticket_and_refuses_someone_elses(bordeaux, bordeaux_agent):
    colleague = StaffMembershipFactory(crous=bordeaux, role=Role.ASSISTANCE_AGENT).user
    ticket = TicketFactory(crous=bordeaux)

    staff_actions.ticket_claim(by=bordeaux_agent, ticket=ticket)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.assigned_to) == (TicketStatus.OPEN, bordeaux_agent)
    with pytest.raises(ConflictError):
        staff_actions.ticket_claim(by=colleague, ticket=ticket)


def test_assigning_needs_a_staff_member_of_the_tickets_crous(
    bordeaux, bordeaux_agent, versailles_agent
):
    ticket = TicketFactory(crous=bordeaux)

    with pytest.raises(ApplicationError) as refused:
        staff_actions.ticket_assign(by=bordeaux_agent, ticket=ticket, to=versailles_agent)

    assert refused.value.code == "not_staff_of_crous"


def test_bulk_actions_apply_each_ticket_and_report_refusals(bordeaux, bordeaux_agent):
    open_one = TicketFactory(crous=bordeaux)
    closed = TicketFactory(crous=bordeaux, status=TicketStatus.CLOSED, due_at=None)

    result = staff_actions.tickets_bulk(
        by=bordeaux_agent, tickets=[open_one, closed], action="status", status="resolved"
    )

    assert result.done == 1
    assert [pk for pk, _reason in result.refused] == [closed.pk]
    open_one.refresh_from_db()
    assert open_one.status == TicketStatus.RESOLVED


def test_internal_notes_are_not_emailed(bordeaux, bordeaux_agent, linked_student):
    ticket = _open(bordeaux, linked_student)

    note = staff_actions.ticket_add_note(
        by=bordeaux_agent, ticket=ticket, body="Called the residence."
    )

    assert note.is_internal
    assert not Message.objects.filter(template_key=threads.STAFF_REPLY_TEMPLATE).exists()


def test_a_pdf_attachment_is_stored_with_a_random_name(
    bordeaux, linked_student, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("avis CAF.pdf", PDF, content_type="application/pdf")

    ticket = _open(bordeaux, linked_student, uploads=[upload])

    attachment = TicketMessage.objects.get(ticket=ticket).attachments.get()
    assert attachment.original_name == "avis CAF.pdf"
    assert attachment.file.name.startswith(f"assistance/{ticket.pk}/")
    assert "CAF" not in attachment.file.name
    assert (tmp_path / attachment.file.name).read_bytes() == PDF


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("script.exe", b"MZ\x90\x00", "application/octet-stream"),  # type not accepted
        ("fake.pdf", b"<html>hello</html>", "application/pdf"),  # content is not a PDF
        ("photo.png", PDF, "image/png"),  # a PDF named .png
        ("doc.pdf", PDF, "text/html"),  # declared type differs from the name
        ("huge.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "application/pdf"),  # over 5 MB
    ],
)
def test_attachments_are_refused_by_type_content_or_size(
    bordeaux, linked_student, settings, tmp_path, name, content, content_type
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile(name, content, content_type=content_type)

    with pytest.raises(ApplicationError) as refused:
        _open(bordeaux, linked_student, uploads=[upload])

    assert refused.value.code == "attachment_refused"
    assert not Ticket.objects.exists()  # nothing half-written


def test_the_same_ine_writing_to_two_crous_flags_both_tickets(bordeaux, versailles):
    first = TicketFactory(crous=bordeaux, requester_ine="1234567890A")

    second = opening.ticket_open(
        crous=versailles,
        category=TicketCategory.OTHER,
        subject="Hello",
        body="Same person",
        requester_email="x@etu.example",
        ine="1234567890A",
    )

    first.refresh_from_db()
    assert first.is_duplicate
    assert second.is_duplicate


def test_moving_a_duplicate_to_the_crous_holding_the_file_clears_the_flag(
    bordeaux, versailles, bordeaux_agent
):
    tenant_file = TenantFileFactory(crous=versailles)
    ine = tenant_file.student.ine
    in_bordeaux = TicketFactory(crous=bordeaux, requester_ine=ine, assigned_to=bordeaux_agent)
    TicketFactory(crous=versailles, requester_ine=ine, status=TicketStatus.CLOSED, due_at=None)
    opening._flag_duplicates(in_bordeaux)

    assert [c.pk for c in recovery.crous_holding_file_of(ine)] == [versailles.pk]
    recovery.ticket_move_to_crous(by=bordeaux_agent, ticket=in_bordeaux, crous=versailles)

    in_bordeaux.refresh_from_db()
    assert in_bordeaux.crous == versailles
    assert in_bordeaux.tenant_file == tenant_file
    assert in_bordeaux.assigned_to is None
    assert not in_bordeaux.is_duplicate
    assert in_bordeaux.events.filter(kind=TicketEvent.Kind.MOVED).exists()


def test_canned_reply_variables_are_filled(bordeaux, bordeaux_agent, linked_student_file):
    bordeaux_agent.first_name, bordeaux_agent.last_name = "Inès", "Agent"
    ticket = opening.ticket_open_for_student(
        crous=bordeaux,
        student_or_tenant_file=linked_student_file,
        category=TicketCategory.OTHER,
        subject="Hi",
        body="Hello",
        idempotency_key="k",
    )
    reply = CannedReplyFactory(crous=bordeaux, body="Bonjour {first_name}, {ticket}, {agent}, {x}")

    text = staff_actions.canned_reply_render(reply=reply, ticket=ticket, agent=bordeaux_agent)

    first_name = linked_student_file.student.first_name
    assert text == f"Bonjour {first_name}, #{ticket.pk}, Inès Agent, {{x}}"


def test_an_overdue_ticket_is_escalated_once_to_its_crous(bordeaux):
    overdue = TicketFactory(crous=bordeaux, due_at=timezone.now() - timedelta(minutes=1))
    TicketFactory(crous=bordeaux)  # not due yet
    TicketFactory(crous=bordeaux, status=TicketStatus.WAITING, due_at=None)

    assert escalation.tickets_escalate_overdue() == 1
    assert escalation.tickets_escalate_overdue() == 0  # the job ran again: nobody alerted twice
    assert escalation.ticket_escalate(ticket_id=overdue.pk) is False

    alert = Message.objects.get(template_key=escalation.ESCALATION_TEMPLATE)
    assert alert.recipient == bordeaux.contact_email
    assert alert.context["ticket_id"] == overdue.pk
    assert overdue.events.filter(kind=TicketEvent.Kind.ESCALATED).count() == 1


def test_a_reopened_ticket_can_be_escalated_again_for_its_new_due_time(
    bordeaux, bordeaux_agent, linked_student
):
    ticket = _open(bordeaux, linked_student)
    Ticket.objects.filter(pk=ticket.pk).update(due_at=timezone.now() - timedelta(hours=1))
    escalation.tickets_escalate_overdue()
    staff_actions.ticket_staff_reply(by=bordeaux_agent, ticket=ticket, body="Answer")
    threads.ticket_student_reply(ticket=ticket, user=linked_student, body="Not solved")
    Ticket.objects.filter(pk=ticket.pk).update(due_at=timezone.now() - timedelta(minutes=5))

    assert escalation.tickets_escalate_overdue() == 1
    assert Message.objects.filter(template_key=escalation.ESCALATION_TEMPLATE).count() == 2


def test_the_escalation_job_is_declared_in_the_schedule():
    from crous_admin.schedule import BEAT_SCHEDULE

    entry = BEAT_SCHEDULE["assistance-escalate-overdue"]
    assert entry["task"] == "assistance.tasks.escalate_overdue_tickets"


def test_the_periodic_task_escalates_through_the_service(bordeaux):
    from assistance.tasks import escalate_overdue_tickets

    TicketFactory(crous=bordeaux, due_at=timezone.now() - timedelta(minutes=1))

    assert escalate_overdue_tickets.delay().get() == 1
    assert escalate_overdue_tickets.delay().get() == 0
