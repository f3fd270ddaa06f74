"""Routes of Assistance (``api:ticket-…`` for staff, ``api:me-ticket-…`` for students)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from assistance.api.views import MyTicketViewSet, TicketViewSet

router = SimpleRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("me/tickets", MyTicketViewSet, basename="me-ticket")

urlpatterns = router.urls
