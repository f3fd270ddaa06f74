"""Back-office: a Crous administrator invites staff into their Crous (scoped like the rest)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crous_admin.accounts.roles import Role
from crous_admin.admin import (
    ScopedModelAdmin,
    ServiceBackedAdminMixin,
    ServiceModelForm,
    is_national,
)
from residences.staff_invitations.models import StaffInvitation
from residences.staff_invitations.services import staff_invite


class StaffInvitationForm(ServiceModelForm):
    """``crous`` is added by the admin per request, with the viewer's scoped choices (a form
    class built at import time would hold an unscoped one)."""

    class Meta:
        model = StaffInvitation
        fields = ("email", "role")

    def call_service(self) -> StaffInvitation:
        return staff_invite(
            crous=self.cleaned_data.get("crous"),
            role=self.cleaned_data["role"],
            email=self.cleaned_data["email"],
            by=self.request_user,
        )


@admin.register(StaffInvitation)
class StaffInvitationAdmin(ServiceBackedAdminMixin, ScopedModelAdmin):
    """Invitations are a record: created by the service, never edited."""

    form = StaffInvitationForm
    list_display = (
        "email",
        "crous",
        "role",
        "invited_by",
        "invited_at",
        "accepted_at",
        "last_login",
    )
    list_filter = ("crous", "role")
    search_fields = ("email",)
    list_select_related = ("crous", "invited_by", "user")
    fields = ("email", "crous", "role")

    @admin.display(description=_("last login"))
    def last_login(self, obj: StaffInvitation) -> Any:
        return obj.user.last_login

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role" and not is_national(request.user):
            kwargs["choices"] = [
                c for c in db_field.get_choices(include_blank=True) if c[0] != Role.NATIONAL_ADMIN
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)
