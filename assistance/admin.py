"""The Assistance queue in the back-office (scoped per Crous), a ticket's page, the dashboard.

* The change list is the queue: filters by status, category, Crous, residence, "assigned to
  me" / "unassigned" and overdue; bulk actions claim, assign and change status.
* A ticket's page (``change_view``) shows the thread with internal notes, the audit trail
  and the forms: reply (with canned replies), note, claim, assign, status, and the one-click
  actions on the tenant file. Each form posts to its own URL under the ticket, which checks
  the right in the ticket's Crous and calls one service of ``assistance.services``
  (``staff_actions``, ``recovery``).
* ``dashboard/`` (and ``dashboard.csv``): one Crous' figures, charts drawn as inline SVG.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from assistance import selectors
from assistance.models import AWAITING_STAFF, CannedReply, Ticket, TicketEvent, TicketStatus
from assistance.portal.forms import MultipleFileField
from assistance.services import recovery, staff_actions
from crous_admin.accounts.models import User
from crous_admin.admin import ScopedModelAdmin
from crous_admin.api.permissions import user_has_perms_in_crous
from crous_admin.errors import ApplicationError
from crous_admin.scoping import scope_for
from residences.admin import ResidenceListFilter
from residences.models import Crous
from tenants.admin_actions import TransferForm
from tenants.models import TenantFile

ACT = "assistance.act_on_tenant_file"


class AssignedFilter(admin.SimpleListFilter):
    title = _("assignment")
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("me", _("Assigned to me")), ("none", _("Unassigned"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "none":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() not in ("yes", "no"):
            return queryset
        q = selectors.overdue_q(timezone.now())
        return queryset.filter(q) if self.value() == "yes" else queryset.exclude(q)


class UnfinishedStatusFilter(admin.SimpleListFilter):
    """Status, with "to handle" (new, open, waiting) as the queue's default view."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("todo", _("To handle (new, open, waiting)")), *TicketStatus.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "todo":
            return queryset.filter(status__in=[*AWAITING_STAFF, TicketStatus.WAITING])
        if self.value() in TicketStatus.values:
            return queryset.filter(status=self.value())
        return queryset


class TicketActionForm(ActionForm):
    assignee = forms.EmailField(
        label=_("assign to (email)"),
        required=False,
        help_text=_("For “Assign to…”: a staff member of the tickets' Crous."),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply to the student"), widget=forms.Textarea(attrs={"rows": 6})
    )
    status_after = forms.ChoiceField(
        label=_("then"),
        choices=[
            (TicketStatus.WAITING, _("wait for the student")),
            (TicketStatus.RESOLVED, _("mark resolved")),
            (TicketStatus.OPEN, _("keep open")),
        ],
        initial=TicketStatus.WAITING,
    )
    attachments = MultipleFileField(label=_("Attachments"))


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note (staff only)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    attachments = MultipleFileField(label=_("Attachments"))


class AssignForm(forms.Form):
    assignee = forms.EmailField(label=_("assign to (email)"), required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=TicketStatus.choices)


class FileForm(forms.Form):
    tenant_file = forms.IntegerField(widget=forms.HiddenInput)


class MoveForm(forms.Form):
    crous = forms.IntegerField(label=_("Crous"))


def _local(moment: Any, crous: Crous) -> str:
    if moment is None:
        return "—"
    return timezone.localtime(moment, crous.time_zone).strftime("%d/%m/%Y %H:%M")


@admin.register(Ticket)
class TicketAdmin(ScopedModelAdmin):
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
        text = _local(obj.due_at, obj.crous)
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

    def _url(self, name: str, obj: Ticket) -> str:
        return reverse(
            f"admin:assistance_ticket_{name}", args=[obj.pk], current_app=self.admin_site.name
        )

    # --- The ticket's page -------------------------------------------------------------------

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return self._page(request, obj)

    def _page(
        self, request: HttpRequest, obj: Ticket, *, forms_: dict[str, forms.Form] | None = None
    ) -> HttpResponse:
        obj = selectors.ticket_detail_queryset().get(pk=obj.pk)
        may_change = self.has_change_permission(request, obj)
        may_act = may_change and user_has_perms_in_crous(request.user, [ACT], obj.crous_id)
        forms_ = forms_ or {}
        events = selectors.events_of(obj)
        last_check = next(
            (e for e in reversed(events) if e.kind == TicketEvent.Kind.IDENTITY_CHECKED), None
        )
        identity = []
        if last_check is not None:
            files = {
                f.pk: f
                for f in TenantFile.objects.filter(
                    pk__in=[m["tenant_file"] for m in last_check.detail.get("matches", [])]
                ).select_related("student", "unit__residence", "linked_user")
            }
            identity = [
                {**m, "file": files.get(m["tenant_file"])}
                for m in last_check.detail.get("matches", [])
            ]
        canned = (
            list(CannedReply.objects.filter(crous_id=obj.crous_id).order_by("title"))
            if may_change
            else []
        )
        transfer_form = forms_.get("transfer") or TransferForm(admin_site=self.admin_site)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "ticket": obj,
            "title": f"#{obj.pk} {obj.subject}",
            "thread": selectors.thread_of(obj, include_internal=True),
            "events": events,
            "due_local": _local(obj.due_at, obj.crous),
            "created_local": _local(obj.created_at, obj.crous),
            "first_response_local": _local(obj.first_response_at, obj.crous),
            "overdue": selectors.ticket_is_overdue(obj),
            "may_change": may_change,
            "may_act": may_act,
            "reply_form": forms_.get("reply") or ReplyForm(),
            "note_form": forms_.get("note") or NoteForm(),
            "assign_form": AssignForm(),
            "status_form": StatusForm(initial={"status": obj.status}),
            "transfer_form": transfer_form,
            "media": self.media + transfer_form.media,
            "canned": [
                (c, staff_actions.canned_reply_render(reply=c, ticket=obj, agent=request.user))
                for c in canned
            ],
            "identity": identity,
            "account_for_relink": recovery.account_for_relink(obj),
            "holding_crous": [
                c for c in recovery.crous_holding_file_of(obj.requester_ine) if c.pk != obj.crous_id
            ]
            if obj.is_duplicate or obj.requester_ine
            else [],
            "urls": {
                name: self._url(name, obj)
                for name in (
                    "reply",
                    "note",
                    "claim",
                    "assign",
                    "status",
                    "verify_identity",
                    "resend_code",
                    "relink",
                    "transfer",
                    "move",
                    "history",
                )
            },
            "changelist_url": reverse("admin:assistance_ticket_changelist"),
        }
        return TemplateResponse(request, self.change_page_template, context)

    # --- The forms of the ticket's page ------------------------------------------------------

    def _ticket_to_change(
        self, request: HttpRequest, object_id: str, *, act: bool = False
    ) -> Ticket:
        obj = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        if act and not user_has_perms_in_crous(request.user, [ACT], obj.crous_id):
            raise PermissionDenied
        return obj

    def _done(self, request: HttpRequest, obj: Ticket, message: str) -> HttpResponse:
        self.log_change(request, obj, message)
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:assistance_ticket_change", args=[obj.pk]))

    def _refused(self, request: HttpRequest, obj: Ticket, exc: ApplicationError) -> HttpResponse:
        self.message_user(request, exc.message, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:assistance_ticket_change", args=[obj.pk]))

    def reply_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._ticket_to_change(request, object_id)
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                staff_actions.ticket_staff_reply(
                    by=request.user,
                    ticket=obj,
                    body=form.cleaned_data["body"],
                    uploads=form.cleaned_data["attachments"],
                    status_after=form.cleaned_data["status_after"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return self._done(request, obj, gettext("Reply sent to the student."))
        return self._page(request, obj, forms_={"reply": form})

    def note_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._ticket_to_change(request, object_id)
        form = NoteForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                staff_actions.ticket_add_note(
                    by=request.user,
                    ticket=obj,
                    body=form.cleaned_data["body"],
                    uploads=form.cleaned_data["attachments"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return self._done(request, obj, gettext("Internal note added."))
        return self._page(request, obj, forms_={"note": form})

    def claim_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._ticket_to_change(request, object_id)
        try:
            staff_actions.ticket_claim(by=request.user, ticket=obj)
        except ApplicationError as exc:
            return self._refused(request, obj, exc)
        return self._done(request, obj, gettext("Ticket claimed."))

    def assign_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._ticket_to_change(request, object_id)
        email = request.POST.get("assignee", "").strip()
        to = User.objects.filter(email__iexact=email).first() if email else None
        if email and to is None:
            return self._refused(
                request, obj, ApplicationError(gettext("No account uses this address."))
            )
        try:
            staff_actions.ticket_assign(by=request.user, ticket=obj, to=to)
        except ApplicationError as exc:
            return self._refused(request, obj, exc)
        return self._done(
            request,
            obj,
            gettext("Assigned to %(who)s.") % {"who": to.email}
            if to
            else gettext("Ticket unassigned."),
        )

    def status_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._ticket_to_change(request, object_id)
        form = StatusForm(request.POST)
        if not form.is_valid():
            return self._refused(request, obj, ApplicationError(gettext("Unknown status.")))
        try:
            staff_actions.ticket_set_status(
                by=request.user, ticket=obj, status=form.cleaned_data["status"]
            )
        except ApplicationError as exc:
            return self._refused(request, obj, exc)
        return self._done(
            request,
            obj,
            gettext("Status: %(status)s.")
            % {"status": TicketStatus(form.cleaned_data["status"]).label},
        )

    def verify_identity_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._ticket_to_change(request, object_id, act=True)
        matches = recovery.ticket_verify_identity(by=request.user, ticket=obj)
        if not matches:
            message = gettext("No tenant file of this Crous matches the INE or the name given.")
        elif any(m.full for m in matches):
            message = gettext("Name, INE and residence match a tenant file.")
        else:
            message = gettext("Only part of the identity matches: see the details below.")
        return self._done(request, obj, gettext("Identity checked: ") + message)

    def _tenant_file(self, request: HttpRequest, obj: Ticket) -> TenantFile:
        form = FileForm(request.POST)
        if not form.is_valid():
            raise PermissionDenied
        tenant_file = TenantFile.objects.filter(
            pk=form.cleaned_data["tenant_file"], crous_id=obj.crous_id
        ).first()
        if tenant_file is None:
            raise PermissionDenied
        return tenant_file

    def resend_code_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._ticket_to_change(request, object_id, act=True)
        tenant_file = self._tenant_file(request, obj)
        try:
            recovery.ticket_resend_code(by=request.user, ticket=obj, tenant_file=tenant_file)
        except ApplicationError as exc:
            return self._refused(request, obj, exc)
        return self._done(
            request,
            obj,
            gettext("A new code was emailed for file %(id)s; the previous one is void.")
            % {"id": tenant_file.pk},
        )

    def relink_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._ticket_to_change(request, object_id, act=True)
        tenant_file = self._tenant_file(request, obj)
        try:
            recovery.ticket_relink_account(by=request.user, ticket=obj, tenant_file=tenant_file)
        except ApplicationError as exc:
            return self._refused(request, obj, exc)
        return self._done(
            request, obj, gettext("Account linked to file %(id)s.") % {"id": tenant_file.pk}
        )

    def transfer_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._ticket_to_change(request, object_id, act=True)
        tenant_file = self._tenant_file(request, obj)
        form = TransferForm(request.POST, admin_site=self.admin_site)
        if form.is_valid():
            unit = form.cleaned_data["unit"]
            if not user_has_perms_in_crous(request.user, [ACT], unit.residence.crous_id):
                raise PermissionDenied
            try:
                new_file = recovery.ticket_start_transfer(
                    by=request.user,
                    ticket=obj,
                    tenant_file=tenant_file,
                    unit=unit,
                    start_date=form.cleaned_data["start_date"],
                    end_date=form.cleaned_data["end_date"],
                )
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return self._done(
                    request,
                    obj,
                    gettext("Transfer started: file %(id)s opened in %(crous)s.")
                    % {"id": new_file.pk, "crous": new_file.crous.name},
                )
        return self._page(request, obj, forms_={"transfer": form})

    def move_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._ticket_to_change(request, object_id)
        form = MoveForm(request.POST)
        target = None
        if form.is_valid():
            from django_scopes import scopes_disabled

            with scopes_disabled():
                target = Crous.objects.filter(pk=form.cleaned_data["crous"]).first()
        if target is None:
            return self._refused(request, obj, ApplicationError(gettext("Choose a Crous.")))
        try:
            recovery.ticket_move_to_crous(by=request.user, ticket=obj, crous=target)
        except ApplicationError as exc:
            return self._refused(request, obj, exc)
        message = gettext("Ticket moved to %(crous)s.") % {"crous": target.name}
        self.log_change(request, obj, message)
        self.message_user(request, message, messages.SUCCESS)
        # The ticket may now be out of the viewer's Crous: back to the queue.
        return HttpResponseRedirect(reverse("admin:assistance_ticket_changelist"))

    # --- Dashboard ---------------------------------------------------------------------------

    def _dashboard_crous(self, request: HttpRequest) -> tuple[Crous | None, list[Crous]]:
        if not (
            request.user.is_superuser
            or "assistance.view_dashboard" in _perms_anywhere(request.user)
        ):
            raise PermissionDenied
        visible = list(Crous.objects.order_by("name"))
        allowed = [
            c
            for c in visible
            if user_has_perms_in_crous(request.user, ["assistance.view_dashboard"], c.pk)
        ]
        wanted = request.GET.get("crous", "")
        chosen = next((c for c in allowed if str(c.pk) == wanted), None)
        if chosen is None and allowed:
            chosen = allowed[0]
        return chosen, allowed

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        crous, allowed = self._dashboard_crous(request)
        dashboard = selectors.dashboard_for(crous=crous) if crous else None
        bars = []
        if dashboard:
            peak = dashboard.max_per_day
            width = 18
            for i, (day, n) in enumerate(dashboard.days):
                height = round(120 * n / peak)
                bars.append({"x": i * width, "y": 130 - height, "h": height, "n": n, "day": day})
        backlog = dashboard.backlog if dashboard else {}
        backlog_peak = max(backlog.values(), default=0) or 1
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Assistance dashboard"),
            "dashboard": dashboard,
            "crous": crous,
            "allowed": allowed,
            "bars": bars,
            "chart_width": len(bars) * 18,
            "backlog_rows": [
                (TicketStatus(status).label, n, round(300 * n / backlog_peak))
                for status, n in sorted(backlog.items())
            ],
        }
        return TemplateResponse(request, self.dashboard_template, context)

    def dashboard_csv_view(self, request: HttpRequest) -> HttpResponse:
        crous, _allowed = self._dashboard_crous(request)
        if crous is None:
            raise PermissionDenied
        dashboard = selectors.dashboard_for(crous=crous)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="assistance-{crous.code}-{timezone.localdate():%Y%m%d}.csv"'
        )
        writer = csv.writer(response)
        for row in selectors.dashboard_rows(dashboard):
            writer.writerow(row)
        return response

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "dashboard_url": reverse("admin:assistance_ticket_dashboard"),
        }
        return super().changelist_view(request, extra_context)


def _perms_anywhere(user: Any) -> set[str]:
    from crous_admin.accounts.roles import permissions_for_roles, staff_roles_of

    if not scope_for(user).is_staff:
        return set()
    return permissions_for_roles(r.role for r in staff_roles_of(user=user))


@admin.register(CannedReply)
class CannedReplyAdmin(ScopedModelAdmin):
    list_display = ("title", "crous", "category")
    list_filter = ("crous", "category")
    search_fields = ("title", "body")
    list_select_related = ("crous",)
