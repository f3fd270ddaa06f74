"""Routes of renewals (names ``api:renewalwindow-…``, ``api:renewalrequest-…``, ``api:me-…``)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from renewals.api.views import (
    MyRenewalEligibilityView,
    MyRenewalRequestViewSet,
    RenewalRequestViewSet,
    RenewalWindowViewSet,
)

router = SimpleRouter()
router.register("renewal-windows", RenewalWindowViewSet, basename="renewalwindow")
router.register("renewal-requests", RenewalRequestViewSet, basename="renewalrequest")
router.register("me/renewal-requests", MyRenewalRequestViewSet, basename="me-renewalrequest")

urlpatterns = [
    path(
        "me/renewal-eligibility/",
        MyRenewalEligibilityView.as_view(),
        name="me-renewaleligibility",
    ),
    *router.urls,
]
