"""The tenant space over the API.

Students (``/me/…``, any authenticated account, rows by account): the agreement and its
signature, the ledger, receipts, the rent certificate, starting an online payment, and
their documents' PDFs. Staff (roles, per-Crous scope): a file's ledger, recording a payment
made by other means, the arrears list.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crous_admin.api.permissions import CrousModelPermissions, IsCrousStaff
from crous_admin.api.schema import LIST_ERRORS, READ_ERRORS, error_responses
from crous_admin.api.views import CrousScopedAPIMixin, request_user
from crous_admin.client_ip import client_ip
from tenancy.agreements import agreement_prepare, agreement_sign
from tenancy.api.serializers import (
    AgreementSerializer,
    AgreementSignSerializer,
    ArrearsSerializer,
    DocumentSerializer,
    LedgerSerializer,
    PaymentRecordSerializer,
    PaymentStartedSerializer,
    PaySerializer,
)
from tenancy.certificates import certificate_issue
from tenancy.ledger import files_in_arrears, ledger_bring_up_to_date, ledger_entries, ledger_summary
from tenancy.models import DocumentKind, OccupancyAgreement, VerifiableDocument
from tenancy.payments import get_gateway
from tenancy.portal.views import pdf_response
from tenancy.rent_payments import online_payment_start, payment_record
from tenants.models import TenantFile
from tenants.selectors import tenant_files_for_list, tenant_files_of_student

STUDENT_ERRORS = (401, 404)


def _ledger_data(tenant_file: TenantFile, *, staff: bool) -> dict[str, Any]:
    summary = ledger_summary(tenant_file=tenant_file)
    entries = ledger_entries(tenant_file=tenant_file)
    return LedgerSerializer(
        {
            "tenant_file": tenant_file.pk,
            "charged": summary.charged,
            "paid": summary.paid,
            "balance": summary.balance,
            "entries": entries,
        },
        # Staff see who recorded each entry; students do not (LedgerEntrySerializer).
        context={"staff": staff},
    ).data


def _agreement(tenant_file: TenantFile) -> OccupancyAgreement:
    agreement = agreement_prepare(tenant_file=tenant_file)
    return OccupancyAgreement.objects.select_related(
        "document", "signed_document", "tenant_file__student"
    ).get(pk=agreement.pk)


class TenantSpaceViewSet(CrousScopedAPIMixin, viewsets.GenericViewSet):
    """``/me/tenant-files/{id}/…``: the caller's own file's tenant space (404 otherwise)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = AgreementSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return TenantFile.objects.none()
        return tenant_files_of_student(user=request_user(self.request)).select_related("student")

    @extend_schema(
        summary="The occupancy agreement of the caller's file (generated on first read)",
        responses={200: AgreementSerializer, **error_responses(*STUDENT_ERRORS)},
    )
    @action(detail=True, methods=["get"])
    def agreement(self, request: Request, pk: str | None = None) -> Response:
        return Response(AgreementSerializer(_agreement(self.get_object())).data)

    @extend_schema(
        summary="Sign the occupancy agreement",
        request=AgreementSignSerializer,
        responses={
            200: AgreementSerializer,
            **error_responses(400, *STUDENT_ERRORS, 409),
        },
        description=(
            "400: `consent_required`, `name_mismatch` (the name as on the agreement), invalid "
            "input. 409: `agreement_already_signed`, `agreement_changed` (the hash is not the "
            "current agreement's: read it again), `agreement_not_ready` (read it first)."
        ),
    )
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        tenant_file = self.get_object()
        params = AgreementSignSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        agreement_sign(
            tenant_file=tenant_file,
            user=request_user(request),
            consent=params.validated_data["consent"],
            typed_name=params.validated_data["typed_name"],
            document_sha256=params.validated_data["document_sha256"],
            ip=client_ip(request),
        )
        return Response(AgreementSerializer(_agreement(tenant_file)).data)

    @extend_schema(
        summary="The rent ledger of the caller's file",
        responses={200: LedgerSerializer, **error_responses(*STUDENT_ERRORS)},
    )
    @action(detail=True, methods=["get"])
    def ledger(self, request: Request, pk: str | None = None) -> Response:
        tenant_file = self.get_object()
        ledger_bring_up_to_date(tenant_file=tenant_file)
        return Response(_ledger_data(tenant_file, staff=False))

    @extend_schema(
        summary="The rent receipts of the caller's file (one per fully paid month)",
        responses={200: DocumentSerializer(many=True), **error_responses(*STUDENT_ERRORS)},
    )
    @action(detail=True, methods=["get"])
    def receipts(self, request: Request, pk: str | None = None) -> Response:
        documents = self.get_object().documents.filter(kind=DocumentKind.RECEIPT).order_by("-month")
        return Response(DocumentSerializer(documents, many=True).data)

    @extend_schema(
        summary="Issue (or get today's) rent certificate for the CAF",
        request=None,
        responses={200: DocumentSerializer, **error_responses(*STUDENT_ERRORS, 409)},
    )
    @action(detail=True, methods=["post"])
    def certificate(self, request: Request, pk: str | None = None) -> Response:
        return Response(DocumentSerializer(certificate_issue(tenant_file=self.get_object())).data)

    @extend_schema(
        summary="Start an online rent payment",
        request=PaySerializer,
        responses={200: PaymentStartedSerializer, **error_responses(400, *STUDENT_ERRORS, 409)},
        description=(
            "Opens a checkout at the configured gateway for the balance owed (or `amount`) and "
            "returns where to send the student. 409 `nothing_to_pay` when nothing is owed."
        ),
    )
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str | None = None) -> Response:
        tenant_file = self.get_object()
        params = PaySerializer(data=request.data)
        params.is_valid(raise_exception=True)
        gateway = get_gateway()
        payment, url = online_payment_start(
            user=request_user(request),
            tenant_file=tenant_file,
            amount=params.validated_data.get("amount"),
            return_url=request.build_absolute_uri(reverse("tenants_portal:payment_return")),
            callback_url=request.build_absolute_uri(
                reverse("tenants_portal:payment_callback", args=[gateway.name])
            ),
        )
        return Response(
            PaymentStartedSerializer(
                {
                    "payment": payment.pk,
                    "amount": payment.amount,
                    "gateway": gateway.name,
                    "is_test": gateway.is_test,
                    "redirect_url": request.build_absolute_uri(url),
                }
            ).data
        )


class MyDocumentViewSet(CrousScopedAPIMixin, viewsets.ReadOnlyModelViewSet):
    """``/me/documents/``: every PDF issued to a file linked to the caller's account."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = DocumentSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return VerifiableDocument.objects.none()
        return VerifiableDocument.objects.filter(
            tenant_file__linked_user=request_user(self.request)
        )

    @extend_schema(
        summary="The caller's documents",
        responses={200: DocumentSerializer, **error_responses(*STUDENT_ERRORS)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="One of the caller's documents",
        responses={200: DocumentSerializer, **error_responses(*STUDENT_ERRORS)},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="The document's PDF, exactly as issued",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            **error_responses(*STUDENT_ERRORS),
        },
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str | None = None) -> FileResponse:
        return pdf_response(self.get_object())


# --- Staff ---------------------------------------------------------------------------------

STAFF_ONLY = [IsCrousStaff & CrousModelPermissions]


class LedgerViewSet(CrousScopedAPIMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """``/ledgers/{tenant file id}/``: a file's rent ledger (staff of its Crous)."""

    permission_classes = STAFF_ONLY
    action_permissions = {
        "retrieve": ["tenancy.view_ledgerentry"],
        "payments": ["tenancy.add_ledgerentry"],
    }
    serializer_class = LedgerSerializer

    def get_queryset(self) -> Any:
        return tenant_files_for_list()

    @extend_schema(
        summary="A tenant file's rent ledger",
        responses={200: LedgerSerializer, **error_responses(*READ_ERRORS)},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tenant_file = self.get_object()
        ledger_bring_up_to_date(tenant_file=tenant_file)
        return Response(_ledger_data(tenant_file, staff=True))

    @extend_schema(
        summary="Record a payment made by other means (cheque, transfer, cash…)",
        request=PaymentRecordSerializer,
        responses={201: LedgerSerializer, **error_responses(400, *READ_ERRORS, 409)},
    )
    @action(detail=True, methods=["post"])
    def payments(self, request: Request, pk: str | None = None) -> Response:
        tenant_file = self.get_object()
        params = PaymentRecordSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        payment_record(by=request_user(request), tenant_file=tenant_file, **params.validated_data)
        return Response(_ledger_data(tenant_file, staff=True), status=status.HTTP_201_CREATED)


class ArrearsQuerySerializer(serializers.Serializer):
    on = serializers.DateField(required=False)
    crous = serializers.IntegerField(required=False)


class ArrearsViewSet(CrousScopedAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """``/arrears/``: tenant files owing rent, most owed first (the caller's Crous)."""

    permission_classes = STAFF_ONLY
    action_permissions = {"list": ["tenancy.view_ledgerentry"]}
    serializer_class = ArrearsSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return TenantFile.objects.none()
        params = ArrearsQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        on: date = params.validated_data.get("on") or timezone.localdate()
        files = files_in_arrears(on=on)
        if "crous" in params.validated_data:
            files = files.filter(crous_id=params.validated_data["crous"])
        return files

    @extend_schema(
        summary="Tenant files in arrears",
        parameters=[
            OpenApiParameter("on", OpenApiTypes.DATE, description="Date of the balance (today)."),
            OpenApiParameter("crous", OpenApiTypes.INT, description="One Crous only."),
        ],
        responses={200: ArrearsSerializer(many=True), **error_responses(*LIST_ERRORS)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
