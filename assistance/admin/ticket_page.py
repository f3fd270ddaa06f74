"""A ticket's page in the back-office: the thread, the audit trail, the workflow forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from assistance import selectors
from assistance.admin.forms import AssignForm, NoteForm, ReplyForm, StatusForm
from assistance.models import CannedReply, Ticket, TicketEvent, TicketStatus
from assistance.services import recovery, staff_actions
from crous_admin.accounts.models import User
from crous_admin.admin import ScopedModelAdmin
from crous_admin.api.permissions import user_has_perms_in_crous
from crous_admin.errors import ApplicationError
from residences.models import Crous
from tenants.admin_action_forms import TransferForm
from tenants.models import TenantFile

ACT = "assistance.act_on_tenant_file"


def local_time(moment: Any, crous: Crous) -> str:
    if moment is None:
        return "—"
    return timezone.localtime(moment, crous.time_zone).strftime("%d/%m/%Y %H:%M")


class TicketPageAdmin(ScopedModelAdmin):
    """A ticket's page (``change_view``) and the forms posted from it, each to its own URL."""

    def _url(self, name: str, obj: Ticket) -> str:
        return reverse(
            f"admin:assistance_ticket_{name}", args=[obj.pk], current_app=self.admin_site.name
        )

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
            "due_local": local_time(obj.due_at, obj.crous),
            "created_local": local_time(obj.created_at, obj.crous),
            "first_response_local": local_time(obj.first_response_at, obj.crous),
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
