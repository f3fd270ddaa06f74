"""Mounted under ``/demo-oidc/`` in development only (``crous_admin/urls.py``).

Issuer: ``<site>/demo-oidc``; discovery at ``/demo-oidc/.well-known/openid-configuration``.
"""

from __future__ import annotations

from django.urls import path
from oauth2_provider import urls as dot_urls

from crous_admin.demo_oidc.views import DemoAuthorizationView

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", DemoAuthorizationView.as_view(), name="authorize"),
    *(p for p in dot_urls.base_urlpatterns if getattr(p, "name", None) == "token"),
    *dot_urls.oidc_urlpatterns,
]
