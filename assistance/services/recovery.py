"""Restoring a student's access from a ticket: identity, code resend, relink, transfer, move."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from assistance import business_days
from assistance.models import AWAITING_STAFF, UNFINISHED, Ticket, TicketEvent
from assistance.services import opening, threads
from crous_admin.errors import ApplicationError, ConflictError
from residences.models import Crous, HousingUnit, Residence
from tenants import code_services
from tenants.models import CURRENT_STATUSES, TenantFile

if TYPE_CHECKING:
    from crous_admin.accounts.models import User


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
    given_f, name_f = threads.fold(given), threads.fold(residence.name)
    if not given_f:
        return False
    return given_f in name_f or name_f in given_f or given_f == threads.fold(residence.code)


def identity_candidates(ticket: Ticket) -> list[IdentityMatch]:
    """Tenant files of the ticket's Crous matching the INE or the name given (INE first)."""
    name_given = threads.fold(ticket.requester_name)
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
                if threads.fold(f"{f.student.first_name} {f.student.last_name}") == name_given
                or threads.fold(f"{f.student.last_name} {f.student.first_name}") == name_given
            ][:5]
    matches = []
    for tenant_file in candidates:
        student = tenant_file.student
        full_name = threads.fold(f"{student.first_name} {student.last_name}")
        reversed_name = threads.fold(f"{student.last_name} {student.first_name}")
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
    threads.event_add(
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


@transaction.atomic
def ticket_resend_code(*, by: User, ticket: Ticket, tenant_file: TenantFile) -> TenantFile:
    """Issues a fresh code for the file (the old one dies) and emails it to the student."""
    ticket = threads.locked(ticket)
    _file_of_ticket(ticket, tenant_file)
    with scopes_disabled():
        issued = code_services.tenant_code_resend(by=by, tenant_file=tenant_file)
    fields = threads.answered(ticket, timezone.now())
    if ticket.tenant_file_id != tenant_file.pk:
        ticket.tenant_file = tenant_file
        fields.append("tenant_file")
    threads.save(ticket, by, "code resent", fields)
    threads.event_add(ticket, by, TicketEvent.Kind.CODE_RESENT, tenant_file=tenant_file.pk)
    threads.system_note(
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
    ticket = threads.locked(ticket)
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
    fields = threads.answered(ticket, timezone.now())
    if ticket.tenant_file_id != tenant_file.pk:
        ticket.tenant_file = tenant_file
        fields.append("tenant_file")
    threads.save(ticket, by, "account relinked", fields)
    threads.event_add(
        ticket,
        by,
        TicketEvent.Kind.ACCOUNT_RELINKED,
        tenant_file=tenant_file.pk,
        account=account.email,
    )
    threads.system_note(
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
    ticket = threads.locked(ticket)
    _file_of_ticket(ticket, tenant_file)
    issued = code_services.tenant_file_transfer(
        by=by, tenant_file=tenant_file, unit=unit, start_date=start_date, end_date=end_date
    )
    fields = threads.answered(ticket, timezone.now())
    threads.save(ticket, by, "transfer started", fields)
    threads.event_add(
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
    ticket = threads.locked(ticket)
    if crous.pk == ticket.crous_id:
        raise ApplicationError(
            _("The ticket is already in this Crous."), code="same_crous", field="crous"
        )
    previous = ticket.crous
    now = timezone.now()
    ticket.crous = crous
    ticket.assigned_to = None
    ticket.escalated_at = None
    tenant_file = opening.file_for(crous=crous, user=ticket.requester, ine=ticket.requester_ine)
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
    threads.save(ticket, by, f"moved from {previous.code} to {crous.code}", fields)
    threads.event_add(ticket, by, TicketEvent.Kind.MOVED, source=previous.code, target=crous.code)
    return ticket
