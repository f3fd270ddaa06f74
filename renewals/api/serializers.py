"""Renewal windows and requests in the API: input checked here, rules in renewals.services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crous_admin.api.fields import NestedPrimaryKeyRelatedField
from crous_admin.phone import FrenchMobileSerializerField
from renewals.models import RenewalRequest, RenewalWindow
from residences.api.serializers import CrousSummarySerializer
from residences.models import Crous
from tenants.api.serializers import HousingUnitSummarySerializer, StudentSummarySerializer
from tenants.models import TenantFile


class RenewalWindowSerializer(serializers.ModelSerializer):
    crous = NestedPrimaryKeyRelatedField(
        queryset=Crous.objects,
        summary=CrousSummarySerializer,
        help_text="Crous id; cannot change later.",
    )
    opens_at = serializers.DateTimeField(read_only=True, help_text="Local midnight of opens_on.")
    closes_at = serializers.DateTimeField(
        read_only=True, help_text="23:59:59 local time of closes_on (inclusive)."
    )
    time_zone = serializers.CharField(source="crous.time_zone", read_only=True)

    class Meta:
        model = RenewalWindow
        fields = [
            "id",
            "crous",
            "academic_year",
            "opens_on",
            "closes_on",
            "opens_at",
            "closes_at",
            "time_zone",
            "promise_hours",
            "dse_rule",
            "max_years_of_stay",
            "exceptional_years",
            "reminder_days_before_close",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            attrs.pop("crous", None)  # a window stays in its Crous
        return attrs


class RuleResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    passed = serializers.BooleanField()
    blocking = serializers.BooleanField()
    needs_exception = serializers.BooleanField()
    message = serializers.CharField(help_text="What the rule found and what to do.")


class ChannelDeliverySerializer(serializers.Serializer):
    status = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)


class RenewalRequestSerializer(serializers.ModelSerializer):
    window: serializers.PrimaryKeyRelatedField[RenewalWindow] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    tenant_file: serializers.PrimaryKeyRelatedField[TenantFile] = (
        serializers.PrimaryKeyRelatedField(read_only=True)
    )
    eligibility = RuleResultSerializer(many=True, read_only=True)
    email_confirmation = serializers.SerializerMethodField()
    sms_confirmation = serializers.SerializerMethodField()

    class Meta:
        model = RenewalRequest
        fields = [
            "id",
            "window",
            "tenant_file",
            "status",
            "source",
            "eligibility",
            "blocked_reasons",
            "needs_exception",
            "contact_email",
            "contact_phone",
            "submitted_at",
            "confirmation_deadline",
            "email_confirmation",
            "sms_confirmation",
            "decided_at",
            "refusal_reason",
        ]
        read_only_fields = fields

    def _channel(self, message: Any) -> dict[str, Any] | None:
        if message is None:
            return None
        return {"status": message.status, "sent_at": message.sent_at}

    @extend_schema_field(ChannelDeliverySerializer(allow_null=True))
    def get_email_confirmation(self, obj: RenewalRequest) -> dict[str, Any] | None:
        return self._channel(obj.email_message)

    @extend_schema_field(ChannelDeliverySerializer(allow_null=True))
    def get_sms_confirmation(self, obj: RenewalRequest) -> dict[str, Any] | None:
        return self._channel(obj.sms_message)


class StaffRenewalRequestSerializer(RenewalRequestSerializer):
    crous = CrousSummarySerializer(read_only=True)
    student = StudentSummarySerializer(source="tenant_file.student", read_only=True)
    unit = HousingUnitSummarySerializer(source="tenant_file.unit", read_only=True)

    class Meta(RenewalRequestSerializer.Meta):
        fields = [
            *RenewalRequestSerializer.Meta.fields,
            "crous",
            "student",
            "unit",
            "confirmed_at",
            "escalated_at",
        ]
        read_only_fields = fields


class RenewalRequestCreateSerializer(serializers.Serializer):
    tenant_file = serializers.IntegerField(help_text="Id of a tenant file linked to the caller.")
    contact_email = serializers.EmailField(
        required=False, allow_blank=True, help_text="Defaults to the file's email address."
    )
    contact_phone = FrenchMobileSerializerField(
        required=False,
        allow_blank=True,
        help_text="French mobile for the SMS (mainland or overseas, any usual writing); "
        "defaults to the file's mobile.",
    )


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "refuse"])
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Required to refuse."
    )


class BulkDecisionSerializer(DecisionSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(), min_length=1, max_length=1000, help_text="Request ids."
    )


class BulkDecisionResultSerializer(serializers.Serializer):
    decided = serializers.ListField(child=serializers.IntegerField())
    skipped = serializers.DictField(child=serializers.CharField(), help_text="id -> why")


class EligibilitySerializer(serializers.Serializer):
    tenant_file = serializers.IntegerField()
    window = RenewalWindowSerializer(allow_null=True)
    eligible = serializers.BooleanField()
    eligibility = RuleResultSerializer(many=True)
