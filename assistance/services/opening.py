"""Opening tickets: by students (with their hourly quota), by other apps on a student's behalf."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from assistance import business_days
from assistance.models import (
    UNFINISHED,
    AuthorKind,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketStatus,
)
from assistance.services import threads
from crous_admin.errors import ApplicationError
from crous_admin.history import record_author
from residences.models import Crous
from tenants.ine import normalize_ine
from tenants.models import Student, TenantFile

if TYPE_CHECKING:
    from crous_admin.accounts.models import User


STUDENT_TICKETS_PER_HOUR = 10


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


def file_for(*, crous: Crous, user: User | None, ine: str) -> TenantFile | None:
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
    if quota_count(f"assistance:new-tickets:{user.pk}", 3600) > STUDENT_TICKETS_PER_HOUR:
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
        tenant_file = file_for(crous=crous, user=requester, ine=ine)
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
    threads.message_add(ticket, author=requester, kind=author_kind, body=body, uploads=uploads)
    threads.event_add(ticket, requester, TicketEvent.Kind.CREATED, category=category)
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


def quota_count(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1
