"""A student's own tenant files in the API (``/me/…``), and the tenant code they type.

Only what the student's pages show: the accommodation, the period, the Crous and how to
reach it. Nothing about the code itself (its HMAC, when or how it was issued) nor staff.
"""

from __future__ import annotations

from rest_framework import serializers

from residences.models import Crous, HousingUnit, Residence
from tenants.models import TenantFile


class TenantCodeRedeemSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=100,
        allow_blank=True,  # explained by the service ("Type your activation code…")
        help_text=(
            "The activation code as the student typed it: case, spaces and dashes do not "
            "matter (`abcd efgh jk`, `ABCD-EFGH-JK`)."
        ),
    )


class LinkedCrousSerializer(serializers.ModelSerializer):
    class Meta:
        model = Crous
        fields = ["id", "code", "name", "contact_email"]
        read_only_fields = fields


class LinkedResidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Residence
        fields = ["id", "name", "address", "postal_code", "city"]
        read_only_fields = fields


class LinkedHousingUnitSerializer(serializers.ModelSerializer):
    residence = LinkedResidenceSerializer(read_only=True)

    class Meta:
        model = HousingUnit
        fields = [
            "id",
            "number",
            "unit_type",
            "surface_m2",
            "monthly_rent",
            "apl_eligible",
            "residence",
        ]
        read_only_fields = fields


class LinkedTenantFileSerializer(serializers.ModelSerializer):
    """A tenant file linked to the caller's account (the tenant space)."""

    crous = LinkedCrousSerializer(read_only=True)
    unit = LinkedHousingUnitSerializer(read_only=True)

    class Meta:
        model = TenantFile
        fields = [
            "id",
            "crous",
            "unit",
            "academic_year",
            "start_date",
            "end_date",
            "status",
            "linked_at",
        ]
        read_only_fields = fields
