"""The Assistance queue's filters: unfinished statuses, assigned to me or nobody, overdue."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance import selectors
from assistance.models import AWAITING_STAFF, TicketStatus


class AssignedFilter(admin.SimpleListFilter):
    title = _("assignment")
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("me", _("Assigned to me")), ("none", _("Unassigned"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "none":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() not in ("yes", "no"):
            return queryset
        q = selectors.overdue_q(timezone.now())
        return queryset.filter(q) if self.value() == "yes" else queryset.exclude(q)


class UnfinishedStatusFilter(admin.SimpleListFilter):
    """Status, with "to handle" (new, open, waiting) as the queue's default view."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("todo", _("To handle (new, open, waiting)")), *TicketStatus.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "todo":
            return queryset.filter(status__in=[*AWAITING_STAFF, TicketStatus.WAITING])
        if self.value() in TicketStatus.values:
            return queryset.filter(status=self.value())
        return queryset
