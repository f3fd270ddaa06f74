"""The ticket's thread and record: locking, messages, events, the link back, student replies."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from assistance import business_days
from assistance.attachments import attachments_validate
from assistance.models import (
    Attachment,
    AuthorKind,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketStatus,
)
from crous_admin.errors import ApplicationError, ConflictError
from crous_admin.history import record_author
from notifications.models import Channel
from notifications.services.queueing import message_queue

if TYPE_CHECKING:
    from crous_admin.accounts.models import User


STAFF_REPLY_TEMPLATE = "assistance_staff_reply"
THREAD_SALT = "assistance.thread"


def locked(ticket: Ticket) -> Ticket:
    with scopes_disabled():
        return (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("crous", "requester", "student")
            .get(pk=ticket.pk)
        )


def event_add(ticket: Ticket, by: User | None, kind: str, **detail: Any) -> TicketEvent:
    with scopes_disabled():
        return TicketEvent.objects.create(ticket=ticket, actor=by, kind=kind, detail=detail)


def save(ticket: Ticket, by: User | None, reason: str, fields: Sequence[str]) -> None:
    record_author(ticket, by, reason)
    ticket.save(update_fields=[*fields, "updated_at"])


def message_add(
    ticket: Ticket,
    *,
    author: User | None,
    kind: str,
    body: str,
    internal: bool = False,
    uploads: Sequence[UploadedFile] = (),
) -> TicketMessage:
    body = body.strip()
    if not body:
        raise ApplicationError(_("Write a message."), code="body_required", field="body")
    checked = attachments_validate(list(uploads))
    with scopes_disabled():
        message = TicketMessage.objects.create(
            ticket=ticket, author=author, author_kind=kind, body=body, is_internal=internal
        )
        for upload, kind_of_file in checked:
            Attachment.objects.create(
                message=message,
                file=upload,
                original_name=(upload.name or "file")[-200:],
                content_type=kind_of_file.content_type,
                size=upload.size or 0,
            )
    return message


def fold(text: str) -> str:
    """Lower case without accents, hyphens or extra spaces: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().replace("-", " ").replace("'", " ").split())


def language(ticket: Ticket) -> str:
    if ticket.requester_id and ticket.requester:
        return ticket.requester.preferred_language
    return "fr"


def thread_url(ticket: Ticket) -> str:
    """The link back to the thread: the student pages for an account holder, a signed link
    for someone who wrote without an account (lost access)."""
    if ticket.requester_id:
        return settings.SITE_URL + reverse("assistance_portal:ticket", args=[ticket.pk])
    token = signing.dumps({"t": ticket.pk, "e": ticket.requester_email}, salt=THREAD_SALT)
    return settings.SITE_URL + reverse("assistance_portal:thread", args=[token])


def ticket_from_thread_token(token: str) -> Ticket:
    try:
        data = signing.loads(token, salt=THREAD_SALT)
    except signing.BadSignature as exc:
        raise ApplicationError(_("This link is not valid."), code="bad_link", status=404) from exc
    with scopes_disabled():
        ticket = (
            Ticket.objects.filter(pk=data.get("t"), requester_email=data.get("e"))
            .select_related("crous")
            .first()
        )
    if ticket is None:
        raise ApplicationError(_("This link is not valid."), code="bad_link", status=404)
    return ticket


@transaction.atomic
def ticket_student_reply(
    *, ticket: Ticket, user: User | None, body: str, uploads: Sequence[UploadedFile] = ()
) -> TicketMessage:
    """A message from the student. A ticket waiting on them, or resolved, reopens with a new
    due time; a closed ticket takes no more messages (open a new one)."""
    ticket = locked(ticket)
    if ticket.status == TicketStatus.CLOSED:
        raise ConflictError(
            _("This request is closed: open a new request if you need more help."),
            code="ticket_closed",
        )
    message = message_add(ticket, author=user, kind=AuthorKind.STUDENT, body=body, uploads=uploads)
    fields = []
    if ticket.status in (TicketStatus.WAITING, TicketStatus.RESOLVED):
        now = timezone.now()
        ticket.status = TicketStatus.OPEN
        ticket.due_at = business_days.due_at(now, crous=ticket.crous)
        ticket.escalated_at = None
        ticket.resolved_at = None
        fields = ["status", "due_at", "escalated_at", "resolved_at"]
    save(ticket, user, "student replied", fields)
    event_add(ticket, user, TicketEvent.Kind.STUDENT_REPLIED, reopened=bool(fields))
    return message


def notify_student(ticket: Ticket, message: TicketMessage) -> None:
    message_queue(
        crous=ticket.crous,
        recipient=ticket.requester_email,
        channel=Channel.EMAIL,
        template_key=STAFF_REPLY_TEMPLATE,
        language=language(ticket),
        idempotency_key=f"assistance-reply:{message.pk}",
        context={
            "ticket_id": ticket.pk,
            "subject": ticket.subject,
            "name": ticket.requester_name,
            "body": message.body,
            "thread_url": thread_url(ticket),
        },
    )


def system_note(ticket: Ticket, by: User, body: str) -> None:
    """A line in the thread the student sees, e.g. "a new code was emailed"."""
    message_add(ticket, author=by, kind=AuthorKind.SYSTEM, body=body)


def answered(ticket: Ticket, now: datetime) -> list[str]:
    """Marks the first answer from the Crous; the fields to save."""
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        return ["first_response_at"]
    return []
