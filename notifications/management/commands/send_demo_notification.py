"""Queues one demo email and one demo SMS through the outbox (``make run`` demo action).

With the embedded default they land, once the worker has run them, in ``var/outbox/email``
and ``var/outbox/sms``; the back-office lists them under Notifications → Messages.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from notifications.models import Channel
from notifications.services.queueing import message_queue
from residences.models import Crous


class Command(BaseCommand):
    help = "Queues one demo email and one demo SMS (template demo_message) through the outbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--crous", help="Code of the sending Crous (default: the first).")
        parser.add_argument("--to-email", default="etudiant.demo@etu.example")
        parser.add_argument("--to-phone", default="+33612345678")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, choices=["fr", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        with scopes_disabled():
            crous = self._crous(options["crous"])
            run = uuid.uuid4().hex[:12]  # each run is its own event: a new pair of messages
            context = {"first_name": "Camille", "queued_at": timezone.now()}
            with transaction.atomic():
                queued = [
                    message_queue(
                        crous=crous,
                        recipient=recipient,
                        channel=channel,
                        template_key="demo_message",
                        language=options["language"],
                        context=context,
                        idempotency_key=f"demo:{run}:{channel}",
                    )
                    for channel, recipient in (
                        (Channel.EMAIL, options["to_email"]),
                        (Channel.SMS, options["to_phone"]),
                    )
                ]
        for message in queued:
            self.stdout.write(
                f"Queued message #{message.pk}: {message.channel} to {message.recipient}"
            )
        self.stdout.write(
            "The worker delivers them; with the default settings read them in "
            f"{settings.EMAIL_FILE_PATH} and {getattr(settings, 'SMS_FILE_PATH', '')}."
        )

    def _crous(self, code: str | None) -> Crous:
        queryset = Crous.objects.filter(is_active=True).order_by("name")
        crous = queryset.filter(code=code).first() if code else queryset.first()
        if crous is None:
            raise CommandError(
                f"No active Crous with code {code!r}." if code else "No Crous yet: run seed_demo."
            )
        return crous
