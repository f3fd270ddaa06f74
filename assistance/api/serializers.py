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
from crous_admin.accounts.models import User
from crous_admin.api.fields import NestedPrimaryKeyRelatedField
from residences.api.serializers import CrousSummarySerializer, ResidenceSummarySerializer


class AssigneeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email"]
        read_only_fields = fields


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

    # Summaries through the project's fast renderer (crous_admin/api/fields.py): nested
    # serializers cost a quarter of a page's time otherwise.
    crous = NestedPrimaryKeyRelatedField(read_only=True, summary=CrousSummarySerializer)
    residence = NestedPrimaryKeyRelatedField(
        read_only=True, summary=ResidenceSummarySerializer, allow_null=True
    )
    assigned_to = NestedPrimaryKeyRelatedField(
        read_only=True, summary=AssigneeSerializer, allow_null=True
    )
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
        # One "now" for every row of a list; the context is a dict (typed as a Mapping).
        now = self.context.setdefault("now", timezone.now())  # type: ignore[attr-defined]
        return ticket.status in AWAITING_STAFF and ticket.due_at is not None and ticket.due_at < now


class TicketDetailSerializer(TicketSerializer):
    messages = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "messages"]
        read_only_fields = fields

    def get_messages(self, ticket: Ticket) -> list[dict[str, Any]]:
        # many=True builds a ListSerializer, whose data is a list; the stubs type the class.
        return MessageSerializer(self.context["thread"], many=True).data  # type: ignore[return-value]


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
        # many=True builds a ListSerializer, whose data is a list; the stubs type the class.
        return StudentMessageSerializer(  # type: ignore[return-value]
            self.context["thread"], many=True
        ).data

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


def _datetime_renderer() -> Any:
    """What DRF's ``DateTimeField`` gives (the current time zone, ISO 8601, ``Z`` for UTC),
    with the time zone looked up once per page instead of once per value."""
    zone = timezone.get_current_timezone()

    def render(value: Any) -> str | None:
        if value is None:
            return None
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return render


def queue_rows_render(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The queue page from ``selectors.tickets_for_queue_rows()``: exactly what
    ``TicketSerializer`` gives for the same tickets (tested), without building four model
    instances and sixteen bound fields per row. The list is the queue's hot path
    (bench/assistance.py, docs/adr/0012)."""
    when = _datetime_renderer()
    now = timezone.now()
    awaiting = set(AWAITING_STAFF)
    return [
        {
            "id": row["id"],
            "crous": {
                "id": row["crous_id"],
                "code": row["crous__code"],
                "name": row["crous__name"],
            },
            "residence": None
            if row["residence_id"] is None
            else {
                "id": row["residence_id"],
                "code": row["residence__code"],
                "name": row["residence__name"],
                "city": row["residence__city"],
            },
            "category": row["category"],
            "status": row["status"],
            "subject": row["subject"],
            "requester_name": row["requester_name"],
            "requester_email": row["requester_email"],
            "requester_ine": row["requester_ine"],
            "assigned_to": None
            if row["assigned_to_id"] is None
            else {"id": row["assigned_to_id"], "email": row["assigned_to__email"]},
            "created_at": when(row["created_at"]),
            "updated_at": when(row["updated_at"]),
            "due_at": when(row["due_at"]),
            "first_response_at": when(row["first_response_at"]),
            "is_overdue": row["status"] in awaiting
            and row["due_at"] is not None
            and row["due_at"] < now,
            "is_duplicate": row["is_duplicate"],
        }
        for row in rows
    ]
