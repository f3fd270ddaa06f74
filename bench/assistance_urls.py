"""The benchmark's routes plus the bare tickets list (``/bench/baseline/tickets/``)."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework import generics, serializers

from assistance.models import Ticket
from bench.urls import urlpatterns as bench_urlpatterns
from crous_admin.api.pagination import PageNumberPagination


class BaselineTicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = [
            "id",
            "crous",
            "residence",
            "category",
            "status",
            "subject",
            "requester_name",
            "requester_email",
            "requester_ine",
            "assigned_to",
            "created_at",
            "updated_at",
            "due_at",
            "first_response_at",
            "is_duplicate",
        ]


class BaselineTicketList(generics.ListAPIView):
    """A bare ``ListAPIView`` over the tickets: the same WHERE as the real request, written
    by hand from the same parameters (``crous``, ``status``, ``overdue=true``); no scope,
    no filter set, no ``select_related``, foreign keys as ids."""

    serializer_class = BaselineTicketSerializer
    pagination_class = PageNumberPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        queryset = Ticket.objects.all()
        params = self.request.query_params
        if "crous" in params:
            queryset = queryset.filter(crous_id=params["crous"])
        if "status" in params:
            queryset = queryset.filter(status__in=params.getlist("status"))
        if params.get("overdue") == "true":
            queryset = queryset.filter(status__in=["new", "open"], due_at__lt=timezone.now())
        return queryset.order_by("due_at", "id")

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        with scopes_disabled():
            return super().dispatch(request, *args, **kwargs)


urlpatterns = [
    path("bench/baseline/tickets/", BaselineTicketList.as_view(), name="bench-baseline-tickets"),
    *bench_urlpatterns,
]
