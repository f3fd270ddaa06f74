from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from notifications.models import Channel, DeliveryAttempt, Message, MessageStatus
from residences.tests.factories import CrousFactory


class MessageFactory(DjangoModelFactory):
    """A message row as the outbox stores it (not queued: no task is sent)."""

    class Meta:
        model = Message

    crous = factory.SubFactory(CrousFactory)
    recipient = factory.Sequence(lambda n: f"etudiant{n}@etu.example")
    channel = Channel.EMAIL
    template_key = "demo_message"
    language = "fr"
    context = factory.LazyFunction(lambda: {"first_name": "Léa"})
    idempotency_key = factory.Sequence(lambda n: f"test-event:{n}")
    status = MessageStatus.PENDING
    not_before = factory.LazyFunction(timezone.now)
    deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=72))
    created_at = factory.LazyFunction(timezone.now)


class DeliveryAttemptFactory(DjangoModelFactory):
    class Meta:
        model = DeliveryAttempt

    message = factory.SubFactory(MessageFactory)
    number = 1
    at = factory.LazyFunction(timezone.now)
    outcome = "retry"
    error = "Connection refused"
