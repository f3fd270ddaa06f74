"""The outbox in the API (staff, read-only)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.models import DeliveryAttempt, Message
from residences.api.serializers import CrousSummarySerializer


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "at", "outcome", "error", "duration_ms", "worker"]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    crous = CrousSummarySerializer(read_only=True)
    is_late = serializers.BooleanField(
        read_only=True, help_text="Pending or being sent, past its deadline."
    )

    class Meta:
        model = Message
        fields = [
            "id",
            "crous",
            "channel",
            "recipient",
            "template_key",
            "language",
            "idempotency_key",
            "status",
            "attempts",
            "last_error",
            "created_at",
            "not_before",
            "deadline",
            "sent_at",
            "provider_message_id",
            "is_late",
        ]
        read_only_fields = fields


class MessageDetailSerializer(MessageSerializer):
    # DRF's serializer metaclass takes declared fields off the class, so this one does not
    # hide ``Field.context``; the stubs cannot know that.
    context = serializers.SerializerMethodField(  # type: ignore[assignment]
        help_text="What the templates received; secret values are masked."
    )
    delivery_attempts = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta(MessageSerializer.Meta):
        fields = [*MessageSerializer.Meta.fields, "context", "delivery_attempts"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_context(self, obj: Message) -> dict[str, Any]:
        return obj.context_for_staff
