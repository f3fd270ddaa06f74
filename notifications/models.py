"""The outbox: every email and SMS the system sends, and each attempt to deliver it.

A ``Message`` row is written in the same transaction as the business change that causes it
(a renewal confirmed, a code issued…), so the message exists if and only if the change
committed. Celery is only the doorbell that gets it delivered soon; this table is the
source of truth, and a periodic sweep rings the bell again for any message whose task was
lost. How and with which guarantees: ``notifications/services/`` and docs/notifications.md.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from residences.models import Crous

# Context keys starting with this prefix (an activation code, say) are hidden from staff
# screens and the API, and wiped from the row once the message has been sent.
SECRET_CONTEXT_PREFIX = "secret_"  # noqa: S105 - a key prefix, not a password
REDACTED = "•••"


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


UNFINISHED_STATUSES = (MessageStatus.PENDING, MessageStatus.SENDING)


def redact_context(context: dict[str, object]) -> dict[str, object]:
    return {
        key: REDACTED if str(key).startswith(SECRET_CONTEXT_PREFIX) else value
        for key, value in context.items()
    }


class Message(models.Model):
    """One email or SMS to one recipient, from queueing to delivery or failure."""

    crous = models.ForeignKey(
        Crous, on_delete=models.PROTECT, related_name="messages", verbose_name=_("Crous")
    )
    recipient = models.CharField(
        _("recipient"),
        max_length=254,
        help_text=_("Email address, or mobile number in international (E.164) format."),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    template_key = models.SlugField(_("template"), max_length=64)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    context = models.JSONField(_("context"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    idempotency_key = models.CharField(
        _("idempotency key"),
        max_length=200,
        unique=True,
        help_text=_("Names the business event: one event never yields two messages."),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    not_before = models.DateTimeField(
        _("next attempt not before"),
        default=timezone.now,
        help_text=_("The next delivery attempt waits until this time (retry backoff)."),
    )
    deadline = models.DateTimeField(
        _("deadline"), help_text=_("Retries stop here; past it, an unsent message is late.")
    )
    # The claim a worker holds while sending: compare-and-swap on ``status`` takes it,
    # ``claim_token`` proves on completion that nobody took it over meanwhile, and
    # ``claimed_at`` lets the sweep hand it to another worker once the lease has expired.
    claim_token = models.UUIDField(_("claim token"), null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    objects = ScopedManager(crous="crous")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=MessageStatus.SENT) | Q(sent_at__isnull=False),
                name="message_sent_has_sent_at",
            ),
            models.CheckConstraint(
                condition=~Q(status=MessageStatus.SENDING)
                | Q(claimed_at__isnull=False, claim_token__isnull=False),
                name="message_sending_has_claim",
            ),
        ]
        indexes = [
            # The sweep's two questions, each answered from a small partial index.
            models.Index(
                fields=["not_before"],
                condition=Q(status=MessageStatus.PENDING),
                name="message_pending_due_idx",
            ),
            models.Index(
                fields=["claimed_at"],
                condition=Q(status=MessageStatus.SENDING),
                name="message_sending_claim_idx",
            ),
            # Staff screens: a Crous' outbox, newest first, and its counts by status.
            models.Index(fields=["crous", "-created_at"], name="message_crous_list_idx"),
            models.Index(fields=["crous", "status", "deadline"], name="message_crous_status_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.template_key} → {self.recipient} ({self.get_status_display()})"

    @property
    def is_late(self) -> bool:
        return self.status in UNFINISHED_STATUSES and self.deadline < timezone.now()

    @property
    def context_for_staff(self) -> dict[str, object]:
        return redact_context(self.context or {})


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("Sent")
    RETRY = "retry", _("Error, will retry")
    FAILED = "failed", _("Error, gave up")
    INTERRUPTED = "interrupted", _("Interrupted (worker stopped)")


class DeliveryAttempt(models.Model):
    """One try at handing a message to the email or SMS provider."""

    message = models.ForeignKey(
        Message,
        on_delete=models.CASCADE,
        related_name="delivery_attempts",
        verbose_name=_("message"),
    )
    number = models.PositiveIntegerField(_("attempt"))
    at = models.DateTimeField(_("started at"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=AttemptOutcome.choices)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    worker = models.CharField(_("worker"), max_length=255, blank=True)

    objects = ScopedManager(crous="message__crous")

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["message_id", "at", "id"]

    def __str__(self) -> str:
        return f"#{self.message_id} attempt {self.number}: {self.get_outcome_display()}"
