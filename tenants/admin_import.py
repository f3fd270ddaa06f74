"""Back-office page: import an allocation result (CSV) into tenant files.

Upload → report (every bad line with its number and reason, or the counts of a dry run)
→ "Import" confirmation. The checks and the writes are ``tenants.imports``'; this module
only reads the form, keeps the checked file between the dry run and the confirmation, and
renders the report. Reached from the tenant files' change list (``TenantFileAdmin.get_urls``).

Between the dry run and the confirmation the file is kept in the staff member's session
(compressed), not on disk: nothing personal is left behind in a folder when the
confirmation never comes, and it works whichever web process answers. The confirmation
checks everything again (units may have been assigned meanwhile).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import zlib
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from crous_admin.api.permissions import user_has_perms_in_crous
from crous_admin.errors import ApplicationError
from residences.models import Crous
from tenants.imports.assignments import IMPORT_PERMISSION, assignments_import
from tenants.imports.report import ImportReport

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

SESSION_KEY = "tenants.assignments_import"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Beyond this many errors the page lists the first ones and says how many more there are.
MAX_ERRORS_SHOWN = 2000
TEMPLATE = "admin/tenants/tenantfile/import_assignments.html"


class AssignmentImportForm(forms.Form):
    crous = forms.ModelChoiceField(
        queryset=Crous.objects.none(), label=gettext_lazy("Crous"), empty_label=None
    )
    file = forms.FileField(
        label=gettext_lazy("Allocation result (CSV file)"),
        help_text=gettext_lazy(
            "One line per student: ine, last_name, first_name, email, mobile_phone, "
            "campus_france, residence, unit, start_date, end_date (hand_over optional). "
            "Semicolons or commas; UTF-8 or Excel's Windows encoding."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check the file and show the report, import nothing yet"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, crous_choices: QuerySet[Crous], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dry_run"].label_suffix = ""  # a checkbox's label follows it
        field = self.fields["crous"]
        field.queryset = crous_choices  # type: ignore[attr-defined]
        if len(crous_choices) == 1:
            # One Crous: nothing to choose; the page names it.
            field.initial = crous_choices[0].pk
            field.widget = forms.HiddenInput()

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _(
                    "This file is larger than %(max)d MB: split it, or import it with the "
                    "import_assignments command."
                )
                % {"max": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload.read()


def import_urls(model_admin: ModelAdmin[Any]) -> list[URLPattern]:
    """The import's routes, to be placed before the admin's ``<object_id>/`` routes."""
    info = (model_admin.opts.app_label, model_admin.opts.model_name)
    view = model_admin.admin_site.admin_view(AssignmentImportView.as_view(model_admin=model_admin))
    return [path("import/", view, name="{}_{}_import".format(*info))]


class AssignmentImportView(View):
    model_admin: Any = None

    # --- entry points -------------------------------------------------------------------

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.model_admin.has_add_permission(request):
            raise PermissionDenied
        self.crous_choices = _crous_choices(request)
        if not self.crous_choices:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, form=self._form())

    def post(self, request: HttpRequest) -> HttpResponse:
        if "confirm" in request.POST:
            return self._confirm(request)
        form = self._form(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form=form)
        crous: Crous = form.cleaned_data["crous"]
        data: bytes = form.cleaned_data["file"]
        name = request.FILES["file"].name
        dry_run = form.cleaned_data["dry_run"]
        report = self._run(request, form, crous=crous, data=data, name=name, dry_run=dry_run)
        if report is None:
            return self._render(request, form=form)
        if report.imported:
            return self._imported(request, report)
        token = _keep(request, crous=crous, data=data, name=name) if report.ok else ""
        return self._render(request, form=self._form(), report=report, token=token)

    # --- steps --------------------------------------------------------------------------

    def _confirm(self, request: HttpRequest) -> HttpResponse:
        pending = _take(request, token=request.POST.get("token", ""))
        crous = self.crous_choices.filter(pk=pending["crous_id"]).first() if pending else None
        if pending is None or crous is None:
            messages.error(
                request,
                _("This import was already done or has expired: upload the file again."),
            )
            return HttpResponseRedirect(request.path)
        form = self._form(initial={"crous": crous.pk})
        report = self._run(
            request, form, crous=crous, data=pending["data"], name=pending["name"], dry_run=False
        )
        if report is not None and report.imported:
            return self._imported(request, report)
        return self._render(request, form=form, report=report)

    def _run(
        self,
        request: HttpRequest,
        form: AssignmentImportForm,
        *,
        crous: Crous,
        data: bytes,
        name: str,
        dry_run: bool,
    ) -> ImportReport | None:
        try:
            return assignments_import(
                crous=crous, by=request.user, data=data, dry_run=dry_run, source_name=name
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return None

    def _imported(self, request: HttpRequest, report: ImportReport) -> HttpResponse:
        counts = ", ".join(f"{label}: {count:,}" for label, count in report.counts())
        messages.success(
            request,
            _("The allocation result %(name)s was imported (%(counts)s).")
            % {"name": report.source_name, "counts": counts},
        )
        opts = self.model_admin.opts
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    # --- rendering ----------------------------------------------------------------------

    def _form(self, *args: Any, **kwargs: Any) -> AssignmentImportForm:
        return AssignmentImportForm(*args, crous_choices=self.crous_choices, **kwargs)

    def _render(
        self,
        request: HttpRequest,
        *,
        form: AssignmentImportForm,
        report: ImportReport | None = None,
        token: str = "",
    ) -> HttpResponse:
        admin_site = self.model_admin.admin_site
        errors = report.errors if report else []
        context = {
            **admin_site.each_context(request),
            "opts": self.model_admin.opts,
            "title": _("Import an allocation result"),
            "form": form,
            "single_crous": self.crous_choices[0] if len(self.crous_choices) == 1 else None,
            "report": report,
            "errors_shown": errors[:MAX_ERRORS_SHOWN],
            "errors_hidden": max(len(errors) - MAX_ERRORS_SHOWN, 0),
            "token": token,
            "media": form.media,
        }
        request.current_app = admin_site.name
        return TemplateResponse(request, TEMPLATE, context)


def _crous_choices(request: HttpRequest) -> QuerySet[Crous]:
    """The Crous of the viewer's scope where they may assign units (tenant file "add")."""
    visible = Crous.objects.order_by("name").only("pk", "name", "code")
    allowed = [
        crous.pk
        for crous in visible
        if user_has_perms_in_crous(request.user, [IMPORT_PERMISSION], crous.pk)
    ]
    return visible.filter(pk__in=allowed)


def _keep(request: HttpRequest, *, crous: Crous, data: bytes, name: str) -> str:
    """Keeps a checked file for its confirmation; returns the token the page posts back."""
    token = secrets.token_urlsafe(16)
    request.session[SESSION_KEY] = {
        "token": token,
        "crous_id": crous.pk,
        "name": name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "data": base64.b64encode(zlib.compress(data, level=6)).decode("ascii"),
    }
    return token


def _take(request: HttpRequest, *, token: str) -> dict[str, Any] | None:
    """The kept file for ``token`` (removed from the session: a confirmation runs once)."""
    pending = request.session.get(SESSION_KEY)
    if not pending or not token or not secrets.compare_digest(pending["token"], token):
        return None
    del request.session[SESSION_KEY]
    data = zlib.decompress(base64.b64decode(pending["data"]))
    if hashlib.sha256(data).hexdigest() != pending["sha256"]:
        return None
    return {**pending, "data": data}
