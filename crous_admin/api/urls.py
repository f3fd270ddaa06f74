"""Every route of the REST API, version 1.

Each app contributes a router in its ``api/urls.py``; the permission-matrix test
(crous_admin/tests/test_permission_matrix.py) fails when a route here has no entry there.
"""

from __future__ import annotations

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("", include("residences.api.urls")),
    path("", include("tenants.api.urls")),
]
