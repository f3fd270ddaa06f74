"""Escalation: alerting a Crous once a ticket's due time has passed unanswered."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from assistance.models import AWAITING_STAFF, Ticket, TicketCategory, TicketEvent
from assistance.services import threads
from notifications.models import Channel
from notifications.services.queueing import message_queue

ESCALATION_TEMPLATE = "assistance_escalation"


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
        threads.event_add(ticket, None, TicketEvent.Kind.ESCALATED, due_at=due_at)
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
