"""The project's routes plus the baseline lists (``/bench/…``), for the benchmark server."""

from __future__ import annotations

from django.urls import path

from bench.baseline import BaselineHousingUnitList, BaselineTenantFileList, ping
from crous_admin.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("bench/ping/", ping, name="bench-ping"),
    path(
        "bench/baseline/housing-units/",
        BaselineHousingUnitList.as_view(),
        name="bench-baseline-housing-units",
    ),
    path(
        "bench/baseline/tenant-files/",
        BaselineTenantFileList.as_view(),
        name="bench-baseline-tenant-files",
    ),
    *project_urlpatterns,
]
