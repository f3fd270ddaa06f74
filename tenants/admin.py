"""Back-office of students and tenant files.

Writes go through ``tenants.services`` (the forms in ``tenants/forms.py`` and the "end" action
call them); a service's refusal is shown in the form or as a message, never as an error page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crous_admin.academic_year import academic_year_label, academic_year_of
from crous_admin.admin import ScopedModelAdmin, ServiceBackedAdminMixin
from crous_admin.errors import ApplicationError
from residences.admin import ResidenceListFilter
from tenants.admin_actions import TenantFileCodeActionsMixin
from tenants.admin_code_state import CODE_READONLY_FIELDS
from tenants.forms import StudentAdminForm, TenantFileAddForm
from tenants.models import Student, TenantFile
from tenants.selectors import (
    student_has_account,
    student_has_linked_account,
    student_search_q,
)
from tenants.services import tenant_file_end


class AcademicYearListFilter(admin.SimpleListFilter):
    """The coming academic year and the five before it, without reading the table."""

    title = _("academic year")
    parameter_name = "academic_year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        current = academic_year_of(timezone.localdate())
        return [(str(y), academic_year_label(y)) for y in range(current + 1, current - 6, -1)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() is None:
            return queryset
        return queryset.filter(academic_year=self.value())


class TenantFileResidenceFilter(ResidenceListFilter):
    field_path = "unit__residence"


class LinkedListFilter(admin.SimpleListFilter):
    """Whether a student's account is linked to the file (by the tenant code or by staff)."""

    title = _("account linked")
    parameter_name = "linked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Linked")), ("no", _("Not linked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() not in ("yes", "no"):
            return queryset
        return queryset.filter(linked_user__isnull=self.value() == "no")


_STUDENT_IDENTITY = ("crous", "ine", "first_name", "last_name", "email", "mobile_phone")
_STUDENT_AIDS = ("is_scholarship_holder", "dse_submitted_for", "is_campus_france")


@admin.register(Student)
class StudentAdmin(ServiceBackedAdminMixin, ScopedModelAdmin):
    form = StudentAdminForm
    list_display = (
        "last_name",
        "first_name",
        "ine",
        "crous",
        "is_scholarship_holder",
        "dse_year",
        "is_campus_france",
        "has_account",
    )
    list_filter = ("crous", "is_scholarship_holder", "is_campus_france")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Student]:
        return super().get_queryset(request).annotate(has_account=student_has_account())

    search_fields = ("ine", "last_name", "first_name", "email")
    list_select_related = ("crous",)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": _STUDENT_IDENTITY}),
            (_("Grants and programmes"), {"fields": _STUDENT_AIDS}),
        ]
        if obj is not None:
            fieldsets.append((_("Account"), {"fields": ("has_account", "created_at")}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A student record stays in its Crous: another Crous keeps its own record.
        return ("crous", "has_account", "created_at") if obj is not None else ()

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Student], search_term: str
    ) -> tuple[QuerySet[Student], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # The INE typed any way (spaces, dashes, lower case), as the API's search finds it.
        return found | queryset.filter(student_search_q(search_term)), may_have_duplicates

    @admin.display(description=_("DSE year"), ordering="dse_submitted_for")
    def dse_year(self, obj: Student) -> str:
        return obj.dse_submitted_for_label

    @admin.display(description=_("has an account"), boolean=True)
    def has_account(self, obj: Student) -> bool:
        return student_has_linked_account(obj)


@admin.register(TenantFile)
class TenantFileAdmin(TenantFileCodeActionsMixin, ServiceBackedAdminMixin, ScopedModelAdmin):
    list_display = (
        "id",
        "student",
        "student_ine",
        "residence",
        "unit_number",
        "academic_year_display",
        "period",
        "status",
        "linked",
    )
    list_display_links = ("id", "student")
    list_select_related = ("student", "unit__residence")
    list_filter = (
        "crous",
        "status",
        LinkedListFilter,
        AcademicYearListFilter,
        TenantFileResidenceFilter,
    )
    search_fields = ("student__ine", "student__last_name", "unit__residence__name")
    autocomplete_fields = ("student", "unit")
    actions = ("end_selected_files",)

    def get_urls(self) -> list[Any]:
        # The CSV import of an allocation result (tenants/admin_import.py; its button is in
        # templates/admin/tenants/tenantfile/change_list.html), before "<object_id>/".
        from tenants.admin_import import import_urls

        return [*import_urls(self), *super().get_urls()]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TenantFile]:
        # A file's name includes its student's (history titles, autocomplete answers). The
        # change list skips list_select_related when the queryset already joins: join all.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = TenantFileAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [
                (None, {"fields": ("student", "unit")}),
                (_("Period"), {"fields": ("start_date", "end_date", "academic_year")}),
                (_("Tenant code"), {"fields": ("hand_over",)}),
            ]
        return [
            (None, {"fields": ("crous", "student", "unit", "status")}),
            (_("Period"), {"fields": ("academic_year", "start_date", "end_date")}),
            (_("Tenant code and account"), {"fields": CODE_READONLY_FIELDS}),
            (_("Record"), {"fields": ("created_at", "updated_at")}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        # Who and where are the file itself; its status changes through the services
        # (the "end" action), which free or occupy the unit at the same time.
        # The code and the account link change through the code actions (admin_actions.py).
        return (
            "crous",
            "student",
            "unit",
            "status",
            "created_at",
            "updated_at",
            *CODE_READONLY_FIELDS,
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[TenantFile], search_term: str
    ) -> tuple[QuerySet[TenantFile], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return (
            found | queryset.filter(student_search_q(search_term, prefix="student__")),
            may_have_duplicates,
        )

    @admin.display(description=_("INE"), ordering="student__ine")
    def student_ine(self, obj: TenantFile) -> str:
        return obj.student.ine

    @admin.display(description=_("residence"), ordering="unit__residence__name")
    def residence(self, obj: TenantFile) -> str:
        return obj.unit.residence.name

    @admin.display(description=_("housing unit"), ordering="unit__number")
    def unit_number(self, obj: TenantFile) -> str:
        return obj.unit.number

    @admin.display(description=_("academic year"), ordering="academic_year")
    def academic_year_display(self, obj: TenantFile) -> str:
        return obj.academic_year_label

    @admin.display(description=_("period"), ordering="start_date")
    def period(self, obj: TenantFile) -> str:
        return (
            f"{date_format(obj.start_date, 'SHORT_DATE_FORMAT')} – "
            f"{date_format(obj.end_date, 'SHORT_DATE_FORMAT')}"
        )

    @admin.action(description=_("End selected files"), permissions=["change"])
    def end_selected_files(self, request: HttpRequest, queryset: QuerySet[TenantFile]) -> None:
        """Ends each file through the service; each one succeeds or is refused on its own."""
        ended = 0
        refusals: list[str] = []
        for tenant_file in queryset:
            try:
                tenant_file_end(by=request.user, tenant_file=tenant_file)
            except ApplicationError as exc:
                refusals.append(
                    _("File %(id)s: %(reason)s") % {"id": tenant_file.pk, "reason": exc.message}
                )
            else:
                ended += 1
        if ended:
            self.message_user(
                request,
                ngettext("%(count)d tenant file ended.", "%(count)d tenant files ended.", ended)
                % {"count": ended},
                messages.SUCCESS,
            )
        if refusals:
            self.message_user(
                request,
                ngettext(
                    "%(count)d tenant file was not ended: %(reasons)s",
                    "%(count)d tenant files were not ended: %(reasons)s",
                    len(refusals),
                )
                % {"count": len(refusals), "reasons": " ".join(refusals)},
                messages.WARNING,
            )
