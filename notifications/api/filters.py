"""Query parameters of the outbox endpoint (ids, never scoped choices)."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from notifications.delivery import recipient_normalized
from notifications.models import Channel, Message, MessageStatus
from notifications.selectors import late_q


class MessageFilterSet(filters.FilterSet):
    crous = filters.NumberFilter(field_name="crous", help_text="Crous id.")
    status = filters.ChoiceFilter(choices=MessageStatus.choices)
    channel = filters.ChoiceFilter(choices=Channel.choices)
    template_key = filters.CharFilter(help_text="Template key, e.g. renewal_confirmation.")
    recipient = filters.CharFilter(
        method="filter_recipient",
        help_text="Exact email address, or phone number (any French or international format).",
    )
    created = filters.IsoDateTimeFromToRangeFilter(
        field_name="created_at",
        help_text="Queued between `created_after` and `created_before` (ISO 8601, inclusive).",
    )
    late = filters.BooleanFilter(
        method="filter_late", help_text="Unsent (pending or being sent) past the deadline."
    )

    class Meta:
        model = Message
        fields = ["crous", "status", "channel", "template_key", "recipient", "created", "late"]

    def filter_recipient(
        self, queryset: QuerySet[Message], name: str, value: str
    ) -> QuerySet[Message]:
        return queryset.filter(recipient=recipient_normalized(value))

    def filter_late(self, queryset: QuerySet[Message], name: str, value: bool) -> QuerySet[Message]:
        return queryset.filter(late_q()) if value else queryset.exclude(late_q())
