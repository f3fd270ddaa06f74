"""Reads of the outbox, for the back-office and the API (inside the viewer's scope)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from notifications.models import UNFINISHED_STATUSES, Message, MessageStatus


def late_q(*, now: datetime | None = None) -> Q:
    """Unsent messages past their deadline (still pending or being sent)."""
    return Q(status__in=UNFINISHED_STATUSES, deadline__lt=now or timezone.now())


def message_list() -> QuerySet[Message]:
    return Message.objects.select_related("crous").order_by("-created_at", "-id")


def outbox_counts(*, now: datetime | None = None) -> dict[str, int]:
    """Pending, failed and late messages in the current scope: one aggregate query."""
    counts = Message.objects.aggregate(
        pending=Count("pk", filter=Q(status=MessageStatus.PENDING)),
        failed=Count("pk", filter=Q(status=MessageStatus.FAILED)),
        late=Count("pk", filter=late_q(now=now)),
    )
    return counts
