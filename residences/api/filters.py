"""Query parameters of the catalogue endpoints (related rows by id: ``IdFilter``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from crous_admin.api.filters import IdFilter
from residences.models import HousingUnit, Residence, UnitType
from residences.selectors import housing_units_available, residence_search_q


class ResidenceFilterSet(filters.FilterSet):
    crous = IdFilter(field_name="crous", help_text="Crous id.")
    crous_code = filters.CharFilter(field_name="crous__code", help_text="Crous code.")
    city = filters.CharFilter(lookup_expr="iexact", help_text="City, any case.")
    search = filters.CharFilter(method="filter_search", help_text="Part of name, city or code.")

    class Meta:
        model = Residence
        fields = ["crous", "crous_code", "city", "search"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(residence_search_q(value))


class HousingUnitFilterSet(filters.FilterSet):
    crous = IdFilter(field_name="residence__crous", help_text="Crous id.")
    crous_code = filters.CharFilter(field_name="residence__crous__code", help_text="Crous code.")
    residence = IdFilter(field_name="residence", help_text="Residence id.")
    city = filters.CharFilter(
        field_name="residence__city", lookup_expr="iexact", help_text="City, any case."
    )
    unit_type = filters.ChoiceFilter(choices=UnitType.choices)
    available = filters.BooleanFilter(
        method="filter_available", help_text="Only units that can be assigned now (or not)."
    )
    rent_min = filters.NumberFilter(field_name="monthly_rent", lookup_expr="gte")
    rent_max = filters.NumberFilter(field_name="monthly_rent", lookup_expr="lte")
    apl_eligible = filters.BooleanFilter()

    class Meta:
        model = HousingUnit
        fields = [
            "crous",
            "crous_code",
            "residence",
            "city",
            "unit_type",
            "available",
            "rent_min",
            "rent_max",
            "apl_eligible",
        ]

    def filter_available(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return housing_units_available(queryset, value)
