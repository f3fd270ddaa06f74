from __future__ import annotations

from django.urls import path

from renewals.portal import views

app_name = "renewals_portal"

urlpatterns = [
    path("<int:tenant_file_id>/", views.renewal, name="renewal"),
]
