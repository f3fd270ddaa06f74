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
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crous_admin.accounts.models import User
from crous_admin.errors import ApplicationError
from residences.models import HousingUnit, UnitStatus
from tenants import code_services
from tenants.models import CURRENT_STATUSES, CodeDelivery, CodeEntryGuard, TenantFile
from tenants.permissions import may_transfer_between, may_transfer_from
from tenants.selectors import tenant_file_code_guard

if TYPE_CHECKING:
    from residences.models import Crous

#: Read-only fields of the change page's "Tenant code and account" section.
CODE_READONLY_FIELDS = (
    "linked_account",
    "linked_at_local",
    "code_issued_local",
    "code_expires_local",
    "code_delivery",
    "code_handed_over",
    "code_entry_guard",
)


def local_datetime(moment: datetime | None, crous: Crous) -> str:
    """``moment`` in the Crous' own time zone, named: deadlines are the Crous' local time."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment, crous.time_zone)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({crous.time_zone})"


# --- Forms -----------------------------------------------------------------------------------


class ConfirmForm(forms.Form):
    """Nothing to type: the POST itself (with its CSRF token) is the confirmation."""


class UnlinkForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the file's history, e.g. “lost access to the old email address”."),
    )


class RelinkForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address of the account"),
        help_text=_(
            "The exact address the student logs in with. Check their name, INE and residence "
            "against this file first."
        ),
    )

    account: User | None = None

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        self.account = User.objects.filter(email__iexact=email).first()
        if self.account is None:
            raise forms.ValidationError(
                _(
                    "No account uses this email address: check it with the student, or ask "
                    "them to create their account first."
                ),
                code="no_account",
            )
        return email


def _unit_field(admin_site: admin.AdminSite, queryset: Any, help_text: Any) -> forms.Field:
    # The autocomplete of the add form's "unit": free units of the viewer's Crous only
    # (residences/admin.py); the queryset below is what the POST is checked against.
    return forms.ModelChoiceField(
        label=_("housing unit"),
        queryset=queryset,
        widget=AutocompleteSelect(TenantFile._meta.get_field("unit"), admin_site),
        help_text=help_text,
    )


class ChangeUnitForm(forms.Form):
    new_code = forms.BooleanField(
        label=_("Issue a new code"),
        required=False,
        help_text=_("The new code is emailed to the student; the current one stops working."),
    )

    def __init__(
        self, *args: Any, tenant_file: TenantFile, admin_site: admin.AdminSite, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {
            "unit": _unit_field(
                admin_site,
                HousingUnit.objects.filter(
                    residence__crous_id=tenant_file.crous_id, status=UnitStatus.AVAILABLE
                ).select_related("residence"),
                _("A free unit of the same Crous. The account stays linked."),
            ),
            **self.fields,
        }


class TransferForm(forms.Form):
    start_date = forms.DateField(label=_("start date"), widget=AdminDateWidget)
    end_date = forms.DateField(label=_("end date"), widget=AdminDateWidget)

    def __init__(self, *args: Any, admin_site: admin.AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {
            # Free units of every Crous the viewer sees; the Crous is checked on POST.
            "unit": _unit_field(
                admin_site,
                HousingUnit.objects.filter(status=UnitStatus.AVAILABLE).select_related("residence"),
                _("A free unit of the other Crous."),
            ),
            **self.fields,
        }


# --- The admin mixin -------------------------------------------------------------------------

Perform = Callable[[Any], HttpResponse]


class TenantFileCodeActionsMixin:
    """Adds the code actions, their pages and the code's state to ``TenantFileAdmin``."""

    code_action_template = "admin/tenants/tenantfile/code_action.html"
    code_letter_template = "admin/tenants/tenantfile/code_letter.html"

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

    # --- Change page: state and buttons ------------------------------------------------------

    def _guard(self, obj: TenantFile) -> CodeEntryGuard | None:
        if not hasattr(obj, "_code_guard"):
            obj._code_guard = tenant_file_code_guard(tenant_file_id=obj.pk)  # type: ignore[attr-defined]
        return obj._code_guard  # type: ignore[attr-defined]

    @admin.display(description=_("linked"), boolean=True, ordering="linked_user")
    def linked(self, obj: TenantFile) -> bool:
        return obj.linked_user_id is not None

    @admin.display(description=_("linked account"))
    def linked_account(self, obj: TenantFile) -> str:
        return obj.linked_user.email if obj.linked_user else gettext("Not linked")

    @admin.display(description=_("linked at"))
    def linked_at_local(self, obj: TenantFile) -> str:
        return local_datetime(obj.linked_at, obj.crous)

    @admin.display(description=_("code issued at"))
    def code_issued_local(self, obj: TenantFile) -> str:
        return local_datetime(obj.code_issued_at, obj.crous)

    @admin.display(description=_("code expires at"))
    def code_expires_local(self, obj: TenantFile) -> str:
        return local_datetime(obj.code_expires_at, obj.crous)

    @admin.display(description=_("code handed over"))
    def code_handed_over(self, obj: TenantFile) -> str:
        if obj.code_handed_over_at is None:
            return "—"
        by = obj.code_handed_over_by.email if obj.code_handed_over_by else "—"
        return gettext("%(when)s, by %(by)s") % {
            "when": local_datetime(obj.code_handed_over_at, obj.crous),
            "by": by,
        }

    @admin.display(description=_("wrong codes typed"))
    def code_entry_guard(self, obj: TenantFile) -> str:
        guard = self._guard(obj)
        if guard is None:
            return gettext("None")
        now = timezone.now()
        if guard.blocked_until and guard.blocked_until > now:
            return format_html(
                "<strong>{}</strong>",
                gettext("Code entry blocked until %(until)s")
                % {"until": local_datetime(guard.blocked_until, obj.crous)},
            )
        return gettext("%(count)d wrong code(s) since %(since)s") % {
            "count": guard.failures,
            "since": local_datetime(guard.first_failure_at, obj.crous),
        }

    def _available_actions(self, request: HttpRequest, obj: TenantFile) -> list[tuple[str, str]]:
        if not self.has_change_permission(request, obj):
            return []
        current = obj.status in CURRENT_STATUSES
        offered = {
            "resend_code": (_("Resend the code"), current),
            "hand_over_code": (_("Hand over in person"), current),
            "unlink": (_("Unlink the account"), obj.linked_user_id is not None),
            "relink": (_("Link to an account"), current and obj.linked_user_id is None),
            "change_unit": (_("Change unit"), current),
            "transfer": (
                _("Transfer to another Crous"),
                current and may_transfer_from(request.user, obj.crous_id),
            ),
            "unblock_code_entry": (_("Unblock code entry"), self._guard(obj) is not None),
        }
        return [
            (str(label), self._action_url(name, obj))
            for name, (label, shown) in offered.items()
            if shown
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if change and obj is not None:
            context["tenant_file_actions"] = self._available_actions(request, obj)
        return super().render_change_form(  # type: ignore[misc]
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    # --- Adding a file with "hand over in person" --------------------------------------------

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The add form issued the code while validating; ``response_add`` (which is not
        # given the form) prints it. Kept on this request only, never stored.
        issued = getattr(form, "issued", None)
        if issued is not None and issued.tenant_file.code_delivery == CodeDelivery.HAND_OVER:
            request._tenant_code_to_print = issued  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)  # type: ignore[misc]

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: str | None = None
    ) -> HttpResponse:
        issued = getattr(request, "_tenant_code_to_print", None)
        if issued is None:
            return super().response_add(request, obj, post_url_continue)  # type: ignore[misc]
        self.log_change(request, obj, gettext("Tenant code issued to hand over in person."))
        self.message_user(
            request,
            gettext("The tenant file was created. Print this letter and give it to the student."),
            messages.SUCCESS,
        )
        return self._letter(request, issued)

    # --- The actions -------------------------------------------------------------------------

    def _action_url(self, name: str, obj: TenantFile) -> str:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return reverse(f"admin:{prefix}_{name}", args=[obj.pk], current_app=self.admin_site.name)

    def _change_url(self, obj: TenantFile) -> str:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return reverse(f"admin:{prefix}_change", args=[obj.pk], current_app=self.admin_site.name)

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

    # --- The printable letter ----------------------------------------------------------------

    def _letter(self, request: HttpRequest, issued: code_services.IssuedCode) -> HttpResponse:
        tenant_file = issued.tenant_file
        crous = tenant_file.crous
        unit = tenant_file.unit
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": tenant_file,
            "title": gettext("Tenant code letter"),
            "crous": crous,
            "student": tenant_file.student,
            "unit": unit,
            "residence": unit.residence,
            "code_groups": issued.display.split("-"),
            "code_display": issued.display,
            "expires_at": local_datetime(tenant_file.code_expires_at, crous),
            "issued_at": local_datetime(tenant_file.code_issued_at, crous),
            "change_url": self._change_url(tenant_file),
        }
        response = TemplateResponse(request, self.code_letter_template, context)
        # The only place the plain code is ever shown: keep it out of every cache.
        add_never_cache_headers(response)
        return response
