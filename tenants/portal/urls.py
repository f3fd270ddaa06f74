from __future__ import annotations

from django.urls import path

from tenants.portal import space_views, views

app_name = "tenants_portal"

urlpatterns = [
    path("", views.housing, name="housing"),
    path("code/", views.tenant_code, name="code"),
    # The tenant space (tenants/portal/space_views.py).
    path("dossier/<int:pk>/contrat/", space_views.agreement, name="agreement"),
    path("dossier/<int:pk>/loyer/", space_views.rent, name="rent"),
    path("dossier/<int:pk>/payer/", space_views.pay, name="pay"),
    path("dossier/<int:pk>/attestation/", space_views.certificate, name="certificate"),
    path("documents/<str:code>/", space_views.document, name="document"),
    path("paiement/retour/", space_views.payment_return, name="payment_return"),
    path(
        "paiement/notification/<slug:gateway_name>/",
        space_views.payment_callback,
        name="payment_callback",
    ),
    path(
        "paiement/passerelle-fictive/<str:reference>/",
        space_views.fake_checkout,
        name="fake_checkout",
    ),
]
