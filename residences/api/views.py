"""The public catalogue: anybody reads it, staff edit their own Crous'.

Reads come from ``residences.selectors`` (inside the caller's scope: staff see their Crous
only), writes go through ``residences.services``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.serializers import BaseSerializer

from crous_admin.api.permissions import CatalogPermissions
from crous_admin.api.schema import (
    CREATE_ERRORS,
    LIST_ERRORS,
    READ_ERRORS,
    UPDATE_ERRORS,
    error_responses,
)
from crous_admin.api.views import CrousScopedCreateUpdateViewSet, request_user
from residences import selectors, services
from residences.api.filters import HousingUnitFilterSet, ResidenceFilterSet
from residences.api.serializers import CrousSerializer, HousingUnitSerializer, ResidenceSerializer


def _catalog_schema(serializer: type[BaseSerializer], *, extra: tuple[int, ...] = ()) -> Any:
    """The documented answers of a catalogue endpoint: public reads, staff writes."""
    return extend_schema_view(
        list=extend_schema(responses={200: serializer, **error_responses(*LIST_ERRORS)}),
        retrieve=extend_schema(responses={200: serializer, **error_responses(*READ_ERRORS)}),
        create=extend_schema(
            responses={201: serializer, **error_responses(*CREATE_ERRORS, *extra)}
        ),
        update=extend_schema(
            responses={200: serializer, **error_responses(*UPDATE_ERRORS, *extra)}
        ),
        partial_update=extend_schema(
            responses={200: serializer, **error_responses(*UPDATE_ERRORS, *extra)}
        ),
    )


@_catalog_schema(CrousSerializer)
class CrousViewSet(CrousScopedCreateUpdateViewSet):
    """The Crous. Created by national administrators; settings edited by each Crous' own."""

    serializer_class = CrousSerializer
    permission_classes = [CatalogPermissions]
    ordering_fields = ["name", "code"]
    crous_field = "pk"

    def get_queryset(self) -> Any:
        return selectors.crous_for_list()

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.crous_create(
            by=request_user(self.request), **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.crous_update(
            by=request_user(self.request), crous=serializer.instance, **serializer.validated_data
        )


@_catalog_schema(ResidenceSerializer)
class ResidenceViewSet(CrousScopedCreateUpdateViewSet):
    """Residences. Staff create and edit those of their Crous."""

    serializer_class = ResidenceSerializer
    permission_classes = [CatalogPermissions]
    filterset_class = ResidenceFilterSet
    ordering_fields = ["name", "city", "code"]

    def get_queryset(self) -> Any:
        return selectors.residences_for_list()

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        crous = data.pop("crous")
        self.check_crous_permission(crous.pk)
        serializer.instance = services.residence_create(
            by=request_user(self.request), crous=crous, **data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.residence_update(
            by=request_user(self.request),
            residence=serializer.instance,
            **serializer.validated_data,
        )


@_catalog_schema(HousingUnitSerializer, extra=(409,))
class HousingUnitViewSet(CrousScopedCreateUpdateViewSet):
    """Housing units, their rent and whether they are free."""

    serializer_class = HousingUnitSerializer
    permission_classes = [CatalogPermissions]
    filterset_class = HousingUnitFilterSet
    ordering_fields = ["monthly_rent", "surface_m2", "number"]
    crous_field = "residence.crous_id"

    def get_queryset(self) -> Any:
        return selectors.housing_units_for_list()

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        residence = data.pop("residence")
        self.check_crous_permission(residence.crous_id)
        serializer.instance = services.housing_unit_create(
            by=request_user(self.request), residence=residence, **data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.housing_unit_update(
            by=request_user(self.request), unit=serializer.instance, **serializer.validated_data
        )
