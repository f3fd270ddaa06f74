"""The public catalogue in the API: Crous, residences, housing units.

Serializers validate input and shape output; the writes go through ``residences.services``
(called by the views). Foreign keys are written as ids and read as small objects
(``NestedPrimaryKeyRelatedField``); their choices are the caller's scope.
"""

from __future__ import annotations

from rest_framework import serializers
from timezone_field.rest_framework import TimeZoneSerializerField

from crous_admin.api.fields import NestedPrimaryKeyRelatedField
from residences.models import Crous, HousingUnit, Residence, UnitStatus


class CrousSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Crous
        fields = ["id", "code", "name"]
        read_only_fields = fields


class ResidenceSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Residence
        fields = ["id", "code", "name", "city"]
        read_only_fields = fields


class CrousSerializer(serializers.ModelSerializer):
    time_zone = TimeZoneSerializerField(use_pytz=False, required=False)

    class Meta:
        model = Crous
        fields = [
            "id",
            "code",
            "name",
            "time_zone",
            "contact_email",
            "sms_sender_name",
            "code_validity_days",
            "code_max_attempts",
            "code_block_hours",
            "assistance_target_business_days",
            "holiday_subdivision",
            "is_active",
        ]


class ResidenceSerializer(serializers.ModelSerializer):
    crous = NestedPrimaryKeyRelatedField(queryset=Crous.objects, summary=CrousSummarySerializer)

    class Meta:
        model = Residence
        fields = ["id", "crous", "code", "name", "address", "postal_code", "city", "is_active"]


class HousingUnitSerializer(serializers.ModelSerializer):
    residence = NestedPrimaryKeyRelatedField(
        queryset=Residence.objects, summary=ResidenceSummarySerializer
    )
    crous = CrousSummarySerializer(source="residence.crous", read_only=True)
    status = serializers.ChoiceField(
        choices=UnitStatus.choices,
        required=False,
        help_text="`occupied` is set by creating a tenant file, never by hand.",
    )

    class Meta:
        model = HousingUnit
        fields = [
            "id",
            "crous",
            "residence",
            "number",
            "unit_type",
            "surface_m2",
            "monthly_rent",
            "apl_eligible",
            "status",
        ]
