"""Routes of the public catalogue.

Names: ``api:crous-…``, ``api:residence-…``, ``api:housingunit-…`` (``-list``, ``-detail``).
"""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from residences.api.views import CrousViewSet, HousingUnitViewSet, ResidenceViewSet

router = SimpleRouter()
router.register("crous", CrousViewSet, basename="crous")
router.register("residences", ResidenceViewSet, basename="residence")
router.register("housing-units", HousingUnitViewSet, basename="housingunit")

urlpatterns = router.urls
