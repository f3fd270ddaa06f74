"""The baseline the real list endpoints are measured against.

What a first, naive list would be: a bare ``ListAPIView`` and a plain ``ModelSerializer``
over the same table, with the project's pagination, authentication and permission classes,
and nothing else — no per-Crous scope (every row of the table), no filter backends, no
``select_related``. Foreign keys are rendered as ids (a plain ``ModelSerializer`` does that
without a query per row), where the real endpoints nest small summaries of the related rows.

The fields are the real list's top-level fields that are columns of the table; a unit's
``crous`` is not one (it is the residence's), so the unit baseline has no ``crous``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django_scopes import scopes_disabled
from rest_framework import generics, serializers

from crous_admin.api.pagination import PageNumberPagination
from residences.models import HousingUnit
from tenants.models import TenantFile


class BaselineHousingUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = HousingUnit
        fields = [
            "id",
            "residence",
            "number",
            "unit_type",
            "surface_m2",
            "monthly_rent",
            "apl_eligible",
            "status",
        ]


class BaselineTenantFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = TenantFile
        fields = [
            "id",
            "crous",
            "student",
            "unit",
            "academic_year",
            "start_date",
            "end_date",
            "status",
            "created_at",
            "updated_at",
        ]


class _UnscopedListView(generics.ListAPIView):
    pagination_class = PageNumberPagination
    filter_backends: list[Any] = []

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The scoped managers refuse to read outside a scope; the baseline has none.
        with scopes_disabled():
            return super().dispatch(request, *args, **kwargs)


class BaselineHousingUnitList(_UnscopedListView):
    serializer_class = BaselineHousingUnitSerializer

    def get_queryset(self) -> Any:
        return HousingUnit.objects.all()


class BaselineTenantFileList(_UnscopedListView):
    serializer_class = BaselineTenantFileSerializer

    def get_queryset(self) -> Any:
        return TenantFile.objects.all()


def ping(request: HttpRequest) -> JsonResponse:
    """Answers once the server is up, without touching the database."""
    return JsonResponse({"ok": True})
