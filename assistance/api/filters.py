"""Query parameters of the staff ticket queue: the back-office's filters, by the same names,
applied by the same selector (``assistance.selectors.tickets_filter``).

Parsed by hand rather than by a django-filter ``FilterSet``: building and validating a
filter form cost about a tenth of a queue page's time (bench/assistance.py), and the
parameters are few and flat. Invalid values answer 400 naming the parameter, as a filter
set would.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import filters
from rest_framework.request import Request

from assistance.models import TicketCategory, TicketStatus
from assistance.selectors import QueueFilters, tickets_filter
from crous_admin.api.views import request_user
from crous_admin.errors import ApplicationError

_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}

PARAMETERS = [
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        enum=TicketStatus.values,
        many=True,
        explode=True,
        description="One or more statuses (repeat the parameter).",
    ),
    OpenApiParameter(
        "category", OpenApiTypes.STR, enum=TicketCategory.values, many=True, explode=True
    ),
    OpenApiParameter("crous", OpenApiTypes.INT, description="Crous id."),
    OpenApiParameter("residence", OpenApiTypes.INT, description="Residence id."),
    OpenApiParameter(
        "assigned",
        OpenApiTypes.STR,
        enum=["me", "none"],
        description="`me`: assigned to the caller; `none`: unassigned.",
    ),
    OpenApiParameter(
        "overdue",
        OpenApiTypes.BOOL,
        description="Past their due time while awaiting staff (new, open).",
    ),
]


def _invalid(name: str) -> ApplicationError:
    return ApplicationError(
        _("Invalid value for the parameter “%(name)s”.") % {"name": name},
        code="invalid",
        field=name,
    )


def _choices(params: Any, name: str, allowed: list[str]) -> list[str] | None:
    values = [v for v in params.getlist(name) if v != ""]
    if any(v not in allowed for v in values):
        raise _invalid(name)
    return values or None


def _integer(params: Any, name: str) -> int | None:
    value = params.get(name, "")
    if value == "":
        return None
    if not value.isdigit():
        raise _invalid(name)
    return int(value)


def queue_filters(params: Any) -> QueueFilters:
    assigned = params.get("assigned") or None
    if assigned not in (None, "me", "none"):
        raise _invalid("assigned")
    overdue_raw = params.get("overdue", "").lower()
    if overdue_raw and overdue_raw not in _BOOLEANS:
        raise _invalid("overdue")
    return QueueFilters(
        status=_choices(params, "status", TicketStatus.values),
        category=_choices(params, "category", TicketCategory.values),
        crous=_integer(params, "crous"),
        residence=_integer(params, "residence"),
        assigned=assigned,
        overdue=_BOOLEANS.get(overdue_raw),
    )


class QueueFilterBackend(filters.BaseFilterBackend):
    def filter_queryset(self, request: Request, queryset: Any, view: Any) -> Any:
        return tickets_filter(
            queryset,
            viewer=request_user(request),
            filters=queue_filters(request.query_params),
            now=None,
        )
