"""Assistance in the demo: canned replies and a small queue in a few Crous, some overdue,
some waiting on the student, a lost-access request matching a real tenant file, a duplicate.

Called once by the project's demo (``crous_admin/demo/seeding.py``); idempotent (every ticket
has an idempotency key ``demo-assistance:…``) and fast (a few dozen rows).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from assistance import services
from assistance.models import CannedReply, Ticket, TicketCategory, TicketStatus
from residences.models import Crous
from tenants.models import CURRENT_STATUSES, TenantFile

QUEUE_CROUS = ("bordeaux", "versailles", "toulouse", "lille", "montpellier")
CANNED = (
    (
        "Code : vérifier les courriers indésirables",
        TicketCategory.CODE_RESEND,
        "Bonjour {first_name},\n\nLe code d'activation est envoyé par « Crous » ou « Cité'U » : "
        "vérifiez vos courriers indésirables et l'onglet « Promotions ». Nous venons de vous "
        "en envoyer un nouveau ; l'ancien ne fonctionne plus.\n\n{agent}, {crous}",
    ),
    (
        "Accès perdu : pièces à fournir",
        TicketCategory.LOST_ACCESS,
        "Bonjour {first_name},\n\nPour relier votre logement à votre nouveau compte, "
        "créez-le avec votre nouvelle adresse puis répondez à la demande {ticket}.\n\n"
        "{agent}, {crous}",
    ),
    (
        "Attestation APL",
        TicketCategory.PAYMENT,
        "Bonjour {first_name},\n\nL'attestation de loyer pour la CAF est disponible dans "
        "votre espace locataire, rubrique « Mes documents ».\n\n{agent}, {crous}",
    ),
)


def _files(crous: Crous, count: int) -> list[TenantFile]:
    return list(
        TenantFile.objects.filter(crous=crous, status__in=CURRENT_STATUSES)
        .select_related("student", "unit__residence", "linked_user")
        .order_by("pk")[:count]
    )


def seed_assistance_demo(*, now: datetime | None = None) -> int:
    """Creates the demo's canned replies and tickets if missing; returns tickets created."""
    now = now or timezone.now()
    created = 0
    with scopes_disabled(), transaction.atomic():
        crous_by_code = {c.code: c for c in Crous.objects.filter(code__in=QUEUE_CROUS)}
        for crous in crous_by_code.values():
            for title, category, body in CANNED:
                CannedReply.objects.get_or_create(
                    crous=crous, title=title, defaults={"category": category, "body": body}
                )
        if Ticket.objects.filter(idempotency_key__startswith="demo-assistance:").exists():
            return 0
        agents = {
            u.email.split("@")[0].removeprefix("agent."): u
            for u in get_user_model().objects.filter(email__startswith="agent.")
        }
        categories = list(TicketCategory.values)
        for code, crous in crous_by_code.items():
            agent = agents.get(code)
            for n, tenant_file in enumerate(_files(crous, 8)):
                student = tenant_file.student
                # Spread over the last two weeks: the oldest are overdue.
                opened = now - timedelta(days=14 - n * 2, hours=n)
                category = categories[n % len(categories)]
                lost_access = category == TicketCategory.LOST_ACCESS
                ticket = services.ticket_open(
                    crous=crous,
                    category=category,
                    subject=f"{TicketCategory(category).label} — {student.last_name}",
                    body="Bonjour, pouvez-vous m'aider ? Merci.",
                    requester=tenant_file.linked_user,
                    requester_email=(
                        # The new address they lost access for; plain ASCII, as the
                        # student's own (an accented local part is no valid address).
                        student.email.replace("@", ".nouveau@", 1) if lost_access else student.email
                    ),
                    requester_name=f"{student.first_name} {student.last_name}",
                    ine=student.ine,
                    residence_given=tenant_file.unit.residence.name,
                    tenant_file=None if lost_access else tenant_file,
                    idempotency_key=f"demo-assistance:{code}:{n}",
                    now=opened,
                )
                created += 1
                if agent is not None and n % 3 == 1:
                    services.ticket_staff_reply(
                        by=agent,
                        ticket=ticket,
                        body="Bonjour, pouvez-vous préciser votre résidence et votre bâtiment ?",
                    )
                elif agent is not None and n % 3 == 2:
                    services.ticket_claim(by=agent, ticket=ticket)
        # The same student writing to two Crous: flagged as a duplicate in both.
        bordeaux, versailles = crous_by_code.get("bordeaux"), crous_by_code.get("versailles")
        if bordeaux and versailles:
            for tenant_file in _files(versailles, 1):
                student = tenant_file.student
                services.ticket_open(
                    crous=bordeaux,
                    category=TicketCategory.TRANSFER,
                    subject=f"Transfert — {student.last_name}",
                    body="Je suis logé à Versailles et je viens étudier à Bordeaux.",
                    requester_email=student.email,
                    requester_name=f"{student.first_name} {student.last_name}",
                    ine=student.ine,
                    idempotency_key="demo-assistance:duplicate",
                    now=now - timedelta(days=1),
                )
                created += 1
        # The demo student with a linked file (etudiant@…) has a request waiting on them.
        mine = (
            TenantFile.objects.filter(linked_user__email__startswith="etudiant@")
            .select_related("crous", "linked_user")
            .first()
        )
        if mine is not None:
            ticket = services.ticket_open(
                crous=mine.crous,
                category=TicketCategory.PAYMENT,
                subject="Attestation de loyer pour la CAF",
                body="Bonjour, où trouver l'attestation de loyer pour ma demande d'APL ?",
                requester=mine.linked_user,
                tenant_file=mine,
                idempotency_key="demo-assistance:linked-student",
                now=now - timedelta(days=3),
            )
            agent = agents.get(mine.crous.code)
            if agent is not None:
                services.ticket_staff_reply(
                    by=agent,
                    ticket=ticket,
                    body="Bonjour Léa, elle est dans votre espace locataire, « Mes documents ».",
                )
            created += 1
        # Tickets were opened "in the past": mark their first answers as given then too, so
        # the dashboard's median is plausible.
        Ticket.objects.filter(
            idempotency_key__startswith="demo-assistance:", status=TicketStatus.WAITING
        ).update(first_response_at=now - timedelta(days=2))
    return created
