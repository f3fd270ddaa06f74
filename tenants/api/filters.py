"""Query parameters of the student and tenant-file endpoints (related rows by id: ``IdFilter``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from crous_admin.api.filters import IdFilter
from tenants.models import Student, TenantFile, TenantFileStatus
from tenants.selectors import student_search_q


class StudentFilterSet(filters.FilterSet):
    crous = IdFilter(field_name="crous", help_text="Crous id.")
    is_scholarship_holder = filters.BooleanFilter()
    is_campus_france = filters.BooleanFilter()
    search = filters.CharFilter(
        method="filter_search", help_text="INE (spaces and case ignored), or part of a name."
    )

    class Meta:
        model = Student
        fields = ["crous", "is_scholarship_holder", "is_campus_france", "search"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(student_search_q(value))


class TenantFileFilterSet(filters.FilterSet):
    crous = IdFilter(field_name="crous", help_text="Crous id.")
    residence = IdFilter(field_name="unit__residence", help_text="Residence id.")
    status = filters.ChoiceFilter(choices=TenantFileStatus.choices)
    academic_year = filters.NumberFilter(help_text="Start year: 2026 for 2026-2027.")
    linked = filters.BooleanFilter(
        field_name="linked_user",
        lookup_expr="isnull",
        exclude=True,
        help_text="Whether a student account is linked to the file.",
    )
    search = filters.CharFilter(
        method="filter_search",
        help_text="The student's INE (spaces and case ignored), or part of their name.",
    )

    class Meta:
        model = TenantFile
        fields = ["crous", "residence", "status", "academic_year", "linked", "search"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(student_search_q(value, prefix="student__"))
