"""Back-office actions on one tenant file's code and account link.

Each action has its own page under the file's change page (``…/tenantfile/<id>/<action>/``):
a GET shows what will happen (and asks for what the action needs), a POST with the CSRF token
calls one service of ``tenants.code_services``. The services write the file's history; the
admin adds a ``LogEntry`` ("Recent actions"). Every action needs ``change_tenantfile`` from a
role held in the file's Crous; a file of another Crous is the 404 of a missing one.

The plain code exists on one response only: the printable letter of a hand-over (or of a
file created with "hand the code over in person"), sent with ``Cache-Control: no-store``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext

from crous_admin.errors import ApplicationError
from tenants import code_services
from tenants.admin_action_forms import (
    ChangeUnitForm,
    ConfirmForm,
    RelinkForm,
    TransferForm,
    UnlinkForm,
)
from tenants.admin_code_letter import TenantFileCodeLetterMixin
from tenants.models import TenantFile
from tenants.permissions import may_transfer_between, may_transfer_from

# --- The admin mixin -------------------------------------------------------------------------

Perform = Callable[[Any], HttpResponse]


class TenantFileCodeActionsMixin(TenantFileCodeLetterMixin):
    """Adds the code actions, their pages and the code's state to ``TenantFileAdmin``."""

    code_action_template = "admin/tenants/tenantfile/code_action.html"

    # Provided by ModelAdmin.
    admin_site: admin.AdminSite
    opts: Any
    get_object: Callable[..., Any]
    has_change_permission: Callable[..., bool]
    log_change: Callable[..., Any]
    message_user: Callable[..., Any]
    media: forms.Media

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        views = {
            "resend_code": self.resend_code_view,
            "hand_over_code": self.hand_over_code_view,
            "unlink": self.unlink_view,
            "relink": self.relink_view,
            "change_unit": self.change_unit_view,
            "transfer": self.transfer_view,
            "unblock_code_entry": self.unblock_code_entry_view,
        }
        urls = [
            path(
                f"<path:object_id>/{name.replace('_', '-')}/",
                wrap(view),
                name=f"{prefix}_{name}",
            )
            for name, view in views.items()
        ]
        return urls + super().get_urls()  # type: ignore[misc]

    # --- The actions -------------------------------------------------------------------------

    def _file_for_action(self, request: HttpRequest, object_id: str) -> TenantFile:
        """The file, if in the viewer's scope (else 404) and changeable by them there (else 403)."""
        obj = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def _done(self, request: HttpRequest, obj: TenantFile, message: str) -> HttpResponse:
        self.log_change(request, obj, message)
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(obj))

    def _action_page(
        self,
        request: HttpRequest,
        obj: TenantFile,
        form: forms.Form,
        perform: Perform,
        *,
        title: str,
        intro: str,
        submit: str,
        danger: bool = False,
    ) -> HttpResponse:
        """Shows the action's page; on a valid POST, runs ``perform`` and answers with what it
        returns. A service's refusal is shown on the form, next to the field it names."""
        if request.method == "POST" and form.is_valid():
            try:
                return perform(form)
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": title,
            "intro": intro,
            "form": form,
            "submit_label": submit,
            "danger": danger,
            "media": self.media + form.media,
            "change_url": self._change_url(obj),
            "facts": self._facts(obj),
        }
        return TemplateResponse(request, self.code_action_template, context)

    def _facts(self, obj: TenantFile) -> list[tuple[str, str]]:
        """What staff check the request against (identity, housing, code, account)."""
        unit = obj.unit
        return [
            (gettext("Student"), f"{obj.student.last_name.upper()} {obj.student.first_name}"),
            (gettext("INE"), obj.student.ine),
            (gettext("Residence"), f"{unit.residence.name} — {unit.number}"),
            (gettext("Status"), obj.get_status_display()),
            (gettext("Linked account"), self.linked_account(obj)),
            (gettext("Code expires at"), self.code_expires_local(obj)),
        ]

    def _bound(self, request: HttpRequest) -> dict[str, Any]:
        return {"data": request.POST} if request.method == "POST" else {}

    def resend_code_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._file_for_action(request, object_id)

        def perform(form: forms.Form) -> HttpResponse:
            code_services.tenant_code_resend(by=request.user, tenant_file=obj)
            return self._done(
                request,
                obj,
                gettext("A new tenant code was emailed to %(email)s; the previous one is void.")
                % {"email": obj.student.email},
            )

        return self._action_page(
            request,
            obj,
            ConfirmForm(**self._bound(request)),
            perform,
            title=gettext("Resend the tenant code"),
            intro=gettext(
                "A new code will be emailed to %(email)s. The current code stops working at "
                "once, even if the student has it at hand."
            )
            % {"email": obj.student.email},
            submit=gettext("Resend the code"),
            danger=True,
        )

    def hand_over_code_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._file_for_action(request, object_id)

        def perform(form: forms.Form) -> HttpResponse:
            issued = code_services.tenant_code_hand_over(by=request.user, tenant_file=obj)
            self.log_change(
                request, obj, gettext("Tenant code handed over in person (letter printed).")
            )
            return self._letter(request, issued)

        return self._action_page(
            request,
            obj,
            ConfirmForm(**self._bound(request)),
            perform,
            title=gettext("Hand the tenant code over in person"),
            intro=gettext(
                "A new code will be shown once, on a letter to print and give to the student; "
                "no email is sent. The current code stops working at once. The hand-over is "
                "recorded on the file with your name."
            ),
            submit=gettext("Issue the code and print the letter"),
            danger=True,
        )

    def unlink_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._file_for_action(request, object_id)
        if obj.linked_user_id is None:
            self.message_user(
                request, gettext("No account is linked to this tenant file."), messages.INFO
            )
            return HttpResponseRedirect(self._change_url(obj))
        previous = self.linked_account(obj)

        def perform(form: forms.Form) -> HttpResponse:
            reason = form.cleaned_data["reason"]
            code_services.tenant_file_unlink(by=request.user, tenant_file=obj, reason=reason)
            return self._done(
                request,
                obj,
                gettext("Account %(email)s unlinked from the file: %(reason)s")
                % {"email": previous, "reason": reason},
            )

        return self._action_page(
            request,
            obj,
            UnlinkForm(**self._bound(request)),
            perform,
            title=gettext("Unlink the account"),
            intro=gettext(
                "The account %(email)s will lose access to this accommodation's tenant space. "
                "Link the student's new account afterwards, or resend a code."
            )
            % {"email": previous},
            submit=gettext("Unlink the account"),
            danger=True,
        )

    def relink_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._file_for_action(request, object_id)

        def perform(form: forms.Form) -> HttpResponse:
            account = form.account  # type: ignore[attr-defined]
            code_services.tenant_file_relink(by=request.user, tenant_file=obj, user=account)
            return self._done(
                request,
                obj,
                gettext("Account %(email)s linked to the file.") % {"email": account.email},
            )

        return self._action_page(
            request,
            obj,
            RelinkForm(**self._bound(request)),
            perform,
            title=gettext("Link the file to an account"),
            intro=gettext(
                "Lost access: once you have checked the student's name, INE and residence "
                "against this file, link the account they use now."
            ),
            submit=gettext("Link the account"),
        )

    def change_unit_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._file_for_action(request, object_id)
        old_unit = f"{obj.unit.residence.name} — {obj.unit.number}"

        def perform(form: forms.Form) -> HttpResponse:
            unit = form.cleaned_data["unit"]
            issued = code_services.tenant_file_change_unit(
                by=request.user,
                tenant_file=obj,
                unit=unit,
                new_code=form.cleaned_data["new_code"],
            )
            message = gettext("Moved from %(old)s to %(new)s.") % {
                "old": old_unit,
                "new": f"{unit.residence.name} — {unit.number}",
            }
            if issued is not None:
                message += " " + gettext("A new tenant code was emailed to the student.")
            return self._done(request, obj, message)

        return self._action_page(
            request,
            obj,
            ChangeUnitForm(**self._bound(request), tenant_file=obj, admin_site=self.admin_site),
            perform,
            title=gettext("Change unit inside the Crous"),
            intro=gettext(
                "The current unit (%(unit)s) is freed and the new one occupied; the student "
                "keeps their account link."
            )
            % {"unit": old_unit},
            submit=gettext("Change unit"),
        )

    def transfer_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._file_for_action(request, object_id)
        if not may_transfer_from(request.user, obj.crous_id):
            raise PermissionDenied

        def perform(form: forms.Form) -> HttpResponse:
            unit = form.cleaned_data["unit"]
            if not may_transfer_between(request.user, obj.crous_id, unit.residence.crous_id):
                raise PermissionDenied
            issued = code_services.tenant_file_transfer(
                by=request.user,
                tenant_file=obj,
                unit=unit,
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"],
            )
            new_file = issued.tenant_file
            self.log_change(
                request,
                obj,
                gettext("Transferred to %(crous)s (file %(id)s).")
                % {"crous": new_file.crous.name, "id": new_file.pk},
            )
            self.log_change(
                request,
                new_file,
                gettext("Created by a transfer from %(crous)s (file %(id)s); code emailed.")
                % {"crous": obj.crous.name, "id": obj.pk},
            )
            self.message_user(
                request,
                gettext(
                    "File %(old)s ended; file %(new)s opened in %(crous)s and its code was "
                    "emailed to the student."
                )
                % {"old": obj.pk, "new": new_file.pk, "crous": new_file.crous.name},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(self._change_url(new_file))

        return self._action_page(
            request,
            obj,
            TransferForm(**self._bound(request), admin_site=self.admin_site),
            perform,
            title=gettext("Transfer to another Crous"),
            intro=gettext(
                "This file ends the day before the new start date and its unit is freed; a "
                "new file opens in the other Crous with its own code, emailed to the student. "
                "Each Crous' staff see only their own file."
            ),
            submit=gettext("Transfer"),
            danger=True,
        )

    def unblock_code_entry_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._file_for_action(request, object_id)

        def perform(form: forms.Form) -> HttpResponse:
            if not code_services.tenant_code_entry_unblock(by=request.user, tenant_file=obj):
                self.message_user(
                    request, gettext("No wrong codes were counted on this file."), messages.INFO
                )
                return HttpResponseRedirect(self._change_url(obj))
            return self._done(request, obj, gettext("Code entry unblocked for this file."))

        return self._action_page(
            request,
            obj,
            ConfirmForm(**self._bound(request)),
            perform,
            title=gettext("Unblock code entry"),
            intro=gettext(
                "The wrong codes counted against this file are forgotten and any block is "
                "lifted: the student may type the code again at once. Wrong codes counted "
                "against the student's account stay."
            ),
            submit=gettext("Unblock code entry"),
        )
