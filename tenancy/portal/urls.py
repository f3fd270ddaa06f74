"""Student pages of the tenant space, in the ``tenants_portal`` namespace under ``/logement/``
(included with tenants/portal/urls.py by crous_admin/urls.py)."""

from __future__ import annotations

from django.urls import path

from tenancy.portal import views

urlpatterns = [
    path("dossier/<int:pk>/contrat/", views.agreement, name="agreement"),
    path("dossier/<int:pk>/loyer/", views.rent, name="rent"),
    path("dossier/<int:pk>/payer/", views.pay, name="pay"),
    path("dossier/<int:pk>/attestation/", views.certificate, name="certificate"),
    path("documents/<str:code>/", views.document, name="document"),
    path("paiement/retour/", views.payment_return, name="payment_return"),
    path(
        "paiement/notification/<slug:gateway_name>/",
        views.payment_callback,
        name="payment_callback",
    ),
    path(
        "paiement/passerelle-fictive/<str:reference>/",
        views.fake_checkout,
        name="fake_checkout",
    ),
]
