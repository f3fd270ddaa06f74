from __future__ import annotations

from django.urls import path

from tenants.portal import views

app_name = "tenants_portal"

urlpatterns = [
    path("", views.housing, name="housing"),
    path("code/", views.tenant_code, name="code"),
]
