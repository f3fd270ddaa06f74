"""Query parameters of the staff list of renewal requests and of the windows."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from crous_admin.api.filters import IdFilter
from renewals.models import RenewalRequest, RenewalWindow, RequestStatus
from renewals.selectors import blocked_by_dse_q


class RenewalWindowFilterSet(filters.FilterSet):
    crous = IdFilter(field_name="crous", help_text="Crous id.")
    academic_year = filters.NumberFilter(help_text="Renewal for this start year: 2027.")

    class Meta:
        model = RenewalWindow
        fields = ["crous", "academic_year"]


class RenewalRequestFilterSet(filters.FilterSet):
    crous = IdFilter(field_name="crous", help_text="Crous id.")
    window = IdFilter(field_name="window", help_text="Renewal window id.")
    academic_year = filters.NumberFilter(
        field_name="window__academic_year", help_text="Renewal for this start year: 2027."
    )
    status = filters.ChoiceFilter(choices=RequestStatus.choices)
    needs_exception = filters.BooleanFilter()
    blocked_by_dse = filters.BooleanFilter(
        method="filter_blocked_by_dse", help_text="Blocked by the DSE rule."
    )
    submitted = filters.IsoDateTimeFromToRangeFilter(
        field_name="submitted_at", help_text="submitted_after / submitted_before (ISO 8601)."
    )

    class Meta:
        model = RenewalRequest
        fields = ["crous", "window", "academic_year", "status", "needs_exception"]

    def filter_blocked_by_dse(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return (
            queryset.filter(blocked_by_dse_q()) if value else queryset.exclude(blocked_by_dse_q())
        )
