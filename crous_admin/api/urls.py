"""Every route of the REST API, version 1.

Each app contributes a router in its ``api/urls.py``; the permission-matrix test
(crous_admin/tests/test_permission_matrix_api.py) fails when a route here has no entry there.
"""

from __future__ import annotations

from django.urls import include, path, re_path

from crous_admin.api.views import NotFoundView

app_name = "api"

urlpatterns = [
    path("", include("residences.api.urls")),
    path("", include("tenants.api.urls")),
    path("", include("tenancy.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("assistance.api.urls")),
    path("", include("renewals.api.urls")),
    # Last: any other path answers a 404 in the API's error format, not an HTML page.
    re_path(r"^", NotFoundView.as_view(), name="not-found"),
]
