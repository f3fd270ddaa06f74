"""Students and tenant files: staff only, each staff member within their own Crous.

Reads come from ``tenants.selectors``; writes go through ``tenants.services``, whose
``ApplicationError``/``ConflictError`` the API maps once (``crous_admin.api.errors``).
"""

from __future__ import annotations

from typing import Any

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crous_admin.api.permissions import CrousModelPermissions, IsCrousStaff
from crous_admin.api.schema import (
    CREATE_ERRORS,
    LIST_ERRORS,
    READ_ERRORS,
    UPDATE_ERRORS,
    error_responses,
)
from crous_admin.api.views import (
    CrousScopedCreateUpdateViewSet,
    CrousScopedReadOnlyViewSet,
    request_user,
)
from tenants import code_services, selectors, services
from tenants.api.filters import StudentFilterSet, TenantFileFilterSet
from tenants.api.serializers import (
    StudentSerializer,
    TenantFileChangeUnitSerializer,
    TenantFileEndSerializer,
    TenantFileRelinkSerializer,
    TenantFileSerializer,
    TenantFileTransferSerializer,
    TenantFileUnlinkSerializer,
    TenantFileWithCodeSerializer,
)
from tenants.code_services import IssuedCode
from tenants.models import TenantFile
from tenants.permissions import may_transfer_between, may_transfer_from

STAFF_ONLY = [IsCrousStaff & CrousModelPermissions]


@extend_schema_view(
    list=extend_schema(responses={200: StudentSerializer, **error_responses(*LIST_ERRORS)}),
    retrieve=extend_schema(responses={200: StudentSerializer, **error_responses(*READ_ERRORS)}),
    create=extend_schema(
        responses={201: StudentSerializer, **error_responses(*CREATE_ERRORS, 409)}
    ),
    update=extend_schema(responses={200: StudentSerializer, **error_responses(*UPDATE_ERRORS)}),
    partial_update=extend_schema(
        responses={200: StudentSerializer, **error_responses(*UPDATE_ERRORS)}
    ),
)
class StudentViewSet(CrousScopedCreateUpdateViewSet):
    """The students each Crous houses (one record per Crous)."""

    serializer_class = StudentSerializer
    permission_classes = STAFF_ONLY
    filterset_class = StudentFilterSet
    ordering_fields = ["last_name", "first_name", "created_at"]

    def get_queryset(self) -> Any:
        return selectors.students_for_list()

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        crous = data.pop("crous")
        self.check_crous_permission(crous.pk)
        student = services.student_create(by=request_user(self.request), crous_id=crous.pk, **data)
        student.crous = crous  # already loaded: no query to show it
        serializer.instance = student

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.student_update(
            by=request_user(self.request), student=serializer.instance, **serializer.validated_data
        )


@extend_schema_view(
    list=extend_schema(responses={200: TenantFileSerializer, **error_responses(*LIST_ERRORS)}),
    retrieve=extend_schema(responses={200: TenantFileSerializer, **error_responses(*READ_ERRORS)}),
    create=extend_schema(
        request=TenantFileSerializer,
        responses={201: TenantFileWithCodeSerializer, **error_responses(*CREATE_ERRORS, 409)},
    ),
)
class TenantFileViewSet(mixins.CreateModelMixin, CrousScopedReadOnlyViewSet):
    """Tenant files: a student's occupancy of a unit. Created and ended, never edited.

    Creating one issues its tenant code: emailed through the outbox, or (``hand_over``)
    returned once in the answer for a letter handed over in person. The code actions (resend,
    hand over, unlink, relink, change unit, transfer) need ``change_tenantfile`` in the file's
    Crous; a transfer needs the rights in the target Crous too.
    """

    serializer_class = TenantFileSerializer
    permission_classes = STAFF_ONLY
    filterset_class = TenantFileFilterSet
    ordering_fields = ["academic_year", "start_date", "end_date", "created_at"]
    # Ending a file changes it: the role needs ``change``, not ``add`` as a POST would.
    action_permissions = {
        name: ["%(app_label)s.change_%(model_name)s"]
        for name in (
            "end",
            "resend_code",
            "hand_over_code",
            "unlink",
            "relink",
            "change_unit",
            "transfer",
        )
    }

    def get_queryset(self) -> Any:
        return selectors.tenant_files_for_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        self.check_crous_permission(data["student"].crous_id)
        issued = code_services.tenant_file_assign(
            by=request_user(request),
            student=data["student"],
            unit=data["unit"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            academic_year=data.get("academic_year"),
            hand_over=data["hand_over"],
        )
        return self._file_response(
            issued.tenant_file,
            issued if data["hand_over"] else None,
            status=status.HTTP_201_CREATED,
        )

    def _file_response(
        self, tenant_file: TenantFile, handed_over: IssuedCode | None = None, **kwargs: Any
    ) -> Response:
        """The file as listed; with ``handed_over``, the code too, kept out of caches."""
        tenant_file = self.get_queryset().get(pk=tenant_file.pk)
        tenant_file.code = handed_over.code if handed_over else None  # type: ignore[attr-defined]
        tenant_file.code_display = handed_over.display if handed_over else None  # type: ignore[attr-defined]
        context = self.get_serializer_context()
        response = Response(
            TenantFileWithCodeSerializer(tenant_file, context=context).data, **kwargs
        )
        if handed_over:
            add_never_cache_headers(response)
        return response

    @extend_schema(
        request=TenantFileEndSerializer,
        responses={200: TenantFileSerializer, **error_responses(400, *READ_ERRORS, 409)},
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        """Ends a current file and frees its unit (409 when it has already ended)."""
        tenant_file = self.get_object()
        params = TenantFileEndSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        services.tenant_file_end(
            by=request_user(request),
            tenant_file=tenant_file,
            reason=params.validated_data.get("reason", ""),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=tenant_file.pk)).data)

    @extend_schema(
        request=None,
        responses={200: TenantFileSerializer, **error_responses(*READ_ERRORS, 409)},
    )
    @action(detail=True, methods=["post"], url_path="resend-code")
    def resend_code(self, request: Request, pk: str | None = None) -> Response:
        """Issues a fresh code and emails it; the previous code stops working (409 when the
        file has ended)."""
        tenant_file = self.get_object()
        code_services.tenant_code_resend(by=request_user(request), tenant_file=tenant_file)
        return Response(self.get_serializer(self.get_queryset().get(pk=tenant_file.pk)).data)

    @extend_schema(
        request=None,
        responses={200: TenantFileWithCodeSerializer, **error_responses(*READ_ERRORS, 409)},
    )
    @action(detail=True, methods=["post"], url_path="hand-over-code")
    def hand_over_code(self, request: Request, pk: str | None = None) -> Response:
        """Issues a fresh code to hand over in person (Campus France cases) and returns it,
        in this answer only; no email. The previous code stops working; the hand-over (who,
        when) is recorded on the file."""
        tenant_file = self.get_object()
        issued = code_services.tenant_code_hand_over(
            by=request_user(request), tenant_file=tenant_file
        )
        return self._file_response(tenant_file, issued)

    @extend_schema(
        request=TenantFileUnlinkSerializer,
        responses={200: TenantFileSerializer, **error_responses(400, *READ_ERRORS, 409)},
    )
    @action(detail=True, methods=["post"])
    def unlink(self, request: Request, pk: str | None = None) -> Response:
        """Cuts the link between the file and its account (lost access); 409 when no account
        is linked."""
        tenant_file = self.get_object()
        params = TenantFileUnlinkSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        code_services.tenant_file_unlink(
            by=request_user(request),
            tenant_file=tenant_file,
            reason=params.validated_data["reason"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=tenant_file.pk)).data)

    @extend_schema(
        request=TenantFileRelinkSerializer,
        responses={200: TenantFileSerializer, **error_responses(400, *READ_ERRORS, 409)},
    )
    @action(detail=True, methods=["post"])
    def relink(self, request: Request, pk: str | None = None) -> Response:
        """Links the account with this email address, after staff checked the student's
        identity; 409 while another account is linked (unlink it first)."""
        tenant_file = self.get_object()
        params = TenantFileRelinkSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        code_services.tenant_file_relink(
            by=request_user(request), tenant_file=tenant_file, user=params.account
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=tenant_file.pk)).data)

    @extend_schema(
        request=TenantFileChangeUnitSerializer,
        responses={200: TenantFileSerializer, **error_responses(400, *READ_ERRORS, 409)},
    )
    @action(detail=True, methods=["post"], url_path="change-unit")
    def change_unit(self, request: Request, pk: str | None = None) -> Response:
        """Moves the file to a free unit of the same Crous; the account stays linked. With
        ``new_code`` a fresh code is emailed."""
        tenant_file = self.get_object()
        params = TenantFileChangeUnitSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        code_services.tenant_file_change_unit(
            by=request_user(request),
            tenant_file=tenant_file,
            unit=params.validated_data["unit"],
            new_code=params.validated_data["new_code"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=tenant_file.pk)).data)

    @extend_schema(
        request=TenantFileTransferSerializer,
        responses={201: TenantFileSerializer, **error_responses(400, *READ_ERRORS, 409)},
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str | None = None) -> Response:
        """Transfers the student to a unit of another Crous: this file ends, a new one (the
        answer) opens there with its own code, emailed. 403 unless the caller may write
        tenant files in both Crous."""
        tenant_file = self.get_object()
        if not may_transfer_from(request.user, tenant_file.crous_id):
            self.permission_denied(request)
        params = TenantFileTransferSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        unit = params.validated_data["unit"]
        if not may_transfer_between(request.user, tenant_file.crous_id, unit.residence.crous_id):
            self.permission_denied(request)
        issued = code_services.tenant_file_transfer(
            by=request_user(request),
            tenant_file=tenant_file,
            unit=unit,
            start_date=params.validated_data["start_date"],
            end_date=params.validated_data["end_date"],
        )
        new_file = self.get_queryset().get(pk=issued.tenant_file.pk)
        return Response(self.get_serializer(new_file).data, status=status.HTTP_201_CREATED)
