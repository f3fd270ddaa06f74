"""Routes of students and tenant files (names ``api:student-…``, ``api:tenantfile-…``)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from tenants.api.space_views import (
    ArrearsViewSet,
    LedgerViewSet,
    MyDocumentViewSet,
    TenantSpaceViewSet,
)
from tenants.api.student_views import LinkedTenantFileViewSet, TenantCodeRedeemView
from tenants.api.views import StudentViewSet, TenantFileViewSet

router = SimpleRouter()
router.register("students", StudentViewSet, basename="student")
router.register("tenant-files", TenantFileViewSet, basename="tenantfile")
# The caller's own side (students): names ``api:me-tenantcode-redeem``, ``api:me-tenantfile-…``.
router.register("me/tenant-files", LinkedTenantFileViewSet, basename="me-tenantfile")
# The tenant space (tenants/api/space_views.py): ``api:me-tenantspace-agreement``…
router.register("me/tenant-files", TenantSpaceViewSet, basename="me-tenantspace")
router.register("me/documents", MyDocumentViewSet, basename="me-document")
router.register("ledgers", LedgerViewSet, basename="ledger")
router.register("arrears", ArrearsViewSet, basename="arrears")

urlpatterns = [
    path("me/tenant-code/", TenantCodeRedeemView.as_view(), name="me-tenantcode-redeem"),
    *router.urls,
]
