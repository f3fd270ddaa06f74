"""Tickets and their messages in the API: staff (the queue) and students (their own)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from assistance.models import (
    AWAITING_STAFF,
    Attachment,
    Ticket,
    TicketCategory,
    TicketMessage,
    TicketStatus,
)
from residences.api.serializers import CrousSummarySerializer


class ResidenceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AssigneeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size"]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TicketMessage
        fields = ["id", "author_kind", "body", "is_internal", "created_at", "attachments"]
        read_only_fields = fields


class StudentMessageSerializer(MessageSerializer):
    class Meta(MessageSerializer.Meta):
        fields = ["id", "author_kind", "body", "created_at", "attachments"]
        read_only_fields = fields


class TicketSerializer(serializers.ModelSerializer):
    """A row of the staff queue."""

    crous = CrousSummarySerializer(read_only=True)
    residence = ResidenceRefSerializer(read_only=True, allow_null=True)
    assigned_to = AssigneeSerializer(read_only=True, allow_null=True)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "crous",
            "residence",
            "category",
            "status",
            "subject",
            "requester_name",
            "requester_email",
            "requester_ine",
            "assigned_to",
            "created_at",
            "updated_at",
            "due_at",
            "first_response_at",
            "is_overdue",
            "is_duplicate",
        ]
        read_only_fields = fields

    def get_is_overdue(self, ticket: Ticket) -> bool:
        now = self.context.setdefault("now", timezone.now())
        return ticket.status in AWAITING_STAFF and ticket.due_at is not None and ticket.due_at < now


class TicketDetailSerializer(TicketSerializer):
    messages = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "messages"]
        read_only_fields = fields

    def get_messages(self, ticket: Ticket) -> list[dict[str, Any]]:
        return MessageSerializer(self.context["thread"], many=True).data


class EstimateSerializer(serializers.Serializer):
    business_days = serializers.IntegerField()
    by_date = serializers.DateField()
    backlog = serializers.IntegerField()
    answered_per_day = serializers.FloatField()
    from_history = serializers.BooleanField()


class StudentTicketSerializer(serializers.ModelSerializer):
    crous = CrousSummarySerializer(read_only=True)

    class Meta:
        model = Ticket
        fields = ["id", "crous", "category", "status", "subject", "created_at", "updated_at"]
        read_only_fields = fields


class StudentTicketDetailSerializer(StudentTicketSerializer):
    messages = serializers.SerializerMethodField()
    expected_answer = serializers.SerializerMethodField()

    class Meta(StudentTicketSerializer.Meta):
        fields = [*StudentTicketSerializer.Meta.fields, "expected_answer", "messages"]
        read_only_fields = fields

    def get_messages(self, ticket: Ticket) -> list[dict[str, Any]]:
        return StudentMessageSerializer(self.context["thread"], many=True).data

    def get_expected_answer(self, ticket: Ticket) -> dict[str, Any] | None:
        estimate = self.context.get("estimate")
        return EstimateSerializer(estimate).data if estimate else None


class TicketCreateSerializer(serializers.Serializer):
    crous = serializers.IntegerField(help_text="Crous id (any active Crous).")
    category = serializers.ChoiceField(choices=TicketCategory.choices)
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField()


class BodySerializer(serializers.Serializer):
    body = serializers.CharField()


class StaffReplySerializer(BodySerializer):
    status_after = serializers.ChoiceField(
        choices=[TicketStatus.WAITING, TicketStatus.RESOLVED, TicketStatus.OPEN],
        default=TicketStatus.WAITING,
    )


class AssignSerializer(serializers.Serializer):
    assignee = serializers.EmailField(
        required=False, allow_null=True, help_text="Empty or null: unassign."
    )


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TicketStatus.choices)


class TenantFileRefSerializer(serializers.Serializer):
    tenant_file = serializers.IntegerField(help_text="A tenant file of the ticket's Crous.")


class TransferSerializer(TenantFileRefSerializer):
    unit = serializers.IntegerField(help_text="A free unit of the other Crous.")
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class MoveSerializer(serializers.Serializer):
    crous = serializers.IntegerField(help_text="The Crous that should handle the ticket.")


class IdentityMatchSerializer(serializers.Serializer):
    tenant_file = serializers.IntegerField()
    name = serializers.BooleanField()
    ine = serializers.BooleanField()
    residence = serializers.BooleanField()


class IdentityResultSerializer(serializers.Serializer):
    matches = IdentityMatchSerializer(many=True)
