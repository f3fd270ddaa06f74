"""The Assistance queue (the ticket change list, its bulk actions) and the canned replies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from assistance import selectors
from assistance.admin.dashboard import TicketDashboardAdmin
from assistance.admin.file_actions import TicketFileActionsAdmin
from assistance.admin.filters import AssignedFilter, OverdueFilter, UnfinishedStatusFilter
from assistance.admin.forms import TicketActionForm
from assistance.admin.ticket_page import local_time
from assistance.models import CannedReply, Ticket, TicketStatus
from assistance.services import staff_actions
from crous_admin.accounts.models import User
from crous_admin.admin import ScopedModelAdmin
from crous_admin.scoping import scope_for
from residences.admin import ResidenceListFilter


@admin.register(Ticket)
class TicketAdmin(TicketFileActionsAdmin, TicketDashboardAdmin):
    list_display = (
        "id",
        "subject",
        "status",
        "category",
        "crous",
        "residence",
        "assigned_to",
        "due",
        "is_duplicate",
    )
    list_display_links = ("id", "subject")
    list_filter = (
        UnfinishedStatusFilter,
        "category",
        "crous",
        ResidenceListFilter,
        AssignedFilter,
        OverdueFilter,
        "is_duplicate",
    )
    search_fields = ("subject", "requester_email", "requester_ine", "requester_name")
    list_select_related = ("crous", "residence", "assigned_to")
    list_per_page = 50
    ordering = ("due_at", "id")
    action_form = TicketActionForm
    actions = ("claim", "assign_to", "mark_waiting", "mark_resolved", "mark_closed")
    change_page_template = "admin/assistance/ticket/ticket.html"
    dashboard_template = "admin/assistance/ticket/dashboard.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return super().get_queryset(request).only(*selectors.QUEUE_FIELDS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # students write; other apps call ticket_open_for_student

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a ticket is closed, never deleted: it is the audit trail

    @admin.display(description=_("answer due"), ordering="due_at")
    def due(self, obj: Ticket) -> str:
        if obj.due_at is None:
            return "—"
        text = local_time(obj.due_at, obj.crous)
        if selectors.ticket_is_overdue(obj):
            return format_html('<strong style="color:#ce0500">{} ⚠</strong>', text)
        return text

    # --- Bulk actions ------------------------------------------------------------------------

    def _bulk(self, request: HttpRequest, queryset: QuerySet[Ticket], **kwargs: Any) -> None:
        tickets = [t for t in queryset if self.has_change_permission(request, t)]
        result = staff_actions.tickets_bulk(by=request.user, tickets=tickets, **kwargs)
        self.message_user(
            request,
            gettext("%(n)d ticket(s) updated.") % {"n": result.done},
            messages.SUCCESS,
        )
        for pk, reason in result.refused:
            self.message_user(request, f"#{pk}: {reason}", messages.WARNING)

    @admin.action(description=_("Claim (assign to me)"), permissions=["change"])
    def claim(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        self._bulk(request, queryset, action="claim")

    @admin.action(description=_("Assign to…"), permissions=["change"])
    def assign_to(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        email = request.POST.get("assignee", "").strip()
        to = User.objects.filter(email__iexact=email).first() if email else None
        if email and to is None:
            self.message_user(request, gettext("No account uses this address."), messages.ERROR)
            return
        self._bulk(request, queryset, action="assign", to=to)

    @admin.action(description=_("Mark waiting on the student"), permissions=["change"])
    def mark_waiting(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        self._bulk(request, queryset, action="status", status=TicketStatus.WAITING)

    @admin.action(description=_("Mark resolved"), permissions=["change"])
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        self._bulk(request, queryset, action="status", status=TicketStatus.RESOLVED)

    @admin.action(description=_("Close"), permissions=["change"])
    def mark_closed(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        self._bulk(request, queryset, action="status", status=TicketStatus.CLOSED)

    # --- URLs --------------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        actions: dict[str, Callable[..., HttpResponse]] = {
            "reply": self.reply_view,
            "note": self.note_view,
            "claim": self.claim_view,
            "assign": self.assign_view,
            "status": self.status_view,
            "verify_identity": self.verify_identity_view,
            "resend_code": self.resend_code_view,
            "relink": self.relink_view,
            "transfer": self.transfer_view,
            "move": self.move_view,
        }
        urls = [
            path("dashboard/", wrap(self.dashboard_view), name=f"{prefix}_dashboard"),
            path("dashboard.csv", wrap(self.dashboard_csv_view), name=f"{prefix}_dashboard_csv"),
        ]
        urls += [
            path(
                f"<path:object_id>/{name.replace('_', '-')}/",
                wrap(require_POST(view)),
                name=f"{prefix}_{name}",
            )
            for name, view in actions.items()
        ]
        return urls + super().get_urls()

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "dashboard_url": reverse("admin:assistance_ticket_dashboard"),
        }
        return super().changelist_view(request, extra_context)


def _perms_anywhere(user: Any) -> set[str]:
    from residences.roles import permissions_for_roles
    from residences.selectors import staff_roles_of

    if not scope_for(user).is_staff:
        return set()
    return permissions_for_roles(r.role for r in staff_roles_of(user=user))


@admin.register(CannedReply)
class CannedReplyAdmin(ScopedModelAdmin):
    list_display = ("title", "crous", "category")
    list_filter = ("crous", "category")
