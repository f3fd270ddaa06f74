"""Students and tenant files in the API (staff only).

Serializers validate input and shape output; the views hand the validated data to
``tenants.services``. A student's user account is never exposed, only whether one exists.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crous_admin.accounts.models import User
from crous_admin.api.fields import NestedPrimaryKeyRelatedField
from crous_admin.phone import FrenchMobileSerializerField
from crous_admin.scoping import scope_for
from residences.api.serializers import CrousSummarySerializer, ResidenceSummarySerializer
from residences.models import Crous, HousingUnit
from tenants.ine import normalize_ine, validate_ine
from tenants.models import Student, TenantFile
from tenants.selectors import student_has_linked_account


class StudentSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Student
        fields = ["id", "ine", "first_name", "last_name"]
        read_only_fields = fields


class HousingUnitSummarySerializer(serializers.ModelSerializer):
    residence = ResidenceSummarySerializer(read_only=True)

    class Meta:
        model = HousingUnit
        fields = ["id", "number", "residence"]
        read_only_fields = fields


class StudentSerializer(serializers.ModelSerializer):
    crous = NestedPrimaryKeyRelatedField(
        queryset=Crous.objects,
        summary=CrousSummarySerializer,
        required=False,
        help_text="Crous id; may be left out by staff of a single Crous. Cannot change later.",
    )
    # Longer than 11: people type INEs with spaces or dashes, normalised below.
    ine = serializers.CharField(max_length=32, help_text="11 characters, any case, spaces ignored.")
    mobile_phone = FrenchMobileSerializerField(required=False, allow_blank=True)
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = Student
        fields = [
            "id",
            "crous",
            "ine",
            "first_name",
            "last_name",
            "email",
            "mobile_phone",
            "is_scholarship_holder",
            "dse_submitted_for",
            "is_campus_france",
            "has_account",
            "created_at",
        ]
        # One INE per Crous is checked by the service, which answers 409 with what to do.
        validators: list[Any] = []

    def get_has_account(self, student: Student) -> bool:
        return student_has_linked_account(student)

    def validate_ine(self, value: str) -> str:
        ine = normalize_ine(value)
        validate_ine(ine)
        return ine

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        crous = attrs.get("crous")
        if self.instance is not None:
            if crous is not None and crous.pk != self.instance.crous_id:
                raise serializers.ValidationError(
                    {"crous": _("A student record stays in its Crous: create one in the other.")}
                )
            return attrs
        if crous is None:
            visible = scope_for(self.context["request"].user).crous
            if visible is None or len(visible) != 1:
                raise serializers.ValidationError(
                    {"crous": _("Choose the Crous this student is housed by.")}
                )
            attrs["crous"] = Crous.objects.get(pk=visible[0])
        return attrs


class TenantFileSerializer(serializers.ModelSerializer):
    crous = CrousSummarySerializer(read_only=True)
    student = NestedPrimaryKeyRelatedField(
        queryset=Student.objects, summary=StudentSummarySerializer
    )
    unit = NestedPrimaryKeyRelatedField(
        queryset=HousingUnit.objects, summary=HousingUnitSummarySerializer
    )
    academic_year = serializers.IntegerField(
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="Start year (2026 for 2026-2027); by default the year of the start date.",
    )
    linked = serializers.SerializerMethodField(
        help_text="Whether a student account is linked to the file (by its code or by staff)."
    )
    hand_over = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text=(
            "Campus France cases: no email; the code is handed over in person and returned "
            "once in this response (`code`, `code_display`)."
        ),
    )

    class Meta:
        model = TenantFile
        fields = [
            "id",
            "crous",
            "student",
            "unit",
            "academic_year",
            "start_date",
            "end_date",
            "status",
            "linked",
            "linked_at",
            "code_issued_at",
            "code_expires_at",
            "code_delivery",
            "code_handed_over_at",
            "hand_over",
            "created_at",
            "updated_at",
        ]
        # Never the code's HMAC; the code itself only in a hand-over's answer.
        read_only_fields = [
            "status",
            "linked_at",
            "code_issued_at",
            "code_expires_at",
            "code_delivery",
            "code_handed_over_at",
            "created_at",
            "updated_at",
        ]
        # The one current file per unit is the service's to check (409, not a 400).
        validators: list[Any] = []

    @extend_schema_field(serializers.BooleanField())
    def get_linked(self, tenant_file: TenantFile) -> bool:
        return tenant_file.linked_user_id is not None


class TenantFileWithCodeSerializer(TenantFileSerializer):
    """A tenant file and, when it was just issued for a hand-over, its code: the only
    answers that ever carry a code (``Cache-Control: no-store``)."""

    code = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=(
            "The plain code (10 characters) when it is handed over in person, shown in this "
            "answer only; null when it was emailed."
        ),
    )
    code_display = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The code grouped as printed for the student (ABCD-EFGH-JK), or null.",
    )

    class Meta(TenantFileSerializer.Meta):
        fields = [*TenantFileSerializer.Meta.fields, "code", "code_display"]


class TenantFileUnlinkSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500,
        help_text="Why the account is unlinked (lost access…): kept in the file's history.",
        error_messages={
            "required": _("Say why the account is unlinked: it is kept in the file's history."),
            "blank": _("Say why the account is unlinked: it is kept in the file's history."),
        },
    )


class TenantFileRelinkSerializer(serializers.Serializer):
    user_email = serializers.EmailField(
        help_text="Exact email address of the account the student uses now."
    )

    account: User  # the account found by ``validate_user_email``

    def validate_user_email(self, value: str) -> str:
        account = User.objects.filter(email__iexact=value.strip()).first()
        if account is None:
            raise serializers.ValidationError(
                _(
                    "No account uses this email address: check it with the student, or ask "
                    "them to create their account first."
                )
            )
        self.account = account
        return value


class TenantFileChangeUnitSerializer(serializers.Serializer):
    unit: serializers.PrimaryKeyRelatedField[HousingUnit] = serializers.PrimaryKeyRelatedField(
        queryset=HousingUnit.objects, help_text="A free unit of the same Crous."
    )
    new_code = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Issue a new code, emailed to the student (the current one stops working).",
    )


class TenantFileTransferSerializer(serializers.Serializer):
    unit: serializers.PrimaryKeyRelatedField[HousingUnit] = serializers.PrimaryKeyRelatedField(
        queryset=HousingUnit.objects, help_text="A free unit of the other Crous."
    )
    start_date = serializers.DateField(help_text="First day in the new Crous.")
    end_date = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end_date"] <= attrs["start_date"]:
            raise serializers.ValidationError(
                {"end_date": _("The end date must come after the start date.")}
            )
        return attrs


class TenantFileEndSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Kept in the file's history."
    )
