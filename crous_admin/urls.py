from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from health_check.views import HealthCheckView

from tenancy.portal import urls as tenancy_portal_urls
from tenancy.portal import verification
from tenants.portal import urls as tenants_portal_urls

urlpatterns = [
    path("", include("crous_admin.portal.urls")),
    # The housing section: tenant files and codes (tenants), then the tenant space (tenancy),
    # one namespace so that the students' addresses and the URL names stay as they were.
    path(
        "logement/",
        include(
            (tenants_portal_urls.urlpatterns + tenancy_portal_urls.urlpatterns, "tenants_portal")
        ),
    ),
    path("verification/", verification.verify, name="document_verification"),
    path("assistance/", include("assistance.portal.urls")),
    path("logement/renouvellement/", include("renewals.portal.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("crous_admin.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path(
        "health/",
        HealthCheckView.as_view(
            checks=[
                "health_check.checks.Database",
                "health_check.checks.Cache",
                "crous_admin.health.checks.CeleryHeartbeat",
            ]
        ),
        name="health",
    ),
]

# --- State sign-in, MFA, staff invitations (docs/state-sign-in.md) ---
urlpatterns += [
    path("compte/", include("allauth.urls")),
    path("compte/invitation/", include("residences.staff_invitations.urls")),
]
# The demonstration identity provider: development only (the settings refuse it with DEBUG
# off; tests run with DEBUG off but keep it, as they were configured with DEBUG on).
if settings.DEMO_OIDC_PROVIDER:
    urlpatterns += [path("demo-oidc/", include("crous_admin.demo_oidc.urls"))]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
