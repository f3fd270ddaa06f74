"""One-click actions on a ticket's tenant file: identity, code resend, relink, transfer, move."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext

from assistance.admin.forms import FileForm, MoveForm
from assistance.admin.ticket_page import ACT, TicketPageAdmin
from assistance.models import Ticket
from assistance.services import recovery
from crous_admin.api.permissions import user_has_perms_in_crous
from crous_admin.errors import ApplicationError
from residences.models import Crous
from tenants.admin_action_forms import TransferForm
from tenants.models import TenantFile


class TicketFileActionsAdmin(TicketPageAdmin):
    """The actions on the tenant file a ticket is about, for staff with ``act_on_tenant_file``."""

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
