"""Routes of the outbox (names ``api:message-list``, ``api:message-detail``)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from notifications.api.views import MessageViewSet

router = SimpleRouter()
router.register("messages", MessageViewSet, basename="message")

urlpatterns = router.urls
