"""Staff's work on a ticket: replies, notes, claim, assignment, status, bulk, canned replies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import business_days
from assistance.models import (
    AWAITING_STAFF,
    AuthorKind,
    CannedReply,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketStatus,
)
from assistance.services import threads
from crous_admin.errors import ApplicationError, ConflictError

if TYPE_CHECKING:
    from crous_admin.accounts.models import User


TRANSITIONS: dict[str, frozenset[str]] = {
    TicketStatus.NEW: frozenset(
        {TicketStatus.OPEN, TicketStatus.WAITING, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
    TicketStatus.OPEN: frozenset(
        {TicketStatus.WAITING, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
    TicketStatus.WAITING: frozenset(
        {TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
    TicketStatus.RESOLVED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}


def _apply_status(ticket: Ticket, status: str, now: datetime) -> list[str]:
    if status == ticket.status:
        return []
    if status not in TRANSITIONS[ticket.status]:
        raise ConflictError(
            _("A ticket that is “%(from)s” cannot become “%(to)s”.")
            % {
                "from": TicketStatus(ticket.status).label,
                "to": TicketStatus(status).label,
            },
            code="transition_refused",
            field="status",
        )
    ticket.status = status
    fields = ["status"]
    if status in AWAITING_STAFF and ticket.due_at is None:
        ticket.due_at = business_days.due_at(now, crous=ticket.crous)
        ticket.escalated_at = None
        fields += ["due_at", "escalated_at"]
    elif status not in AWAITING_STAFF and ticket.due_at is not None:
        ticket.due_at = None
        fields.append("due_at")
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    return fields


@transaction.atomic
def ticket_staff_reply(
    *,
    by: User,
    ticket: Ticket,
    body: str,
    uploads: Sequence[UploadedFile] = (),
    status_after: str = TicketStatus.WAITING,
) -> TicketMessage:
    """A reply the student sees, emailed to them with a link back to the thread. The ticket
    then waits on the student (or is resolved, with ``status_after``); an unassigned ticket
    becomes the replier's."""
    ticket = threads.locked(ticket)
    if ticket.status == TicketStatus.CLOSED:
        raise ConflictError(_("This ticket is closed."), code="ticket_closed")
    now = timezone.now()
    message = threads.message_add(
        ticket, author=by, kind=AuthorKind.STAFF, body=body, uploads=uploads
    )
    fields = threads.answered(ticket, now) + _apply_status(ticket, status_after, now)
    if ticket.assigned_to_id is None:
        ticket.assigned_to = by
        fields.append("assigned_to")
    threads.save(ticket, by, "staff replied", fields)
    threads.event_add(
        ticket, by, TicketEvent.Kind.REPLIED, message=message.pk, status=ticket.status
    )
    threads.notify_student(ticket, message)
    return message


@transaction.atomic
def ticket_add_note(
    *, by: User, ticket: Ticket, body: str, uploads: Sequence[UploadedFile] = ()
) -> TicketMessage:
    """A staff-only note on the thread: never shown to the student, never emailed."""
    ticket = threads.locked(ticket)
    message = threads.message_add(
        ticket, author=by, kind=AuthorKind.STAFF, body=body, internal=True, uploads=uploads
    )
    threads.event_add(ticket, by, TicketEvent.Kind.NOTE, message=message.pk)
    return message


# --- Assignment and workflow ------------------------------------------------------------------


def _require_staff_of(user: User, crous_id: int) -> None:
    from crous_admin.accounts.roles import user_has_perms_in_crous

    if not user_has_perms_in_crous(user, ["assistance.change_ticket"], crous_id):
        raise ApplicationError(
            _("This person does not handle tickets in this Crous."),
            code="not_staff_of_crous",
            field="assigned_to",
        )


@transaction.atomic
def ticket_claim(*, by: User, ticket: Ticket) -> Ticket:
    """The ticket becomes the caller's; a new ticket is then open."""
    ticket = threads.locked(ticket)
    if ticket.assigned_to_id not in (None, by.pk):
        raise ConflictError(
            _("This ticket is already assigned to someone else: ask them, or reassign it."),
            code="already_assigned",
        )
    ticket.assigned_to = by
    fields = ["assigned_to"]
    if ticket.status == TicketStatus.NEW:
        fields += _apply_status(ticket, TicketStatus.OPEN, timezone.now())
    threads.save(ticket, by, "claimed", fields)
    threads.event_add(ticket, by, TicketEvent.Kind.CLAIMED)
    return ticket


@transaction.atomic
def ticket_assign(*, by: User, ticket: Ticket, to: User | None) -> Ticket:
    """Assigns the ticket to a staff member of its Crous (``None``: back to unassigned)."""
    ticket = threads.locked(ticket)
    if to is not None:
        _require_staff_of(to, ticket.crous_id)
    ticket.assigned_to = to
    fields = ["assigned_to"]
    if to is not None and ticket.status == TicketStatus.NEW:
        fields += _apply_status(ticket, TicketStatus.OPEN, timezone.now())
    threads.save(ticket, by, "assigned", fields)
    threads.event_add(ticket, by, TicketEvent.Kind.ASSIGNED, to=to.email if to else None)
    return ticket


@transaction.atomic
def ticket_set_status(*, by: User, ticket: Ticket, status: str) -> Ticket:
    ticket = threads.locked(ticket)
    if status not in TicketStatus.values:
        raise ApplicationError(_("Unknown status."), code="invalid", field="status")
    previous = ticket.status
    fields = _apply_status(ticket, status, timezone.now())
    if fields:
        threads.save(ticket, by, f"status {previous} -> {status}", fields)
        threads.event_add(ticket, by, TicketEvent.Kind.STATUS, previous=previous, status=status)
    return ticket


@dataclass(frozen=True)
class BulkResult:
    done: int
    refused: list[tuple[int, str]]


def tickets_bulk(
    *, by: User, tickets: Iterable[Ticket], action: str, status: str = "", to: User | None = None
) -> BulkResult:
    """Applies one action to many tickets (``claim``, ``assign``, ``status``), each in its own
    transaction: one refusal (a closed ticket…) does not undo the others."""
    done, refused = 0, []
    for ticket in tickets:
        try:
            if action == "claim":
                ticket_claim(by=by, ticket=ticket)
            elif action == "assign":
                ticket_assign(by=by, ticket=ticket, to=to)
            elif action == "status":
                ticket_set_status(by=by, ticket=ticket, status=status)
            else:
                raise ApplicationError(_("Unknown action."), code="invalid")
        except ApplicationError as exc:
            refused.append((ticket.pk, exc.message))
        else:
            done += 1
    return BulkResult(done=done, refused=refused)


class _KeepUnknown(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def canned_reply_render(*, reply: CannedReply, ticket: Ticket, agent: User) -> str:
    """The canned reply's text with its variables filled for this ticket."""
    first_name = ticket.requester_name.split(" ")[0] if ticket.requester_name else ""
    if ticket.student_id and ticket.student:
        first_name = ticket.student.first_name
    due = ""
    if ticket.due_at:
        due = timezone.localtime(ticket.due_at, ticket.crous.time_zone).strftime("%d/%m/%Y")
    values = _KeepUnknown(
        first_name=first_name,
        ticket=f"#{ticket.pk}",
        crous=ticket.crous.name,
        due_date=due,
        agent=(f"{agent.first_name} {agent.last_name}".strip() or agent.email),
    )
    return reply.body.format_map(values)
