"""Back-office of the outbox: what was sent to whom, what is waiting, what failed and why.

Read-only: messages are written by the services that queue them and by the delivery task.
The one action is "Retry now" on failed messages (``messages_retry``), for those who may
change messages (Crous administrators).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crous_admin.admin import ScopedModelAdmin
from notifications.delivery import recipient_normalized
from notifications.models import DeliveryAttempt, Message
from notifications.rendering import known_template_keys
from notifications.selectors import late_q, outbox_counts
from notifications.services.sweep import messages_retry


class TemplateKeyFilter(admin.SimpleListFilter):
    """Filter by template, listing the templates that exist (no DISTINCT over the table)."""

    title = _("template")
    parameter_name = "template_key"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, key) for key in known_template_keys()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Message]) -> QuerySet[Message]:
        return queryset.filter(template_key=self.value()) if self.value() else queryset


class LateFilter(admin.SimpleListFilter):
    title = _("late")
    parameter_name = "late"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", _("Late (unsent past the deadline)"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Message]) -> QuerySet[Message]:
        return queryset.filter(late_q()) if self.value() == "yes" else queryset


class DeliveryAttemptInline(admin.TabularInline):
    """A message's attempts, oldest first. Part of the message: its view permission applies."""

    model = DeliveryAttempt
    fields = ("number", "at", "outcome", "duration_ms", "worker", "error")
    readonly_fields = fields
    ordering = ("at", "id")
    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("notifications.view_message")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ScopedModelAdmin):
    list_display = (
        "id",
        "created_at",
        "crous",
        "channel",
        "template_key",
        "recipient",
        "status",
        "attempts",
        "not_before",
        "deadline",
        "late",
        "sent_at",
    )
    list_filter = ("status", "channel", TemplateKeyFilter, LateFilter, "crous")
    list_select_related = ("crous",)
    # Exact matches only: the outbox grows large, and staff paste an address or a number.
    search_fields = ("=recipient", "=idempotency_key")
    search_help_text = _("An exact email address, phone number or idempotency key.")
    ordering = ("-created_at", "-id")
    actions = ("retry_now",)
    inlines = (DeliveryAttemptInline,)
    fieldsets = (
        (None, {"fields": ("crous", "channel", "recipient", "template_key", "language")}),
        (
            _("Delivery"),
            {
                "fields": (
                    "status",
                    "attempts",
                    "last_error",
                    "created_at",
                    "not_before",
                    "deadline",
                    "claimed_at",
                    "sent_at",
                    "provider_message_id",
                )
            },
        ),
        (_("Content"), {"fields": ("idempotency_key", "context_display")}),
    )
    readonly_fields = (
        "crous",
        "channel",
        "recipient",
        "template_key",
        "language",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "not_before",
        "deadline",
        "claimed_at",
        "sent_at",
        "provider_message_id",
        "idempotency_key",
        "context_display",
    )
    # Django's own history (the admin log: who clicked "Retry now"), not simple-history's:
    # messages change many times a minute and keep their story in the delivery attempts.
    object_history_template = None

    # --- Read-only -------------------------------------------------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # "change" allows the retry action on the list; a message's page is view-only.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self.get_object(request, unquote(object_id))
        return admin.ModelAdmin.history_view(self, request, object_id, extra_context)

    # --- Columns and fields ----------------------------------------------------------------

    @admin.display(description=_("late"), boolean=True)
    def late(self, obj: Message) -> bool:
        return obj.is_late

    @admin.display(description=_("context"))
    def context_display(self, obj: Message) -> str:
        text = json.dumps(obj.context_for_staff, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html('<pre style="margin:0">{}</pre>', text)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Message], search_term: str
    ) -> tuple[QuerySet[Message], bool]:
        # A number typed as staff read it ("06 12 34 56 78") is stored as +33612345678.
        return super().get_search_results(request, queryset, recipient_normalized(search_term))

    # --- Counts on the list ----------------------------------------------------------------

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "outbox_counts": outbox_counts()}
        return super().changelist_view(request, extra_context)

    # --- Action ----------------------------------------------------------------------------

    @admin.action(description=_("Retry now (failed messages)"), permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        selected = list(queryset.values_list("pk", flat=True))
        retried_ids = messages_retry(message_ids=selected, by=request.user)
        # Not failed, or sent or retried by someone else since the list was shown.
        retried, skipped = len(retried_ids), len(selected) - len(retried_ids)
        if retried_ids:
            # One LogEntry per message, inserted together (what log_change does one by one).
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=Message.objects.filter(pk__in=retried_ids),
                action_flag=CHANGE,
                change_message=gettext("Put back in the queue (retry now)."),
            )
        if retried:
            self.message_user(
                request,
                gettext("%(count)d message(s) put back in the queue.") % {"count": retried},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                gettext("%(count)d message(s) skipped: only failed messages can be retried.")
                % {"count": skipped},
                messages.WARNING,
            )
