from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from assistance.models import CannedReply, Ticket, TicketCategory, TicketStatus
from residences.tests.factories import CrousFactory


class TicketFactory(DjangoModelFactory):
    class Meta:
        model = Ticket

    crous = factory.SubFactory(CrousFactory)
    category = TicketCategory.CODE_RESEND
    status = TicketStatus.NEW
    subject = factory.Sequence(lambda n: f"Question {n}")
    requester_email = factory.Sequence(lambda n: f"student{n}@etu.example")
    requester_name = "Léa Martin"
    created_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=5))


class CannedReplyFactory(DjangoModelFactory):
    class Meta:
        model = CannedReply

    crous = factory.SubFactory(CrousFactory)
    title = factory.Sequence(lambda n: f"Reply {n}")
    body = "Bonjour {first_name}, votre demande {ticket} est traitée par {agent} ({crous})."
