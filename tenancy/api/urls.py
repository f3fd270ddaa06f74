"""Routes of the tenant space (names ``api:me-tenantspace-…``, ``api:me-document-…``,
``api:ledger-…``, ``api:arrears-…``).

``me/tenant-files/<pk>/agreement/``… sit under the prefix of tenants/api/urls.py's linked
files: the paths API clients know did not change when the tenant space got its own app.
"""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from tenancy.api.views import (
    ArrearsViewSet,
    LedgerViewSet,
    MyDocumentViewSet,
    TenantSpaceViewSet,
)

router = SimpleRouter()
router.register("me/tenant-files", TenantSpaceViewSet, basename="me-tenantspace")
router.register("me/documents", MyDocumentViewSet, basename="me-document")
router.register("ledgers", LedgerViewSet, basename="ledger")
router.register("arrears", ArrearsViewSet, basename="arrears")

urlpatterns = router.urls
