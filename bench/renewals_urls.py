"""The benchmark server's routes plus the bare renewal submit view (``/bench/renewals/…``)."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.urls import urlpatterns as bench_urlpatterns

BASELINE_YEAR = 2099  # the bare view's own window, apart from the real one


class BaselineRenewalSubmit(APIView):
    """What a first, naive submit would be: the same authentication, the caller's file looked
    up, one row inserted (get-or-create on the same unique key) — no scope, no eligibility
    check, no row lock, no history, no confirmation queued."""

    permission_classes = [permissions.IsAuthenticated]
    _window_id: int | None = None

    def post(self, request: Request) -> Response:
        from renewals.models import RenewalRequest, RenewalWindow, RequestStatus
        from tenants.models import TenantFile

        with scopes_disabled():
            if BaselineRenewalSubmit._window_id is None:
                BaselineRenewalSubmit._window_id = (
                    RenewalWindow.objects.filter(academic_year=BASELINE_YEAR)
                    .values_list("pk", flat=True)
                    .get()
                )
            tenant_file = (
                TenantFile.objects.filter(pk=request.data["tenant_file"], linked_user=request.user)
                .only("pk", "crous_id")
                .first()
            )
            if tenant_file is None:
                return Response(status=status.HTTP_404_NOT_FOUND)
            renewal, created = RenewalRequest.objects.get_or_create(
                window_id=BaselineRenewalSubmit._window_id,
                tenant_file=tenant_file,
                defaults={
                    "crous_id": tenant_file.crous_id,
                    "status": RequestStatus.SUBMITTED,
                    "submitted_at": timezone.now(),
                },
            )
        body: dict[str, Any] = {"id": renewal.pk, "status": renewal.status}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


urlpatterns = [
    path(
        "bench/renewals/baseline/", BaselineRenewalSubmit.as_view(), name="bench-renewal-baseline"
    ),
    *bench_urlpatterns,
]
