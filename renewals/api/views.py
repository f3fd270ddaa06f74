"""Renewal windows (read by everyone concerned, written by that Crous' staff), the staff side
of renewal requests (list, decide, bulk decide) and the student side under ``/me/``.

Reads come from ``renewals.selectors``; writes go through ``renewals.services``, whose
``ApplicationError`` the API maps once (``crous_admin.api.errors``).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from crous_admin.api.errors import ErrorSerializer
from crous_admin.api.permissions import (
    CrousModelPermissions,
    IsCrousStaff,
    user_has_perms_in_crous,
)
from crous_admin.api.schema import (
    CREATE_ERRORS,
    LIST_ERRORS,
    READ_ERRORS,
    UPDATE_ERRORS,
    error_responses,
)
from crous_admin.api.views import (
    CrousScopedAPIMixin,
    CrousScopedCreateUpdateViewSet,
    CrousScopedReadOnlyViewSet,
    request_user,
)
from crous_admin.errors import ConflictError
from renewals import selectors
from renewals.api.filters import RenewalRequestFilterSet, RenewalWindowFilterSet
from renewals.api.serializers import (
    BulkDecisionResultSerializer,
    BulkDecisionSerializer,
    DecisionSerializer,
    EligibilitySerializer,
    RenewalRequestCreateSerializer,
    RenewalRequestSerializer,
    RenewalWindowSerializer,
    StaffRenewalRequestSerializer,
)
from renewals.eligibility import eligibility_check, unpaid_rent_for, years_of_stay_for
from renewals.models import RenewalRequest, RequestSource, RequestStatus
from renewals.services import decisions, submission, windows
from tenants.models import TenantFileStatus
from tenants.selectors import tenant_files_of_student

STAFF_ONLY = [IsCrousStaff & CrousModelPermissions]
DECIDE_PERMS = ["renewals.change_renewalrequest"]


class WindowPermissions(CrousModelPermissions):
    """Any authenticated caller reads the windows of the Crous in their scope (staff: their
    Crous; students: the Crous housing them); writes need the role's model permission."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)


@extend_schema_view(
    list=extend_schema(responses={200: RenewalWindowSerializer, **error_responses(*LIST_ERRORS)}),
    retrieve=extend_schema(
        responses={200: RenewalWindowSerializer, **error_responses(*READ_ERRORS)}
    ),
    create=extend_schema(
        responses={201: RenewalWindowSerializer, **error_responses(*CREATE_ERRORS, 409)}
    ),
    update=extend_schema(
        responses={200: RenewalWindowSerializer, **error_responses(*UPDATE_ERRORS, 409)}
    ),
    partial_update=extend_schema(
        responses={200: RenewalWindowSerializer, **error_responses(*UPDATE_ERRORS, 409)}
    ),
)
class RenewalWindowViewSet(CrousScopedCreateUpdateViewSet):
    """Renewal windows: dates are days in the Crous' time zone, the closing day inclusive.
    A window overlapping another of the same Crous and year is refused (409
    ``window_overlap``)."""

    serializer_class = RenewalWindowSerializer
    permission_classes = [WindowPermissions]
    filterset_class = RenewalWindowFilterSet
    ordering_fields = ["opens_on", "academic_year"]

    def get_queryset(self) -> Any:
        return selectors.windows_for_list()

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        crous = data.pop("crous")
        self.check_crous_permission(crous.pk)
        serializer.instance = windows.renewal_window_create(
            by=request_user(self.request), crous=crous, **data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = windows.renewal_window_update(
            by=request_user(self.request), window=serializer.instance, **serializer.validated_data
        )


@extend_schema_view(
    list=extend_schema(
        responses={200: StaffRenewalRequestSerializer, **error_responses(*LIST_ERRORS)}
    ),
    retrieve=extend_schema(
        responses={200: StaffRenewalRequestSerializer, **error_responses(*READ_ERRORS)}
    ),
)
class RenewalRequestViewSet(CrousScopedReadOnlyViewSet):
    """Renewal requests of the caller's Crous (staff): filter, decide one, decide many."""

    serializer_class = StaffRenewalRequestSerializer
    permission_classes = STAFF_ONLY
    filterset_class = RenewalRequestFilterSet
    ordering_fields = ["submitted_at", "confirmation_deadline", "decided_at"]
    action_permissions = {"decide": DECIDE_PERMS, "bulk_decide": DECIDE_PERMS}

    def get_queryset(self) -> Any:
        return selectors.requests_for_list().order_by("-submitted_at", "-id")

    @extend_schema(
        request=DecisionSerializer,
        responses={200: StaffRenewalRequestSerializer, **error_responses(400, *READ_ERRORS, 409)},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        """Approves (extends the tenant file to the window's year, same code) or refuses
        with a reason; 409 ``request_not_pending`` when it was decided already or is blocked."""
        renewal = self.get_object()
        params = DecisionSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        decisions.renewal_request_decide(
            renewal_request=renewal,
            by=request_user(request),
            approve=params.validated_data["decision"] == "approve",
            reason=params.validated_data.get("reason", ""),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=renewal.pk)).data)

    @extend_schema(
        request=BulkDecisionSerializer,
        responses={200: BulkDecisionResultSerializer, **error_responses(400, 401, 403)},
    )
    @action(detail=False, methods=["post"], url_path="bulk-decide")
    def bulk_decide(self, request: Request) -> Response:
        """Decides many requests; those that cannot be decided (not visible, decided already,
        blocked, or in a Crous where the caller may not decide) are listed in ``skipped``."""
        params = BulkDecisionSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        wanted = set(data["ids"])
        visible = list(self.get_queryset().filter(pk__in=wanted))
        allowed = [
            r for r in visible if user_has_perms_in_crous(request.user, DECIDE_PERMS, r.crous_id)
        ]
        result = decisions.renewal_requests_decide_bulk(
            renewal_requests=allowed,
            by=request_user(request),
            approve=data["decision"] == "approve",
            reason=data.get("reason", ""),
        )
        for missing in sorted(wanted - {r.pk for r in allowed}):
            result.skipped[missing] = str(exceptions.NotFound.default_detail)
        return Response({"decided": result.decided, "skipped": result.skipped})


SUBMIT_RESPONSES = {
    201: OpenApiResponse(RenewalRequestSerializer, description="Submitted; confirmations queued."),
    200: OpenApiResponse(
        RenewalRequestSerializer,
        description="The request was already submitted (a retry, another tab): the same one.",
    ),
    **error_responses(400, 401, 404),
    403: OpenApiResponse(ErrorSerializer, description="Session without a valid CSRF token."),
    409: OpenApiResponse(
        ErrorSerializer,
        description=(
            "`renewal_blocked`: recorded as blocked, `error.details.blocked_reasons` and "
            "`error.details.eligibility` say why and what to do; "
            "`renewal_window_not_open` / `renewal_window_closed` / `renewal_window_missing` "
            "(`error.details.opens_at`, `closes_at`); `file_not_renewable`."
        ),
    ),
}


@extend_schema_view(
    list=extend_schema(
        summary="The caller's renewal requests",
        responses={200: RenewalRequestSerializer, **error_responses(401, 404)},
    ),
    retrieve=extend_schema(
        summary="One of the caller's renewal requests",
        responses={200: RenewalRequestSerializer, **error_responses(401, 404)},
    ),
    create=extend_schema(
        summary="Ask for the renewal of a tenant file linked to the caller",
        request=RenewalRequestCreateSerializer,
        responses=SUBMIT_RESPONSES,
    ),
)
class MyRenewalRequestViewSet(mixins.CreateModelMixin, CrousScopedReadOnlyViewSet):
    """``/me/renewal-requests/``: one request per file and window, however often it is sent."""

    serializer_class = RenewalRequestSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return RenewalRequest.objects.none()
        return selectors.requests_of_student(user=request_user(self.request)).order_by("-id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = RenewalRequestCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        tenant_file = (
            tenant_files_of_student(user=request_user(request))
            .filter(pk=data["tenant_file"])
            .first()
        )
        if tenant_file is None:
            raise exceptions.NotFound()
        submitted = submission.renewal_request_submit(
            tenant_file=tenant_file,
            by=request_user(request),
            contact_email=data.get("contact_email", ""),
            contact_phone=data.get("contact_phone", ""),
            source=RequestSource.API,
        )
        renewal = submitted.request
        if renewal.status == RequestStatus.BLOCKED:
            # Recorded (the service committed); the caller is told why and what to do.
            raise ConflictError(
                " ".join(
                    r["message"]
                    for r in renewal.eligibility
                    if r["code"] in renewal.blocked_reasons
                ),
                code="renewal_blocked",
                extra={
                    "request": renewal.pk,
                    "blocked_reasons": renewal.blocked_reasons,
                    "eligibility": renewal.eligibility,
                },
            )
        # Serialised as it is: its messages were just queued (no read back).
        return Response(
            self.get_serializer(renewal).data,
            status=status.HTTP_201_CREATED if submitted.created else status.HTTP_200_OK,
        )


class MyRenewalEligibilityView(CrousScopedAPIMixin, GenericAPIView):
    """``/me/renewal-eligibility/``: for each active file linked to the caller, its renewal
    window and the eligibility check (each rule, passed or not, and what to do) — the same
    check the student pages show and the submission records."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = EligibilitySerializer
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(
        summary="The caller's renewal eligibility, file by file",
        responses={200: EligibilitySerializer(many=True), **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        files = list(
            tenant_files_of_student(user=request_user(request))
            .filter(status=TenantFileStatus.ACTIVE)
            .select_related("student", "crous")
        )
        years = years_of_stay_for(files)
        unpaid = unpaid_rent_for(files, now=now)
        answer = []
        for tenant_file in files:
            window = selectors.window_for_file(tenant_file, now=now)
            check = eligibility_check(
                tenant_file=tenant_file,
                window=window,
                now=now,
                years=years[tenant_file.pk],
                unpaid_rent=unpaid[tenant_file.pk],
            )
            answer.append(
                {
                    "tenant_file": tenant_file.pk,
                    "window": window,
                    "eligible": check.eligible,
                    "eligibility": check.as_json(),
                }
            )
        return Response(EligibilitySerializer(answer, many=True).data)
