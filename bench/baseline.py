"""The baseline the real list endpoints are measured against.

What a first, naive list would be: a bare ``ListAPIView`` and a plain ``ModelSerializer``
serving the *same rows* as the real endpoint — the caller's per-Crous scope (a Bordeaux
officer gets Bordeaux's rows, as from the real list), the model's default ordering, the same
pagination, authentication and permission classes — and nothing else: no filter backends, no
``select_related``. Foreign keys are rendered as ids (a plain ``ModelSerializer`` does that
without a query per row), where the real endpoints nest small summaries of the related rows.

An unscoped baseline (every row of the table) made a Bordeaux officer's real list look
faster than the baseline because the baseline counted and paged 17× more rows.

The fields are the real list's top-level fields that are columns of the table; a unit's
``crous`` is not one (it is the residence's), so the unit baseline has no ``crous``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from rest_framework import generics, serializers

from crous_admin.api.pagination import PageNumberPagination
from crous_admin.api.views import CrousScopedAPIMixin
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


class _ScopedListView(CrousScopedAPIMixin, generics.ListAPIView):
    """The caller's scope, opened after DRF authenticated the token, as the real lists do."""

    pagination_class = PageNumberPagination
    filter_backends: list[Any] = []


class BaselineHousingUnitList(_ScopedListView):
    serializer_class = BaselineHousingUnitSerializer

    def get_queryset(self) -> Any:
        return HousingUnit.objects.all()


class BaselineTenantFileList(_ScopedListView):
    serializer_class = BaselineTenantFileSerializer

    def get_queryset(self) -> Any:
        return TenantFile.objects.all()


def ping(request: HttpRequest) -> JsonResponse:
    """Answers once the server is up, without touching the database."""
    return JsonResponse({"ok": True})
