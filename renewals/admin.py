"""Back-office of renewals: windows (with their dashboard) and requests (decided one by one
or in bulk). Writes go through ``renewals.services``; each decision is in the request's
history with its author and reason, the file's extension in the file's history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from crous_admin.admin import ScopedModelAdmin, ServiceBackedAdminMixin, ServiceModelForm
from crous_admin.errors import ApplicationError
from renewals import selectors
from renewals.eligibility import eligibility_check
from renewals.models import ReminderPreference, RenewalRequest, RenewalWindow, RequestStatus
from renewals.services import decisions, windows

# --- Windows ----------------------------------------------------------------------------------


class RenewalWindowForm(ServiceModelForm):
    """Creates or changes a window (``crous`` added by the admin per request, with the
    viewer's scoped choices: a form class built at import time would hold an unscoped one)."""

    class Meta:
        model = RenewalWindow
        fields = windows.WINDOW_FIELDS

    def call_service(self) -> RenewalWindow:
        data = {name: self.cleaned_data[name] for name in windows.WINDOW_FIELDS}
        if self.instance.pk:
            return windows.renewal_window_update(by=self.request_user, window=self.instance, **data)
        return windows.renewal_window_create(
            by=self.request_user, crous=self.cleaned_data["crous"], **data
        )


@admin.register(RenewalWindow)
class RenewalWindowAdmin(ServiceBackedAdminMixin, ScopedModelAdmin):
    form = RenewalWindowForm
    list_display = (
        "crous",
        "academic_year_label",
        "opens_on",
        "closes_on",
        "promise_hours",
        "dse_rule",
        "dashboard_link",
    )
    list_filter = ("academic_year", "dse_rule", "crous")
    list_select_related = ("crous",)
    ordering = ("-academic_year", "crous__name", "opens_on")
    fields = ("crous", *windows.WINDOW_FIELDS)

    def get_queryset(self, request: HttpRequest) -> QuerySet[RenewalWindow]:
        return super().get_queryset(request).select_related("crous")  # its time zone

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("crous",) if obj is not None else ()

    @admin.display(description=_("academic year"), ordering="academic_year")
    def academic_year_label(self, obj: RenewalWindow) -> str:
        return obj.academic_year_label

    @admin.display(description=_("dashboard"))
    def dashboard_link(self, obj: RenewalWindow) -> str:
        url = reverse("admin:renewals_renewalwindow_dashboard", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Dashboard"))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name="renewals_renewalwindow_dashboard",
            ),
            *super().get_urls(),
        ]

    def dashboard_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        window = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, window):
            raise PermissionDenied
        dashboard = selectors.window_dashboard(window=window)
        peak = dashboard.by_day_max or 1
        bars = [(day, n, round(100 * n / peak)) for day, n in dashboard.by_day]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": window,
            "title": gettext("Dashboard of %(window)s") % {"window": window},
            "dashboard": dashboard,
            "bars": bars,
            "requests_url": reverse("admin:renewals_renewalrequest_changelist")
            + f"?window__id__exact={window.pk}",
        }
        return TemplateResponse(request, "admin/renewals/renewalwindow/dashboard.html", context)


# --- Requests ---------------------------------------------------------------------------------


class RefusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the student reads it)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class BlockedByDseFilter(admin.SimpleListFilter):
    title = _("blocked by the DSE rule")
    parameter_name = "dse"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", _("Yes"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(selectors.blocked_by_dse_q()) if self.value() == "yes" else queryset


class WindowFilter(admin.RelatedFieldListFilter):
    """The requests' window filter, its choices read with their Crous in one query: Django's
    own names each window by a query for its Crous, one more query per window every year
    (36 for a national user after a few campaigns)."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[Any]:
        windows = selectors.windows_for_list()
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            windows = windows.order_by(*ordering)
        return [(window.pk, str(window)) for window in windows]


@admin.register(RenewalRequest)
class RenewalRequestAdmin(ScopedModelAdmin):
    list_display = (
        "id",
        "student",
        "crous",
        "window",
        "status",
        "needs_exception",
        "submitted_at",
        "email_delivery",
        "sms_delivery",
        "escalated_at",
    )
    list_filter = (
        "status",
        "needs_exception",
        BlockedByDseFilter,
        ("window", WindowFilter),
        "crous",
    )
    list_select_related = (
        "crous",
        "window__crous",
        "tenant_file__student",
        "email_message",
        "sms_message",
    )
    search_fields = ("tenant_file__student__ine", "tenant_file__student__last_name")
    actions = ("approve_selected", "refuse_selected")
    readonly_fields = (
        "crous",
        "window",
        "tenant_file",
        "status",
        "source",
        "requested_by",
        "eligibility_table",
        "eligibility_now",
        "needs_exception",
        "contact_email",
        "contact_phone",
        "sms_reminders",
        "submitted_at",
        "confirmation_deadline",
        "email_delivery",
        "sms_delivery",
        "confirmed_at",
        "escalated_at",
        "decided_at",
        "decided_by",
        "refusal_reason",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # students ask; staff decide

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a request is part of the audit trail

    @admin.display(description=_("student"))
    def student(self, obj: RenewalRequest) -> str:
        return str(obj.tenant_file.student)

    def _delivery(self, message: Any) -> str:
        if message is None:
            return "—"
        if message.sent_at:
            return f"{message.get_status_display()} {message.sent_at:%Y-%m-%d %H:%M}"
        return message.get_status_display()

    @admin.display(description=_("email confirmation"))
    def email_delivery(self, obj: RenewalRequest) -> str:
        return self._delivery(obj.email_message)

    @admin.display(description=_("SMS confirmation"))
    def sms_delivery(self, obj: RenewalRequest) -> str:
        return self._delivery(obj.sms_message)

    @admin.display(description=_("renewal reminders by SMS"), boolean=True)
    def sms_reminders(self, obj: RenewalRequest) -> bool:
        """The student's own choice, made on the renewal page (ADR 0010): shown, not edited."""
        return ReminderPreference.objects.filter(
            student_id=obj.tenant_file.student_id, sms_opt_in=True
        ).exists()

    @admin.display(description=_("eligibility check, when asked"))
    def eligibility_table(self, obj: RenewalRequest) -> str:
        return self._rules_html(obj.eligibility or [])

    @admin.display(description=_("eligibility check, now"))
    def eligibility_now(self, obj: RenewalRequest) -> str:
        """The same check run again (the DSE may have arrived since the request)."""
        check = eligibility_check(tenant_file=obj.tenant_file, window=obj.window)
        return self._rules_html(r.as_dict() for r in check.results)

    def _rules_html(self, results: Any) -> str:
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} <strong>{}</strong>: {}</li>",
                (("✔" if r["passed"] else "✘", r["title"], r["message"]) for r in results),
            ),
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and "_decide" in request.POST:
            renewal = self.get_object(request, unquote(object_id))
            if not self.has_change_permission(request, renewal):
                raise PermissionDenied
            self._decide(
                request,
                [renewal],
                approve=request.POST["_decide"] == "approve",
                reason=request.POST.get("reason", ""),
            )
            return HttpResponseRedirect(request.path)
        extra_context = {**(extra_context or {}), "refusal_form": RefusalForm()}
        return super().change_view(request, object_id, form_url, extra_context)

    def _decide(
        self, request: HttpRequest, renewals: list[RenewalRequest], *, approve: bool, reason: str
    ) -> None:
        allowed = [r for r in renewals if self._verb_allowed_in_crous(request, "change", r)]
        try:
            result = decisions.renewal_requests_decide_bulk(
                renewal_requests=allowed, by=request.user, approve=approve, reason=reason
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        if result.decided:
            self.message_user(
                request,
                ngettext("%(n)d request decided.", "%(n)d requests decided.", len(result.decided))
                % {"n": len(result.decided)},
                messages.SUCCESS,
            )
        for pk, why in result.skipped.items():
            self.message_user(
                request,
                gettext("Request %(id)s not decided: %(why)s") % {"id": pk, "why": why},
                messages.WARNING,
            )

    @admin.action(description=_("Approve the selected requests"), permissions=["change"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._decide(request, list(queryset), approve=True, reason="")

    @admin.action(
        description=_("Refuse the selected requests (with a reason)"), permissions=["change"]
    )
    def refuse_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        form = RefusalForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            self._decide(request, list(queryset), approve=False, reason=form.cleaned_data["reason"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Refuse renewal requests"),
            "form": form,
            "queryset": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "pending": queryset.filter(status=RequestStatus.SUBMITTED).count(),
        }
        return TemplateResponse(request, "admin/renewals/renewalrequest/refuse.html", context)
