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
from residences.services import CROUS_FIELDS, RESIDENCE_FIELDS, UNIT_FIELDS


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
        # What the service writes, so a field cannot be accepted here and silently dropped.
        fields = ["id", *CROUS_FIELDS]


class ResidenceSerializer(serializers.ModelSerializer):
    crous = NestedPrimaryKeyRelatedField(queryset=Crous.objects, summary=CrousSummarySerializer)

    class Meta:
        model = Residence
        fields = ["id", "crous", *RESIDENCE_FIELDS]


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
        fields = ["id", "crous", "residence", *UNIT_FIELDS]
