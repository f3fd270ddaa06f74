"""The outbox, read-only, for staff: what was sent to whom, what waits, what failed and why.

Rows come from ``notifications.selectors`` inside the caller's scope: staff see their
Crous' messages, national staff all of them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view

from crous_admin.api.permissions import CrousModelPermissions, IsCrousStaff
from crous_admin.api.schema import LIST_ERRORS, READ_ERRORS, error_responses
from crous_admin.api.views import CrousScopedReadOnlyViewSet
from notifications import selectors
from notifications.api.filters import MessageFilterSet
from notifications.api.serializers import MessageDetailSerializer, MessageSerializer
from notifications.models import DeliveryAttempt


@extend_schema_view(
    list=extend_schema(responses={200: MessageSerializer, **error_responses(*LIST_ERRORS)}),
    retrieve=extend_schema(
        responses={200: MessageDetailSerializer, **error_responses(*READ_ERRORS)}
    ),
)
class MessageViewSet(CrousScopedReadOnlyViewSet):
    """Emails and SMS of the outbox, newest first; one message with its delivery attempts."""

    permission_classes = [IsCrousStaff & CrousModelPermissions]
    filterset_class = MessageFilterSet
    ordering_fields = ["created_at", "deadline", "not_before", "sent_at"]

    def get_queryset(self) -> Any:
        queryset = selectors.message_list()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("delivery_attempts", queryset=DeliveryAttempt.objects.order_by("at", "id"))
            )
        return queryset

    def get_serializer_class(self) -> Any:
        return MessageDetailSerializer if self.action == "retrieve" else MessageSerializer
