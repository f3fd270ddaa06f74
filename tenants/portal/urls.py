"""Student pages of the housing section (namespace ``tenants_portal``, under ``/logement/``).

The tenant space's pages (tenancy/portal/urls.py) share this namespace and prefix, so their
addresses and names stayed the same when the tenant space got its own app: crous_admin/urls.py
includes both lists together.
"""

from __future__ import annotations

from django.urls import path

from tenants.portal import views

urlpatterns = [
    path("", views.housing, name="housing"),
    path("code/", views.tenant_code, name="code"),
]
