"""A student's side of the API (``/me/…``): typing a tenant code, reading one's own files.

Any authenticated account may call these (staff too, for files linked to their own
account): what the caller reaches is decided by the account, never by a role.
"""

from __future__ import annotations

from typing import Any

from django_scopes import scopes_disabled
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from crous_admin.api.errors import ErrorSerializer
from crous_admin.api.schema import error_responses
from crous_admin.api.views import CrousScopedAPIMixin, CrousScopedReadOnlyViewSet, request_user
from crous_admin.client_ip import client_ip
from tenants.api.student_serializers import LinkedTenantFileSerializer, TenantCodeRedeemSerializer
from tenants.code_redemption import tenant_code_redeem
from tenants.models import TenantFile
from tenants.selectors import tenant_files_of_student


class TenantCodeThrottle(ScopedRateThrottle):
    """Codes typed from one IP address (rate ``tenant_code`` in ``DEFAULT_THROTTLE_RATES``).

    A burst guard per address, whoever is logged in, answering DRF's ``throttled`` before
    the service is reached. The service keeps its own hourly per-address counter (shared with
    the student pages) and the per-file and per-account counters. Counted in the shared
    cache; the address is ``crous_admin.client_ip``'s (``NUM_PROXIES``).
    """

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


REDEEM_RESPONSES = {
    200: OpenApiResponse(
        LinkedTenantFileSerializer,
        description="The account is linked to the file (also when it already was).",
    ),
    400: _error(
        "The code is not accepted. `error.code`: `code_wrong` (`error.details.attempts_left`), "
        "or input that cannot be a code, which costs no attempt: `code_empty`, "
        "`code_looks_like_ine`, `code_looks_like_email`, `code_looks_like_password`, "
        "`code_looks_like_number`, `code_wrong_length`, `code_forbidden_characters`; "
        "`invalid` when the body has no `code`."
    ),
    **error_responses(401),
    403: _error("Session authentication without a valid CSRF token."),
    409: _error(
        "`code_already_used`: the code linked another account (lost access goes through "
        "Assistance); `file_ended`: the accommodation's file has ended."
    ),
    410: _error(
        "`code_expired` (`error.details.expired_at`): ask the Crous for a new code through "
        "Assistance."
    ),
    429: _error(
        "Too many codes: `code_entry_blocked` (`error.details.blocked_until`), "
        "`too_many_attempts_from_ip`, or `throttled` (this address's rate). The `Retry-After` "
        "header and `error.details.retry_after_seconds` say how long to wait."
    ),
}


class TenantCodeRedeemView(CrousScopedAPIMixin, GenericAPIView):
    """``POST /me/tenant-code/``: the caller's account is linked to the code's tenant file."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [TenantCodeThrottle]
    throttle_scope = "tenant_code"
    serializer_class = TenantCodeRedeemSerializer

    @extend_schema(
        summary="Type a tenant (activation) code",
        request=TenantCodeRedeemSerializer,
        responses=REDEEM_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        params = self.get_serializer(data=request.data)
        params.is_valid(raise_exception=True)
        linked = tenant_code_redeem(
            user=request_user(request),
            raw_code=params.validated_data["code"],
            # The connection's address, as on the student pages: a header could be forged.
            ip=client_ip(request),
        )
        # The caller's scope was opened before the link, without the file's Crous when it is
        # their first file there; the account filter alone says the file is theirs now.
        with scopes_disabled():
            tenant_file = tenant_files_of_student(user=request_user(request)).get(pk=linked.pk)
        return Response(LinkedTenantFileSerializer(tenant_file).data)


@extend_schema_view(
    list=extend_schema(
        summary="The tenant files linked to the caller's account",
        responses={200: LinkedTenantFileSerializer, **error_responses(401, 404)},
    ),
    retrieve=extend_schema(
        summary="One tenant file linked to the caller's account",
        responses={200: LinkedTenantFileSerializer, **error_responses(401, 404)},
    ),
)
class LinkedTenantFileViewSet(CrousScopedReadOnlyViewSet):
    """``/me/tenant-files/``: newest first; another account's file is a 404 (404 also for a
    page past the last one)."""

    serializer_class = LinkedTenantFileSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return TenantFile.objects.none()
        return tenant_files_of_student(user=request_user(self.request))
