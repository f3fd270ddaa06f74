"""Back-office of the catalogue (Crous, residences, housing units) and of staff memberships."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_scopes import scopes_disabled

from crous_admin.accounts.roles import Role
from crous_admin.admin import ScopedModelAdmin, autocomplete_source, is_national
from crous_admin.errors import ApplicationError
from residences.models import Crous, HousingUnit, Residence, StaffMembership, UnitStatus


class ResidenceListFilter(admin.SimpleListFilter):
    """Filter by residence, listing the residences of the viewer's scope only."""

    title = _("residence")
    parameter_name = "residence"
    #: The lookup from the listed model to its residence.
    field_path = "residence"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        rows = Residence.objects.order_by("name").values_list("pk", "name", "city")
        return [(str(pk), f"{name} ({city})") for pk, name, city in rows]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() is None:
            return queryset
        return queryset.filter(**{self.field_path: self.value()})


@admin.register(Crous)
class CrousAdmin(ScopedModelAdmin):
    """Crous administrators change their own Crous' settings; only national staff create one."""

    crous_field = "pk"

    list_display = ("name", "code", "time_zone", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")
    fieldsets = (
        (_("Identity"), {"fields": ("name", "code", "time_zone", "is_active")}),
        (_("Contact"), {"fields": ("contact_email", "sms_sender_name")}),
        (
            _("Tenant codes"),
            {"fields": ("code_validity_days", "code_max_attempts", "code_block_hours")},
        ),
        (_("Assistance"), {"fields": ("assistance_target_business_days",)}),
        (_("Business days"), {"fields": ("holiday_subdivision",)}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The code names the Crous everywhere (URLs, exports) and closing a Crous is national.
        if obj is not None and not is_national(request.user):
            return ("code", "is_active")
        return ()


@admin.register(Residence)
class ResidenceAdmin(ScopedModelAdmin):
    list_display = ("name", "city", "crous", "is_active", "units")
    list_filter = ("crous", "city", "is_active")
    search_fields = ("name", "city", "code")
    list_select_related = ("crous",)
    fields = ("crous", "code", "name", "address", "postal_code", "city", "is_active")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Residence]:
        # A correlated COUNT per listed row: no N+1, and no GROUP BY over the whole list.
        unit_count = (
            HousingUnit.objects.filter(residence=OuterRef("pk"))
            .order_by()
            .values("residence")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(unit_count=Coalesce(Subquery(unit_count, output_field=IntegerField()), 0))
        )

    @admin.display(description=_("housing units"), ordering="unit_count")
    def units(self, obj: Residence) -> str:
        url = reverse("admin:residences_housingunit_changelist", current_app=self.admin_site.name)
        return format_html(
            '<a href="{}?{}={}">{}</a>',
            url,
            ResidenceListFilter.parameter_name,
            obj.pk,
            obj.unit_count,  # type: ignore[attr-defined]
        )


@admin.register(HousingUnit)
class HousingUnitAdmin(ScopedModelAdmin):
    crous_field = "residence.crous_id"
    list_display = (
        "number",
        "residence",
        "unit_type",
        "surface_m2",
        "monthly_rent",
        "apl_eligible",
        "status",
    )
    list_filter = (
        ("residence__crous", admin.RelatedFieldListFilter),
        ResidenceListFilter,
        "unit_type",
        "status",
        "apl_eligible",
    )
    search_fields = ("number", "residence__name")
    list_select_related = ("residence",)
    autocomplete_fields = ("residence",)
    fields = (
        "residence",
        "number",
        "unit_type",
        "surface_m2",
        "monthly_rent",
        "apl_eligible",
        "status",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[HousingUnit]:
        # A unit's name includes its residence's (autocomplete answers, history titles). The
        # change list skips list_select_related when the queryset already joins: join all.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[HousingUnit], search_term: str
    ) -> tuple[QuerySet[HousingUnit], bool]:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if autocomplete_source(request) == ("tenants", "tenantfile", "unit"):
            # Assigning a unit: offer the free ones (the service checks again, locked).
            queryset = queryset.filter(status=UnitStatus.AVAILABLE)
        return queryset, may_have_duplicates

    # "Occupied" is set and cleared by tenant files (tenants.services), never by hand.
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is not None and obj.status == UnitStatus.OCCUPIED:
            return ("status",)
        return ()

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "status":
            kwargs["choices"] = [c for c in UnitStatus.choices if c[0] != UnitStatus.OCCUPIED]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


def _grant_back_office(user: Any) -> None:
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


def _withdraw_back_office_without_roles(user_ids: Iterable[int]) -> None:
    """Clears ``is_staff`` of those of ``user_ids`` left with no role in any Crous."""
    user_model = get_user_model()
    # Memberships in every Crous count, not only those the acting staff member sees.
    with scopes_disabled():
        still_staff = StaffMembership.objects.filter(user_id__in=user_ids).values("user_id")
        user_model.objects.filter(pk__in=user_ids, is_superuser=False, is_staff=True).exclude(
            pk__in=still_staff
        ).update(is_staff=False)


@admin.register(StaffMembership)
class StaffMembershipAdmin(ScopedModelAdmin):
    """Who holds which role in which Crous. Crous administrators manage their own Crous'
    memberships; only national staff grant the national role."""

    list_display = ("user", "crous", "role", "user_last_login", "user_active")
    list_filter = ("crous", "role")
    actions = ("deactivate_staff",)
    search_fields = ("user__email", "user__last_name")
    list_select_related = ("user", "crous")
    autocomplete_fields = ("user",)
    fields = ("user", "crous", "role")

    def get_queryset(self, request: HttpRequest) -> QuerySet[StaffMembership]:
        return super().get_queryset(request).select_related(*self.list_select_related)

    @admin.display(description=_("last login"), ordering="user__last_login")
    def user_last_login(self, obj: StaffMembership) -> Any:
        return obj.user.last_login

    @admin.display(description=_("active"), boolean=True)
    def user_active(self, obj: StaffMembership) -> bool:
        return obj.user.is_active

    @admin.action(
        description=_("Deactivate the selected staff members in their Crous"),
        permissions=("delete",),
    )
    def deactivate_staff(self, request: HttpRequest, queryset: QuerySet[StaffMembership]) -> None:
        # Imported here: the accounts app's services depend on residences, not the reverse.
        from residences.staff_invitations.services import staff_deactivate

        done = 0
        for membership in queryset.select_related("user", "crous"):
            try:
                done += staff_deactivate(
                    user=membership.user, crous=membership.crous, by=request.user
                )
            except ApplicationError as exc:
                self.message_user(request, f"{membership.user}: {exc.message}", messages.ERROR)
        self.message_user(
            request,
            ngettext("%(count)d role withdrawn.", "%(count)d roles withdrawn.", done)
            % {"count": done},
        )

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role" and not is_national(request.user):
            kwargs["choices"] = [
                c for c in db_field.get_choices(include_blank=True) if c[0] != Role.NATIONAL_ADMIN
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "crous" and not is_national(request.user):
            # Only the national role has no Crous, and only national staff grant it.
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Back-office access (is_staff) follows the memberships.
    def save_model(
        self, request: HttpRequest, obj: StaffMembership, form: Any, change: bool
    ) -> None:
        previous_user_id = form.initial.get("user") if change else None
        super().save_model(request, obj, form, change)
        _grant_back_office(obj.user)
        if previous_user_id and previous_user_id != obj.user_id:
            _withdraw_back_office_without_roles([previous_user_id])

    def delete_model(self, request: HttpRequest, obj: StaffMembership) -> None:
        super().delete_model(request, obj)
        _withdraw_back_office_without_roles([obj.user_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[StaffMembership]) -> None:
        user_ids = list(queryset.values_list("user_id", flat=True))
        super().delete_queryset(request, queryset)
        _withdraw_back_office_without_roles(user_ids)


# Staff invitations have their own module; registered with the back-office here.
from residences.staff_invitations import admin as _staff_invitations_admin  # noqa: E402, F401
