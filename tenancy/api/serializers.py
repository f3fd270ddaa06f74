"""Serializers of the tenant space (student ``/me/…`` side and staff ledgers)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tenancy.models import (
    OFFLINE_METHODS,
    LedgerEntry,
    OccupancyAgreement,
    PaymentMethod,
    VerifiableDocument,
)


class DocumentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    code = serializers.CharField(source="code_display", read_only=True)
    download_url = serializers.SerializerMethodField()
    verification_url = serializers.SerializerMethodField()

    class Meta:
        model = VerifiableDocument
        fields = [
            "id",
            "tenant_file",
            "kind",
            "kind_display",
            "code",
            "month",
            "sha256",
            "size",
            "issued_at",
            "download_url",
            "verification_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_download_url(self, obj: VerifiableDocument) -> str:
        return reverse("api:me-document-pdf", args=[obj.pk])

    @extend_schema_field(serializers.CharField())
    def get_verification_url(self, obj: VerifiableDocument) -> str:
        return f"{reverse('document_verification')}?code={obj.code}"


class AgreementSerializer(serializers.ModelSerializer):
    document = DocumentSerializer(read_only=True)
    signed_document = DocumentSerializer(read_only=True, allow_null=True)
    is_signed = serializers.BooleanField(read_only=True)
    expected_name = serializers.SerializerMethodField()

    class Meta:
        model = OccupancyAgreement
        fields = [
            "tenant_file",
            "is_signed",
            "monthly_rent",
            "generated_at",
            "document",
            "document_sha256",
            "expected_name",
            "signed_at",
            "signed_name",
            "signed_document",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_expected_name(self, obj: OccupancyAgreement) -> str:
        student = obj.tenant_file.student
        return f"{student.first_name} {student.last_name}"


class StaffAgreementSerializer(AgreementSerializer):
    class Meta(AgreementSerializer.Meta):
        fields = [*AgreementSerializer.Meta.fields, "signed_ip", "consent_text"]
        read_only_fields = fields


class AgreementSignSerializer(serializers.Serializer):
    consent = serializers.BooleanField(
        help_text="The student ticks “I have read and accept this occupancy agreement”."
    )
    typed_name = serializers.CharField(
        max_length=300, help_text="First and last name, as on the agreement."
    )
    document_sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$",
        help_text="SHA-256 of the agreement PDF the student read (`document_sha256`).",
    )


class LedgerEntrySerializer(serializers.ModelSerializer):
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "kind",
            "month",
            "booked_on",
            "amount",
            "label",
            "method",
            "reference",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_recorded_by(self, obj: LedgerEntry) -> str | None:
        if not self.context.get("staff") or obj.created_by is None:
            return None
        return obj.created_by.email


class LedgerSerializer(serializers.Serializer):
    tenant_file = serializers.IntegerField()
    charged = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid = serializers.DecimalField(max_digits=12, decimal_places=2)
    balance = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Charged minus paid; negative: in credit."
    )
    entries = LedgerEntrySerializer(many=True)


class PaySerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=9,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text="Defaults to the balance owed.",
    )


class PaymentStartedSerializer(serializers.Serializer):
    payment = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=9, decimal_places=2)
    gateway = serializers.CharField()
    is_test = serializers.BooleanField(help_text="True for the fake gateway: no money moves.")
    redirect_url = serializers.CharField(help_text="Send the student there to pay.")


class PaymentRecordSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=Decimal("0.01"))
    method = serializers.ChoiceField(
        choices=[(m.value, m.label) for m in PaymentMethod if m in OFFLINE_METHODS]
    )
    booked_on = serializers.DateField(help_text="The day the payment was made.")
    reference = serializers.CharField(max_length=100, required=False, default="")
    note = serializers.CharField(
        max_length=500, required=False, default="", help_text="Kept in the entry's history."
    )


class ArrearsSerializer(serializers.Serializer):
    tenant_file = serializers.IntegerField(source="pk")
    crous = serializers.IntegerField(source="crous_id")
    student = serializers.SerializerMethodField()
    residence = serializers.CharField(source="unit.residence.name")
    unit = serializers.CharField(source="unit.number")
    status = serializers.CharField()
    charged = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid = serializers.DecimalField(max_digits=12, decimal_places=2)
    arrears = serializers.DecimalField(max_digits=12, decimal_places=2)

    @extend_schema_field(serializers.CharField())
    def get_student(self, obj: Any) -> str:
        return f"{obj.student.last_name.upper()} {obj.student.first_name} ({obj.student.ine})"
