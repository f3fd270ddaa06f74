"""Query parameters of the staff ticket queue (the back-office's filters, by the same names)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from assistance.models import Ticket, TicketCategory, TicketStatus
from assistance.selectors import overdue_q
from crous_admin.api.filters import IdFilter


class TicketFilterSet(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        choices=TicketStatus.choices, help_text="One or more statuses (repeat the parameter)."
    )
    category = filters.MultipleChoiceFilter(choices=TicketCategory.choices)
    crous = IdFilter(field_name="crous", help_text="Crous id.")
    residence = IdFilter(field_name="residence", help_text="Residence id.")
    assigned = filters.ChoiceFilter(
        choices=[("me", "me"), ("none", "none")],
        method="filter_assigned",
        help_text="`me`: assigned to the caller; `none`: unassigned.",
    )
    overdue = filters.BooleanFilter(
        method="filter_overdue", help_text="Past their due time while awaiting staff."
    )
    duplicate = filters.BooleanFilter(field_name="is_duplicate")

    class Meta:
        model = Ticket
        fields = ["status", "category", "crous", "residence", "assigned", "overdue", "duplicate"]

    def filter_assigned(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "me":
            return queryset.filter(assigned_to=self.request.user)
        return queryset.filter(assigned_to__isnull=True)

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        q = overdue_q(timezone.now())
        return queryset.filter(q) if value else queryset.exclude(q)
