"""Student pages of Assistance: writing, the thread with its status and expected answer time,
attachments served only to those who may see the ticket, the public lost-access form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assistance import selectors
from assistance.models import Attachment, Ticket, TicketCategory, TicketStatus
from assistance.services import lost_access_requests, opening, staff_actions, threads
from assistance.tests.factories import TicketFactory
from crous_admin.accounts.roles import Role
from notifications.models import Message
from residences.tests.factories import StaffMembershipFactory
from tenants.ine import bea_ine

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def _fresh_cache(settings, tmp_path):
    cache.clear()
    settings.MEDIA_ROOT = tmp_path


def test_a_student_writes_with_an_attachment_and_sees_the_thread(client, bordeaux, linked_student):
    client.force_login(linked_student)

    form = client.get(reverse("assistance_portal:new"), {"category": "code_resend"})
    response = client.post(
        reverse("assistance_portal:new"),
        {
            "crous": bordeaux.pk,
            "category": "code_resend",
            "subject": "Code expired",
            "body": "My code expired.",
            "attachments": [SimpleUploadedFile("avis.pdf", PDF, "application/pdf")],
        },
    )

    assert form.status_code == 200
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("assistance_portal:ticket", args=[ticket.pk])
    page = client.get(response.url).content.decode()
    assert "My code expired." in page
    assert 'id="expected-answer"' in page
    assert "avis.pdf" in page


def test_a_refused_attachment_is_shown_on_the_form(client, bordeaux, linked_student):
    client.force_login(linked_student)

    response = client.post(
        reverse("assistance_portal:new"),
        {
            "crous": bordeaux.pk,
            "category": "other",
            "subject": "Hello",
            "body": "Hi",
            "attachments": [SimpleUploadedFile("virus.exe", b"MZ", "application/octet-stream")],
        },
    )

    assert response.status_code == 200
    assert "virus.exe" in response.content.decode()
    assert not Ticket.objects.exists()


def test_another_students_ticket_is_a_404(client, bordeaux, linked_student, unlinked_student):
    ticket = TicketFactory(crous=bordeaux, requester=linked_student)
    client.force_login(unlinked_student)

    assert client.get(reverse("assistance_portal:ticket", args=[ticket.pk])).status_code == 404


def _attachment(ticket, *, internal=False):
    by = None
    if internal:
        by = StaffMembershipFactory(crous=ticket.crous, role=Role.ASSISTANCE_AGENT).user
        staff_actions.ticket_add_note(
            by=by,
            ticket=ticket,
            body="note",
            uploads=[SimpleUploadedFile("n.pdf", PDF, "application/pdf")],
        )
    else:
        threads.ticket_student_reply(
            ticket=ticket,
            user=ticket.requester,
            body="see file",
            uploads=[SimpleUploadedFile("a.pdf", PDF, "application/pdf")],
        )
    return Attachment.objects.order_by("-pk").first()


def test_attachments_are_served_to_the_requester_and_the_crous_staff_only(
    client, bordeaux, linked_student, unlinked_student, versailles_agent
):
    ticket = TicketFactory(crous=bordeaux, requester=linked_student)
    attachment = _attachment(ticket)
    agent = StaffMembershipFactory(crous=bordeaux, role=Role.ASSISTANCE_AGENT).user
    url = reverse("assistance_portal:attachment", args=[attachment.pk])

    answers = {}
    for who, user in {
        "requester": linked_student,
        "other student": unlinked_student,
        "bordeaux agent": agent,
        "versailles agent": versailles_agent,
    }.items():
        client.force_login(user)
        answers[who] = client.get(url).status_code
    client.logout()
    answers["anonymous"] = client.get(url).status_code

    assert answers == {
        "requester": 200,
        "other student": 404,
        "bordeaux agent": 200,
        "versailles agent": 404,
        "anonymous": 404,
    }


def test_an_internal_notes_attachment_is_not_served_to_the_student(
    client, bordeaux, linked_student
):
    ticket = TicketFactory(crous=bordeaux, requester=linked_student)
    attachment = _attachment(ticket, internal=True)
    client.force_login(linked_student)

    response = client.get(reverse("assistance_portal:attachment", args=[attachment.pk]))

    assert response.status_code == 404


def test_the_public_lost_access_form_then_its_confirmation_link(client, bordeaux):
    response = client.post(
        reverse("assistance_portal:lost_access"),
        {
            "crous": bordeaux.pk,
            "last_name": "Lefèvre",
            "first_name": "Chloé",
            "ine": bea_ine(1234567890).lower(),
            "residence": "Le Bosquet",
            "email": "chloe.new@etu.example",
            "body": "New address",
        },
    )

    assert 'id="lost-access-sent"' in response.content.decode()
    assert not Ticket.objects.exists()
    url = Message.objects.get(template_key=lost_access_requests.CONFIRM_TEMPLATE).context[
        "confirm_url"
    ]
    path = url.removeprefix("http://127.0.0.1:8000")
    # A mail provider's link scanner follows the link: nothing is sent yet.
    assert 'id="lost-access-confirm-form"' in client.get(path).content.decode()
    assert not Ticket.objects.exists()
    confirmed = client.post(path)
    ticket = Ticket.objects.get()
    assert f'data-ticket="{ticket.pk}"' in confirmed.content.decode()
    # The signed thread link works without an account.
    thread = client.get(threads.thread_url(ticket).removeprefix("http://127.0.0.1:8000"))
    assert thread.status_code == 200
    assert "Le Bosquet" in thread.content.decode()


def test_the_lost_access_form_rejects_a_malformed_ine(client, bordeaux):
    response = client.post(
        reverse("assistance_portal:lost_access"),
        {
            "crous": bordeaux.pk,
            "last_name": "X",
            "first_name": "Y",
            "ine": "abc",
            "residence": "R",
            "email": "y@etu.example",
        },
    )

    assert response.status_code == 200
    assert 'id="lost-access-form"' in response.content.decode()
    assert not Message.objects.exists()


def test_a_tampered_thread_link_is_a_404(client):
    assert client.get(reverse("assistance_portal:thread", args=["abc:def"])).status_code == 404


# --- The expected answer time ---------------------------------------------------------------


@pytest.mark.usefixtures("process_local_cache")
def test_the_expected_answer_grows_with_the_backlog_of_the_crous_and_category(bordeaux):
    now = timezone.now()
    # 10 answered in the last business days: 1 a day; 4 waiting -> (4 + 1) / 1 = 5 days.
    for _ in range(10):
        TicketFactory(
            crous=bordeaux,
            status=TicketStatus.WAITING,
            due_at=None,
            first_response_at=now - timedelta(hours=1),
        )
    TicketFactory.create_batch(4, crous=bordeaux)
    TicketFactory.create_batch(7, crous=bordeaux, category=TicketCategory.PAYMENT)

    estimate = selectors.expected_answer(crous=bordeaux, category="code_resend", now=now)

    assert (estimate.backlog, estimate.answered_per_day) == (4, 1.0)
    assert estimate.business_days == 5
    assert estimate.from_history


@pytest.mark.usefixtures("process_local_cache")
def test_without_history_the_expected_answer_is_the_crous_target(bordeaux):
    bordeaux.assistance_target_business_days = 3

    estimate = selectors.expected_answer(crous=bordeaux, category="renewal")

    assert (estimate.business_days, estimate.from_history) == (3, False)


@pytest.mark.usefixtures("process_local_cache")
def test_a_student_opening_many_tickets_in_an_hour_is_throttled(client, bordeaux, linked_student):
    client.force_login(linked_student)
    data = {"crous": bordeaux.pk, "category": "other", "subject": "Hello", "body": "Hi"}
    for _ in range(opening.STUDENT_TICKETS_PER_HOUR):
        assert client.post(reverse("assistance_portal:new"), data).status_code == 302

    refused = client.post(reverse("assistance_portal:new"), data)

    assert refused.status_code == 200  # the form again, with the reason
    assert Ticket.objects.count() == opening.STUDENT_TICKETS_PER_HOUR
