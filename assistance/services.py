"""Writes of Assistance: opening tickets, the thread, the workflow, the actions on a file.

Every function is keyword-only, runs in one transaction, leaves a ``TicketEvent`` for what
staff did (the audit trail; the tenant file's own history is written by
``tenants.code_services``) and queues emails through the outbox in the same transaction.

Callers have already decided the ticket is visible to the person acting (the request's
scope, ``selectors.ticket_for_staff`` / ``ticket_of_student``); services read and lock rows
with the scope lifted, because a ticket's writes touch other Crous' rows on purpose
(duplicates, a move to the Crous that holds the file, a transfer).

The workflow (docs/assistance.md)::

    new ──► open ──► waiting on student ──► resolved ──► closed
     │        ▲            │                   │
     │        └── student reply reopens ◄──────┘
     └──► (any of them, by staff)

A due time runs only while the Crous owes an answer (new, open); a student reply that
reopens a ticket starts a new one from the reply.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from assistance import business_days
from assistance.attachments import attachments_validate
from assistance.models import (
    AWAITING_STAFF,
    UNFINISHED,
    Attachment,
    AuthorKind,
    CannedReply,
    LostAccessRequest,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketMessage,
    TicketStatus,
)
from crous_admin.errors import ApplicationError, ConflictError
from crous_admin.history import record_author
from notifications.models import Channel
from notifications.services.queueing import message_queue
from residences.models import Crous, HousingUnit, Residence
from tenants import code_services
from tenants.ine import normalize_ine
from tenants.models import CURRENT_STATUSES, Student, TenantFile

if TYPE_CHECKING:
    from crous_admin.accounts.models import User

STAFF_REPLY_TEMPLATE = "assistance_staff_reply"
ESCALATION_TEMPLATE = "assistance_escalation"
CONFIRM_TEMPLATE = "assistance_lost_access_confirm"
CONFIRM_SALT = "assistance.lost-access"
THREAD_SALT = "assistance.thread"
CONFIRM_MAX_AGE = 2 * 24 * 3600  # the confirmation link works for two days
# The public form: per address and per contact email, in the shared cache.
LOST_ACCESS_PER_IP_PER_HOUR = 5
LOST_ACCESS_PER_EMAIL_PER_DAY = 3
STUDENT_TICKETS_PER_HOUR = 10

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


# --- Helpers ---------------------------------------------------------------------------------


def _locked(ticket: Ticket) -> Ticket:
    with scopes_disabled():
        return (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("crous", "requester", "student")
            .get(pk=ticket.pk)
        )


def _event(ticket: Ticket, by: User | None, kind: str, **detail: Any) -> TicketEvent:
    with scopes_disabled():
        return TicketEvent.objects.create(ticket=ticket, actor=by, kind=kind, detail=detail)


def _save(ticket: Ticket, by: User | None, reason: str, fields: Sequence[str]) -> None:
    record_author(ticket, by, reason)
    ticket.save(update_fields=[*fields, "updated_at"])


def _message(
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


def _fold(text: str) -> str:
    """Lower case without accents, hyphens or extra spaces: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().replace("-", " ").replace("'", " ").split())


def _language(ticket: Ticket) -> str:
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


# --- Opening a ticket -------------------------------------------------------------------------


def _flag_duplicates(ticket: Ticket) -> None:
    """The same INE with unfinished tickets in several Crous: every one of them is flagged."""
    if not ticket.requester_ine:
        return
    with scopes_disabled():
        same_ine = Ticket.objects.filter(requester_ine=ticket.requester_ine, status__in=UNFINISHED)
        crous_ids = set(same_ine.values_list("crous_id", flat=True))
        if len(crous_ids) > 1:
            same_ine.filter(is_duplicate=False).update(is_duplicate=True)
            ticket.is_duplicate = True


def _file_for(*, crous: Crous, user: User | None, ine: str) -> TenantFile | None:
    """The tenant file a ticket is most likely about: the account's file in this Crous, else
    the newest file of the INE or of the account's email address there."""
    with scopes_disabled():
        files = TenantFile.objects.filter(crous=crous).select_related("student", "unit")
        if user is not None:
            linked = files.filter(linked_user=user).order_by("-academic_year", "-id").first()
            if linked is not None:
                return linked
        if ine:
            found = files.filter(student__ine=ine).order_by("-academic_year", "-id").first()
            if found is not None:
                return found
        if user is not None:
            return (
                files.filter(student__email__iexact=user.email)
                .order_by("-academic_year", "-id")
                .first()
            )
    return None


def student_ticket_quota_check(*, user: User) -> None:
    """Counts one more ticket written by ``user`` on the student pages or the API, refused
    (429) past ``STUDENT_TICKETS_PER_HOUR`` an hour: more is a mistake or abuse, and each
    costs an agent's time. Tickets opened by other apps or the demo are not counted."""
    if _count(f"assistance:new-tickets:{user.pk}", 3600) > STUDENT_TICKETS_PER_HOUR:
        raise ApplicationError(
            _(
                "You have written several requests in the last hour: answer in one of them "
                "instead, or try again later."
            ),
            code="throttled",
            status=429,
            extra={"retry_after_seconds": 3600},
        )


@transaction.atomic
def ticket_open(
    *,
    crous: Crous,
    category: str,
    subject: str,
    body: str,
    requester: User | None = None,
    requester_email: str = "",
    requester_name: str = "",
    ine: str = "",
    residence_given: str = "",
    tenant_file: TenantFile | None = None,
    uploads: Sequence[UploadedFile] = (),
    idempotency_key: str | None = None,
    author_kind: str = AuthorKind.STUDENT,
    now: datetime | None = None,
) -> Ticket:
    """Opens a ticket in ``crous``'s queue with its first message; due in business days.

    With ``idempotency_key``, opening the same ticket again returns the first one.
    """
    if category not in TicketCategory.values:
        raise ApplicationError(_("Choose a category."), code="invalid", field="category")
    if not subject.strip():
        raise ApplicationError(_("Give a subject."), code="invalid", field="subject")
    if idempotency_key:
        with scopes_disabled():
            existing = Ticket.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    now = now or timezone.now()
    ine = normalize_ine(ine) if ine else ""
    if tenant_file is None:
        tenant_file = _file_for(crous=crous, user=requester, ine=ine)
    student = tenant_file.student if tenant_file else None
    if student is not None and not ine:
        ine = student.ine
    email = (
        requester_email
        or (requester.email if requester else "")
        or (student.email if student else "")
    )
    name = requester_name or (
        f"{student.first_name} {student.last_name}"
        if student
        else (f"{requester.first_name} {requester.last_name}".strip() if requester else "")
    )
    residence_id = tenant_file.unit.residence_id if tenant_file else None
    ticket = Ticket(
        crous=crous,
        residence_id=residence_id,
        category=category,
        status=TicketStatus.NEW,
        subject=subject.strip()[:200],
        requester=requester,
        requester_email=email,
        requester_name=name[:200],
        requester_ine=ine[:11],
        residence_given=residence_given[:200],
        student=student,
        tenant_file=tenant_file,
        created_at=now,
        due_at=business_days.due_at(now, crous=crous),
        idempotency_key=idempotency_key or None,
    )
    record_author(ticket, requester, "ticket opened")
    try:
        with transaction.atomic():
            ticket.save()
    except IntegrityError:
        # Two calls with the same key at the same moment: the other one won.
        with scopes_disabled():
            return Ticket.objects.get(idempotency_key=idempotency_key)
    _message(ticket, author=requester, kind=author_kind, body=body, uploads=uploads)
    _event(ticket, requester, TicketEvent.Kind.CREATED, category=category)
    _flag_duplicates(ticket)
    return ticket


def ticket_open_for_student(
    *,
    crous: Crous,
    student_or_tenant_file: Student | TenantFile,
    category: str,
    subject: str,
    body: str,
    idempotency_key: str,
) -> Ticket:
    """Opens a ticket on a student's behalf, for other apps (e.g. renewals, when a 72-hour
    confirmation is late). Idempotent: the same key returns the ticket opened the first time.

    The message is written as the system's; the student is the requester when their account
    is linked to the file, so they see the ticket on their pages.
    """
    if isinstance(student_or_tenant_file, TenantFile):
        tenant_file: TenantFile | None = student_or_tenant_file
        student = student_or_tenant_file.student
    else:
        student = student_or_tenant_file
        with scopes_disabled():
            tenant_file = (
                student.tenant_files.filter(crous=crous).order_by("-academic_year", "-id").first()
            )
    requester = tenant_file.linked_user if tenant_file and tenant_file.linked_user_id else None
    return ticket_open(
        crous=crous,
        category=category,
        subject=subject,
        body=body,
        requester=requester,
        requester_email=student.email,
        requester_name=f"{student.first_name} {student.last_name}",
        ine=student.ine,
        tenant_file=tenant_file,
        idempotency_key=idempotency_key,
        author_kind=AuthorKind.SYSTEM,
    )


# --- The public lost-access form ---------------------------------------------------------------


def _count(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1


@transaction.atomic
def lost_access_request_submit(
    *,
    crous: Crous,
    first_name: str,
    last_name: str,
    ine: str,
    residence: str,
    email: str,
    body: str,
    ip: str,
) -> LostAccessRequest:
    """Records the public lost-access form and emails a confirmation link to ``email``.

    Nothing reaches the queue before the link is followed: anybody can type anything here.
    Throttled per address and per contact email (429).
    """
    email = email.strip().lower()
    if _count(f"assistance:lost-access:ip:{ip}", 3600) > LOST_ACCESS_PER_IP_PER_HOUR:
        raise ApplicationError(
            _("Too many requests from this connection: try again in an hour."),
            code="throttled",
            status=429,
            extra={"retry_after_seconds": 3600},
        )
    if _count(f"assistance:lost-access:email:{email}", 86400) > LOST_ACCESS_PER_EMAIL_PER_DAY:
        raise ApplicationError(
            _(
                "Several requests were already sent for this address today: follow the link "
                "in the email we sent, or try again tomorrow."
            ),
            code="throttled",
            status=429,
            extra={"retry_after_seconds": 86400},
        )
    request = LostAccessRequest(
        crous=crous,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        ine=normalize_ine(ine),
        residence=residence.strip(),
        email=email,
        body=body.strip(),
    )
    request.full_clean()
    with scopes_disabled():
        request.save()
    token = signing.dumps({"r": request.pk}, salt=CONFIRM_SALT)
    message_queue(
        crous=crous,
        recipient=email,
        channel=Channel.EMAIL,
        template_key=CONFIRM_TEMPLATE,
        language="fr",
        idempotency_key=f"assistance-lost-access-confirm:{request.pk}",
        context={
            "first_name": request.first_name,
            "confirm_url": settings.SITE_URL
            + reverse("assistance_portal:lost_access_confirm", args=[token]),
        },
    )
    return request


@transaction.atomic
def lost_access_request_confirm(*, token: str) -> Ticket:
    """Turns a confirmed lost-access request into a ticket, once (following the link again
    returns the same ticket)."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ApplicationError(
            _("This link has expired: fill in the form again."), code="link_expired", status=410
        ) from exc
    except signing.BadSignature as exc:
        raise ApplicationError(_("This link is not valid."), code="bad_link", status=404) from exc
    with scopes_disabled():
        request = (
            LostAccessRequest.objects.select_for_update(of=("self",))
            .select_related("crous")
            .filter(pk=data.get("r"))
            .first()
        )
        if request is None:
            raise ApplicationError(_("This link is not valid."), code="bad_link", status=404)
        if request.ticket_id is not None:
            return Ticket.objects.get(pk=request.ticket_id)
    body = "\n".join(
        line
        for line in (
            _("Name: %(name)s") % {"name": f"{request.first_name} {request.last_name}"},
            _("INE: %(ine)s") % {"ine": request.ine},
            _("Assigned residence: %(residence)s") % {"residence": request.residence},
            _("Contact email (confirmed): %(email)s") % {"email": request.email},
            "",
            request.body,
        )
    )
    ticket = ticket_open(
        crous=request.crous,
        category=TicketCategory.LOST_ACCESS,
        subject=_("Lost access: %(name)s") % {"name": f"{request.first_name} {request.last_name}"},
        body=body,
        requester_email=request.email,
        requester_name=f"{request.first_name} {request.last_name}",
        ine=request.ine,
        residence_given=request.residence,
        idempotency_key=f"lost-access:{request.pk}",
    )
    request.confirmed_at = timezone.now()
    request.ticket = ticket
    with scopes_disabled():
        request.save(update_fields=["confirmed_at", "ticket"])
    return ticket


# --- The thread -------------------------------------------------------------------------------


@transaction.atomic
def ticket_student_reply(
    *, ticket: Ticket, user: User | None, body: str, uploads: Sequence[UploadedFile] = ()
) -> TicketMessage:
    """A message from the student. A ticket waiting on them, or resolved, reopens with a new
    due time; a closed ticket takes no more messages (open a new one)."""
    ticket = _locked(ticket)
    if ticket.status == TicketStatus.CLOSED:
        raise ConflictError(
            _("This request is closed: open a new request if you need more help."),
            code="ticket_closed",
        )
    message = _message(ticket, author=user, kind=AuthorKind.STUDENT, body=body, uploads=uploads)
    fields = []
    if ticket.status in (TicketStatus.WAITING, TicketStatus.RESOLVED):
        now = timezone.now()
        ticket.status = TicketStatus.OPEN
        ticket.due_at = business_days.due_at(now, crous=ticket.crous)
        ticket.escalated_at = None
        ticket.resolved_at = None
        fields = ["status", "due_at", "escalated_at", "resolved_at"]
    _save(ticket, user, "student replied", fields)
    _event(ticket, user, TicketEvent.Kind.STUDENT_REPLIED, reopened=bool(fields))
    return message


def _notify_student(ticket: Ticket, message: TicketMessage) -> None:
    message_queue(
        crous=ticket.crous,
        recipient=ticket.requester_email,
        channel=Channel.EMAIL,
        template_key=STAFF_REPLY_TEMPLATE,
        language=_language(ticket),
        idempotency_key=f"assistance-reply:{message.pk}",
        context={
            "ticket_id": ticket.pk,
            "subject": ticket.subject,
            "name": ticket.requester_name,
            "body": message.body,
            "thread_url": thread_url(ticket),
        },
    )


def _answered(ticket: Ticket, now: datetime) -> list[str]:
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        return ["first_response_at"]
    return []


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
    ticket = _locked(ticket)
    if ticket.status == TicketStatus.CLOSED:
        raise ConflictError(_("This ticket is closed."), code="ticket_closed")
    now = timezone.now()
    message = _message(ticket, author=by, kind=AuthorKind.STAFF, body=body, uploads=uploads)
    fields = _answered(ticket, now) + _apply_status(ticket, status_after, now)
    if ticket.assigned_to_id is None:
        ticket.assigned_to = by
        fields.append("assigned_to")
    _save(ticket, by, "staff replied", fields)
    _event(ticket, by, TicketEvent.Kind.REPLIED, message=message.pk, status=ticket.status)
    _notify_student(ticket, message)
    return message


@transaction.atomic
def ticket_add_note(
    *, by: User, ticket: Ticket, body: str, uploads: Sequence[UploadedFile] = ()
) -> TicketMessage:
    """A staff-only note on the thread: never shown to the student, never emailed."""
    ticket = _locked(ticket)
    message = _message(
        ticket, author=by, kind=AuthorKind.STAFF, body=body, internal=True, uploads=uploads
    )
    _event(ticket, by, TicketEvent.Kind.NOTE, message=message.pk)
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
    ticket = _locked(ticket)
    if ticket.assigned_to_id not in (None, by.pk):
        raise ConflictError(
            _("This ticket is already assigned to someone else: ask them, or reassign it."),
            code="already_assigned",
        )
    ticket.assigned_to = by
    fields = ["assigned_to"]
    if ticket.status == TicketStatus.NEW:
        fields += _apply_status(ticket, TicketStatus.OPEN, timezone.now())
    _save(ticket, by, "claimed", fields)
    _event(ticket, by, TicketEvent.Kind.CLAIMED)
    return ticket


@transaction.atomic
def ticket_assign(*, by: User, ticket: Ticket, to: User | None) -> Ticket:
    """Assigns the ticket to a staff member of its Crous (``None``: back to unassigned)."""
    ticket = _locked(ticket)
    if to is not None:
        _require_staff_of(to, ticket.crous_id)
    ticket.assigned_to = to
    fields = ["assigned_to"]
    if to is not None and ticket.status == TicketStatus.NEW:
        fields += _apply_status(ticket, TicketStatus.OPEN, timezone.now())
    _save(ticket, by, "assigned", fields)
    _event(ticket, by, TicketEvent.Kind.ASSIGNED, to=to.email if to else None)
    return ticket


@transaction.atomic
def ticket_set_status(*, by: User, ticket: Ticket, status: str) -> Ticket:
    ticket = _locked(ticket)
    if status not in TicketStatus.values:
        raise ApplicationError(_("Unknown status."), code="invalid", field="status")
    previous = ticket.status
    fields = _apply_status(ticket, status, timezone.now())
    if fields:
        _save(ticket, by, f"status {previous} -> {status}", fields)
        _event(ticket, by, TicketEvent.Kind.STATUS, previous=previous, status=status)
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


# --- One-click actions on the tenant file -----------------------------------------------------


@dataclass(frozen=True)
class IdentityMatch:
    """A tenant file of the ticket's Crous checked against what the person wrote."""

    tenant_file: TenantFile
    name: bool
    ine: bool
    residence: bool

    @property
    def full(self) -> bool:
        return self.name and self.ine and self.residence

    def as_detail(self) -> dict[str, Any]:
        return {
            "tenant_file": self.tenant_file.pk,
            "name": self.name,
            "ine": self.ine,
            "residence": self.residence,
        }


def _residence_matches(given: str, residence: Residence) -> bool:
    given_f, name_f = _fold(given), _fold(residence.name)
    if not given_f:
        return False
    return given_f in name_f or name_f in given_f or given_f == _fold(residence.code)


def identity_candidates(ticket: Ticket) -> list[IdentityMatch]:
    """Tenant files of the ticket's Crous matching the INE or the name given (INE first)."""
    name_given = _fold(ticket.requester_name)
    residence_given = ticket.residence_given or (
        ticket.residence.name if ticket.residence_id and ticket.residence else ""
    )
    with scopes_disabled():
        files = TenantFile.objects.filter(crous_id=ticket.crous_id).select_related(
            "student", "unit__residence", "crous", "linked_user"
        )
        candidates = (
            list(
                files.filter(student__ine=ticket.requester_ine).order_by("-academic_year", "-id")[
                    :5
                ]
            )
            if ticket.requester_ine
            else []
        )
        if not candidates and name_given:
            parts = name_given.split()
            query = files
            for part in parts[-1:]:
                query = query.filter(student__last_name__icontains=part)
            candidates = [
                f
                for f in query.order_by("-academic_year", "-id")[:20]
                if _fold(f"{f.student.first_name} {f.student.last_name}") == name_given
                or _fold(f"{f.student.last_name} {f.student.first_name}") == name_given
            ][:5]
    matches = []
    for tenant_file in candidates:
        student = tenant_file.student
        full_name = _fold(f"{student.first_name} {student.last_name}")
        reversed_name = _fold(f"{student.last_name} {student.first_name}")
        matches.append(
            IdentityMatch(
                tenant_file=tenant_file,
                name=name_given in (full_name, reversed_name),
                ine=bool(ticket.requester_ine) and ticket.requester_ine == student.ine,
                residence=_residence_matches(residence_given, tenant_file.unit.residence),
            )
        )
    return matches


@transaction.atomic
def ticket_verify_identity(*, by: User, ticket: Ticket) -> list[IdentityMatch]:
    """Checks the name, INE and residence given against the Crous' tenant files; recorded
    (which file, which of the three matched) in the ticket's audit trail."""
    matches = identity_candidates(ticket)
    _event(
        ticket,
        by,
        TicketEvent.Kind.IDENTITY_CHECKED,
        matches=[m.as_detail() for m in matches],
    )
    return matches


def _file_of_ticket(ticket: Ticket, tenant_file: TenantFile) -> TenantFile:
    if tenant_file.crous_id != ticket.crous_id:
        raise ApplicationError(
            _("This tenant file belongs to another Crous than the ticket."),
            code="file_other_crous",
            field="tenant_file",
        )
    return tenant_file


def _identity_verified(ticket: Ticket, tenant_file: TenantFile) -> bool:
    with scopes_disabled():
        checks = TicketEvent.objects.filter(
            ticket=ticket, kind=TicketEvent.Kind.IDENTITY_CHECKED
        ).values_list("detail", flat=True)
        return any(
            m.get("tenant_file") == tenant_file.pk and m["name"] and m["ine"] and m["residence"]
            for detail in checks
            for m in detail.get("matches", [])
        )


def _system_note(ticket: Ticket, by: User, body: str) -> None:
    """A line in the thread the student sees, e.g. "a new code was emailed"."""
    _message(ticket, author=by, kind=AuthorKind.SYSTEM, body=body)


@transaction.atomic
def ticket_resend_code(*, by: User, ticket: Ticket, tenant_file: TenantFile) -> TenantFile:
    """Issues a fresh code for the file (the old one dies) and emails it to the student."""
    ticket = _locked(ticket)
    _file_of_ticket(ticket, tenant_file)
    with scopes_disabled():
        issued = code_services.tenant_code_resend(by=by, tenant_file=tenant_file)
    fields = _answered(ticket, timezone.now())
    if ticket.tenant_file_id != tenant_file.pk:
        ticket.tenant_file = tenant_file
        fields.append("tenant_file")
    _save(ticket, by, "code resent", fields)
    _event(ticket, by, TicketEvent.Kind.CODE_RESENT, tenant_file=tenant_file.pk)
    _system_note(
        ticket,
        by,
        _(
            "A new activation code was emailed to %(email)s. The previous code no longer "
            "works. Check your spam folder or the “Promotions” tab for mail from “Crous”."
        )
        % {"email": issued.tenant_file.student.email},
    )
    return issued.tenant_file


def account_for_relink(ticket: Ticket) -> User | None:
    """The account to link after a lost access: the requester's, else the account that
    uses the ticket's (confirmed) contact address."""
    from crous_admin.accounts.models import User

    if ticket.requester_id:
        return ticket.requester
    return User.objects.filter(email__iexact=ticket.requester_email).first()


@transaction.atomic
def ticket_relink_account(*, by: User, ticket: Ticket, tenant_file: TenantFile) -> TenantFile:
    """Links the student's current account to the file, after the identity was verified
    (all of name, INE and residence matched, recorded on this ticket). An account linked
    before (the lost one) is unlinked first, with the ticket as the reason."""
    ticket = _locked(ticket)
    _file_of_ticket(ticket, tenant_file)
    if not _identity_verified(ticket, tenant_file):
        raise ConflictError(
            _(
                "Verify the identity first: name, INE and residence must all match this "
                "tenant file."
            ),
            code="identity_not_verified",
        )
    account = account_for_relink(ticket)
    if account is None:
        raise ConflictError(
            _(
                "No account uses %(email)s yet: ask the student to create their account with "
                "this address, then link it."
            )
            % {"email": ticket.requester_email},
            code="no_account",
        )
    with scopes_disabled():
        # Read again: the caller's instance may predate the student's own link.
        tenant_file = TenantFile.objects.get(pk=tenant_file.pk)
        if tenant_file.linked_user_id not in (None, account.pk):
            code_services.tenant_file_unlink(
                by=by, tenant_file=tenant_file, reason=f"lost access, Assistance ticket {ticket.pk}"
            )
            tenant_file.refresh_from_db()
        linked = code_services.tenant_file_relink(by=by, tenant_file=tenant_file, user=account)
    fields = _answered(ticket, timezone.now())
    if ticket.tenant_file_id != tenant_file.pk:
        ticket.tenant_file = tenant_file
        fields.append("tenant_file")
    _save(ticket, by, "account relinked", fields)
    _event(
        ticket,
        by,
        TicketEvent.Kind.ACCOUNT_RELINKED,
        tenant_file=tenant_file.pk,
        account=account.email,
    )
    _system_note(
        ticket,
        by,
        _("Your account %(email)s is linked to your accommodation again.")
        % {"email": account.email},
    )
    return linked


@transaction.atomic
def ticket_start_transfer(
    *,
    by: User,
    ticket: Ticket,
    tenant_file: TenantFile,
    unit: HousingUnit,
    start_date: date,
    end_date: date,
) -> TenantFile:
    """Transfers the student to ``unit``'s Crous (``tenants.code_services``): the file here
    ends, a new one opens there with its own code, emailed."""
    ticket = _locked(ticket)
    _file_of_ticket(ticket, tenant_file)
    issued = code_services.tenant_file_transfer(
        by=by, tenant_file=tenant_file, unit=unit, start_date=start_date, end_date=end_date
    )
    fields = _answered(ticket, timezone.now())
    _save(ticket, by, "transfer started", fields)
    _event(
        ticket,
        by,
        TicketEvent.Kind.TRANSFER_STARTED,
        tenant_file=tenant_file.pk,
        new_tenant_file=issued.tenant_file.pk,
        crous=issued.tenant_file.crous.code,
    )
    return issued.tenant_file


def crous_holding_file_of(ine: str) -> list[Crous]:
    """The Crous holding a current tenant file for this INE (where a duplicate belongs)."""
    if not ine:
        return []
    with scopes_disabled():
        return list(
            Crous.objects.filter(
                tenant_files__student__ine=ine, tenant_files__status__in=CURRENT_STATUSES
            )
            .distinct()
            .order_by("name")
        )


@transaction.atomic
def ticket_move_to_crous(*, by: User, ticket: Ticket, crous: Crous) -> Ticket:
    """Moves a ticket to another Crous' queue (it wrote to the wrong one): unassigned, with a
    due time counted there from now, linked to the file that Crous holds, if any."""
    ticket = _locked(ticket)
    if crous.pk == ticket.crous_id:
        raise ApplicationError(
            _("The ticket is already in this Crous."), code="same_crous", field="crous"
        )
    previous = ticket.crous
    now = timezone.now()
    ticket.crous = crous
    ticket.assigned_to = None
    ticket.escalated_at = None
    tenant_file = _file_for(crous=crous, user=ticket.requester, ine=ticket.requester_ine)
    ticket.tenant_file = tenant_file
    ticket.student = tenant_file.student if tenant_file else None
    ticket.residence_id = tenant_file.unit.residence_id if tenant_file else None
    fields = ["crous", "assigned_to", "escalated_at", "tenant_file", "student", "residence"]
    if ticket.status in AWAITING_STAFF:
        ticket.due_at = business_days.due_at(now, crous=crous)
        fields.append("due_at")
    with scopes_disabled():
        others = Ticket.objects.filter(
            requester_ine=ticket.requester_ine, status__in=UNFINISHED
        ).exclude(pk=ticket.pk)
        if ticket.requester_ine and not others.exclude(crous=crous).exists():
            ticket.is_duplicate = False
            fields.append("is_duplicate")
            others.update(is_duplicate=False)
    _save(ticket, by, f"moved from {previous.code} to {crous.code}", fields)
    _event(ticket, by, TicketEvent.Kind.MOVED, source=previous.code, target=crous.code)
    return ticket


# --- Escalation -------------------------------------------------------------------------------


def ticket_escalate(*, ticket_id: int, now: datetime | None = None) -> bool:
    """Alerts the ticket's Crous that it is overdue, once per due time.

    Claimed by compare-and-swap (``escalated_at`` from empty to now): two runs of the job,
    or two workers, cannot both alert. A reopened ticket gets a new due time and an empty
    ``escalated_at``, so it may be escalated again when that one passes.
    """
    now = now or timezone.now()
    with scopes_disabled(), transaction.atomic():
        claimed = Ticket.objects.filter(
            pk=ticket_id, escalated_at__isnull=True, status__in=AWAITING_STAFF, due_at__lt=now
        ).update(escalated_at=now)
        if not claimed:
            return False
        ticket = Ticket.objects.select_related("crous", "assigned_to").get(pk=ticket_id)
        due_at = ticket.due_at.isoformat() if ticket.due_at else None  # due (filtered above)
        _event(ticket, None, TicketEvent.Kind.ESCALATED, due_at=due_at)
        message_queue(
            crous=ticket.crous,
            recipient=ticket.crous.contact_email,
            channel=Channel.EMAIL,
            template_key=ESCALATION_TEMPLATE,
            language="fr",
            idempotency_key=f"assistance-escalation:{ticket.pk}:{ticket.due_at:%Y%m%dT%H%M%S}",
            context={
                "ticket_id": ticket.pk,
                "subject": ticket.subject,
                "category": TicketCategory(ticket.category).label,
                "due_at": timezone.localtime(ticket.due_at, ticket.crous.time_zone).strftime(
                    "%d/%m/%Y %H:%M"
                ),
                "assigned_to": ticket.assigned_to.email if ticket.assigned_to else "",
                "admin_url": settings.SITE_URL
                + reverse("admin:assistance_ticket_change", args=[ticket.pk]),
            },
        )
    return True


def tickets_escalate_overdue(*, now: datetime | None = None, limit: int = 2000) -> int:
    """Escalates every overdue ticket not escalated yet; returns how many were."""
    now = now or timezone.now()
    with scopes_disabled():
        ids = list(
            Ticket.objects.filter(
                status__in=AWAITING_STAFF, due_at__lt=now, escalated_at__isnull=True
            )
            .order_by("due_at")
            .values_list("pk", flat=True)[:limit]
        )
    return sum(ticket_escalate(ticket_id=pk, now=now) for pk in ids)
