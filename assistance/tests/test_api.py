"""The Assistance API: the staff queue (filters, scope, query budget) and its actions; a
student's own tickets, their thread without internal notes, and the expected answer time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from assistance.models import Ticket, TicketCategory, TicketEvent, TicketStatus
from assistance.services import opening, staff_actions
from assistance.tests.factories import TicketFactory
from crous_admin.accounts.roles import Role
from residences.tests.factories import ResidenceFactory, StaffMembershipFactory
from tenants.tests.factories import TenantFileFactory

LIST = reverse("api:ticket-list")
MY_LIST = reverse("api:me-ticket-list")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def bordeaux_agent(bordeaux):
    return StaffMembershipFactory(
        crous=bordeaux, role=Role.ASSISTANCE_AGENT, user__email="agent@crous-bordeaux.example"
    ).user


@pytest.fixture
def queue(bordeaux, versailles, bordeaux_agent):
    """Bordeaux: 3 overdue new tickets, 2 on time, 1 waiting, 1 closed; Versailles: 2."""
    past = timezone.now() - timedelta(hours=2)
    residence = ResidenceFactory(crous=bordeaux)
    overdue = [
        TicketFactory(crous=bordeaux, due_at=past, residence=residence, assigned_to=bordeaux_agent)
        for _ in range(3)
    ]
    on_time = [TicketFactory(crous=bordeaux, category=TicketCategory.PAYMENT) for _ in range(2)]
    waiting = TicketFactory(crous=bordeaux, status=TicketStatus.WAITING, due_at=None)
    closed = TicketFactory(crous=bordeaux, status=TicketStatus.CLOSED, due_at=None)
    TicketFactory.create_batch(2, crous=versailles, due_at=past)
    return {
        "overdue": overdue,
        "on_time": on_time,
        "waiting": waiting,
        "closed": closed,
        "residence": residence,
    }


def _ids(response):
    return sorted(row["id"] for row in response.json()["results"])


def test_staff_see_their_crous_queue_only(api_client, queue, bordeaux_agent):
    api_client.force_login(bordeaux_agent)

    response = api_client.get(LIST)

    assert response.status_code == 200
    assert response.json()["count"] == 7
    assert {row["crous"]["code"] for row in response.json()["results"]} == {"bordeaux"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"overdue": "true"}, "overdue"),
        ({"status": "new", "overdue": "false"}, "on_time"),
        ({"category": "payment"}, "on_time"),
        ({"assigned": "me"}, "overdue"),
        ({"status": ["waiting", "closed"]}, "waiting+closed"),
    ],
)
def test_the_queue_filters(api_client, queue, bordeaux_agent, params, expected):
    api_client.force_login(bordeaux_agent)
    wanted = {
        "overdue": queue["overdue"],
        "on_time": queue["on_time"],
        "waiting+closed": [queue["waiting"], queue["closed"]],
    }[expected]

    response = api_client.get(LIST, params)

    assert _ids(response) == sorted(t.pk for t in wanted)


def test_the_queue_filters_by_residence_and_unassigned(api_client, queue, bordeaux_agent):
    api_client.force_login(bordeaux_agent)

    by_residence = api_client.get(LIST, {"residence": queue["residence"].pk})
    unassigned = api_client.get(LIST, {"assigned": "none"})

    assert _ids(by_residence) == sorted(t.pk for t in queue["overdue"])
    assert len(_ids(unassigned)) == 4


def test_overdue_rows_say_so(api_client, queue, bordeaux_agent):
    api_client.force_login(bordeaux_agent)

    rows = api_client.get(LIST, {"overdue": "true"}).json()["results"]

    assert all(row["is_overdue"] for row in rows)


@pytest.mark.parametrize("page_size", [5, 50])
def test_the_queue_costs_the_same_queries_whatever_the_page_size(
    api_client, bordeaux, bordeaux_agent, django_assert_num_queries, page_size
):
    past = timezone.now() - timedelta(hours=1)
    TicketFactory.create_batch(60, crous=bordeaux, due_at=past, assigned_to=bordeaux_agent)
    token = Token.objects.create(user=bordeaux_agent)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    # 1 token with its user, 2 staff memberships, 3 count, 4 the page with Crous, residence
    # and assignee joined
    with django_assert_num_queries(4):
        response = api_client.get(
            LIST,
            {"crous": bordeaux.pk, "status": "new", "overdue": "true", "page_size": page_size},
        )

    assert response.json()["count"] == 60
    assert len(response.json()["results"]) == page_size


def test_staff_reply_through_the_api_shows_in_the_thread_and_emails(
    api_client, bordeaux, bordeaux_agent, linked_student
):
    ticket = opening.ticket_open(
        crous=bordeaux,
        category=TicketCategory.OTHER,
        subject="Question",
        body="Hello",
        requester=linked_student,
    )
    api_client.force_login(bordeaux_agent)

    response = api_client.post(
        reverse("api:ticket-reply", args=[ticket.pk]), {"body": "Answer"}, format="json"
    )
    note = api_client.post(
        reverse("api:ticket-note", args=[ticket.pk]), {"body": "Staff only"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == TicketStatus.WAITING
    assert [m["is_internal"] for m in note.json()["messages"]] == [False, False, True]


def test_a_refused_transition_is_a_409_in_the_error_format(api_client, bordeaux, bordeaux_agent):
    ticket = TicketFactory(crous=bordeaux, status=TicketStatus.CLOSED, due_at=None)
    api_client.force_login(bordeaux_agent)

    response = api_client.post(
        reverse("api:ticket-set-status", args=[ticket.pk]), {"status": "open"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "transition_refused"


def test_verify_then_relink_through_the_api(api_client, bordeaux, bordeaux_agent, unlinked_student):
    tenant_file = TenantFileFactory(crous=bordeaux)
    student = tenant_file.student
    ticket = opening.ticket_open(
        crous=bordeaux,
        category=TicketCategory.LOST_ACCESS,
        subject="Lost access",
        body="New address",
        requester=unlinked_student,
        requester_name=f"{student.first_name} {student.last_name}",
        ine=student.ine,
        residence_given=tenant_file.unit.residence.name,
        tenant_file=tenant_file,
    )
    api_client.force_login(bordeaux_agent)

    checked = api_client.post(reverse("api:ticket-verify-identity", args=[ticket.pk]))
    relinked = api_client.post(
        reverse("api:ticket-relink", args=[ticket.pk]),
        {"tenant_file": tenant_file.pk},
        format="json",
    )

    assert checked.json()["matches"] == [
        {"tenant_file": tenant_file.pk, "name": True, "ine": True, "residence": True}
    ]
    assert relinked.status_code == 200, relinked.json()
    tenant_file.refresh_from_db()
    assert tenant_file.linked_user == unlinked_student
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[-2:] == [TicketEvent.Kind.IDENTITY_CHECKED, TicketEvent.Kind.ACCOUNT_RELINKED]


# --- The student's side ---------------------------------------------------------------------


def test_a_student_writes_and_reads_their_thread_without_internal_notes(
    api_client, bordeaux, bordeaux_agent, unlinked_student
):
    api_client.force_login(unlinked_student)

    created = api_client.post(
        MY_LIST,
        {
            "crous": bordeaux.pk,
            "category": "code_resend",
            "subject": "Code not received",
            "body": "Please send it again.",
        },
        format="json",
    )
    ticket = Ticket.objects.get(pk=created.json()["id"])
    staff_actions.ticket_add_note(by=bordeaux_agent, ticket=ticket, body="Staff only")
    detail = api_client.get(reverse("api:me-ticket-detail", args=[ticket.pk]))

    assert created.status_code == 201
    assert created.json()["expected_answer"]["business_days"] >= 1
    assert [m["body"] for m in detail.json()["messages"]] == ["Please send it again."]
    assert "is_internal" not in detail.json()["messages"][0]


def test_a_student_reply_through_the_api_reopens(
    api_client, bordeaux, bordeaux_agent, linked_student
):
    ticket = opening.ticket_open(
        crous=bordeaux, category="other", subject="Q", body="Hello", requester=linked_student
    )
    staff_actions.ticket_staff_reply(by=bordeaux_agent, ticket=ticket, body="Which residence?")
    api_client.force_login(linked_student)

    response = api_client.post(
        reverse("api:me-ticket-reply", args=[ticket.pk]), {"body": "Talence"}, format="json"
    )

    assert response.json()["status"] == TicketStatus.OPEN


def test_another_students_ticket_is_a_404(api_client, bordeaux, linked_student, unlinked_student):
    ticket = TicketFactory(crous=bordeaux, requester=linked_student)
    api_client.force_login(unlinked_student)

    response = api_client.get(reverse("api:me-ticket-detail", args=[ticket.pk]))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_my_tickets_list_costs_the_same_queries_whatever_their_number(
    api_client, bordeaux, linked_student, django_assert_num_queries
):
    TicketFactory.create_batch(12, crous=bordeaux, requester=linked_student)
    api_client.force_login(linked_student)

    # 1 session, 2 user, 3 the scope (staff memberships, none: a student, and the student's
    # Crous, in one UNION), 4 count, 5 the page with the Crous joined
    with django_assert_num_queries(5):
        response = api_client.get(MY_LIST)

    assert response.json()["count"] == 12


def test_the_fast_queue_rows_are_exactly_what_the_ticket_serializer_gives(
    api_client, queue, bordeaux_agent
):
    from assistance.api.serializers import TicketSerializer
    from assistance.selectors import tickets_for_queue

    api_client.force_login(bordeaux_agent)

    rows = api_client.get(LIST, {"page_size": 200}).json()["results"]

    tickets = {t.pk: t for t in tickets_for_queue().filter(pk__in=[r["id"] for r in rows])}
    expected = [TicketSerializer(tickets[row["id"]]).data for row in rows]
    assert rows == expected
    assert any(row["residence"] for row in rows)
    assert any(row["assigned_to"] for row in rows)


def test_an_invalid_queue_filter_is_a_400_naming_the_parameter(api_client, bordeaux_agent):
    api_client.force_login(bordeaux_agent)

    response = api_client.get(LIST, {"status": "lost", "overdue": "maybe"})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) <= {"status", "overdue"}


# --- Attachments through the API (multipart) ---------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


def _students_ticket(bordeaux, linked_student):
    return opening.ticket_open(
        crous=bordeaux,
        category=TicketCategory.PAYMENT,
        subject="APL",
        body="Which document does the CAF need?",
        requester=linked_student,
    )


def test_a_student_attaches_a_pdf_to_a_reply_through_the_api(
    api_client, bordeaux, linked_student, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assistance.models import TicketMessage

    settings.MEDIA_ROOT = tmp_path
    ticket = _students_ticket(bordeaux, linked_student)
    api_client.force_login(linked_student)

    response = api_client.post(
        reverse("api:me-ticket-reply", args=[ticket.pk]),
        {
            "body": "Here it is.",
            "attachments": [SimpleUploadedFile("avis.pdf", PDF, "application/pdf")],
        },
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    reply = TicketMessage.objects.filter(ticket=ticket).order_by("pk").last()
    (attachment,) = reply.attachments.all()
    assert attachment.file.read() == PDF


def test_a_refused_attachment_is_a_400_naming_the_file_and_records_nothing(
    api_client, bordeaux, linked_student, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assistance.models import TicketMessage

    settings.MEDIA_ROOT = tmp_path
    ticket = _students_ticket(bordeaux, linked_student)
    api_client.force_login(linked_student)

    response = api_client.post(
        reverse("api:me-ticket-reply", args=[ticket.pk]),
        {"body": "Here it is.", "attachments": [SimpleUploadedFile("virus.exe", b"MZ")]},
        format="multipart",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "attachment_refused"
    assert "virus.exe" in error["message"]
    assert TicketMessage.objects.filter(ticket=ticket).count() == 1  # the opening message only
