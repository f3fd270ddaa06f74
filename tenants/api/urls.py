"""Routes of students and tenant files (names ``api:student-…``, ``api:tenantfile-…``)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from tenants.api.student_views import LinkedTenantFileViewSet, TenantCodeRedeemView
from tenants.api.views import StudentViewSet, TenantFileViewSet

router = SimpleRouter()
router.register("students", StudentViewSet, basename="student")
router.register("tenant-files", TenantFileViewSet, basename="tenantfile")
# The caller's own side (students): names ``api:me-tenantcode-redeem``, ``api:me-tenantfile-…``.
# The tenant space's routes under the same prefix live in tenancy/api/urls.py.
router.register("me/tenant-files", LinkedTenantFileViewSet, basename="me-tenantfile")

urlpatterns = [
    path("me/tenant-code/", TenantCodeRedeemView.as_view(), name="me-tenantcode-redeem"),
    *router.urls,
]
