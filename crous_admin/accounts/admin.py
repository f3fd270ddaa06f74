"""User accounts in the back-office: national administrators and superusers only.

The admin is registered for everybody's sake all the same: the staff-membership form looks
users up through it (autocomplete), and there a staff member who is not national finds a user
only by typing their exact email address, so no Crous browses the others' users.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crous_admin.accounts.models import User
from crous_admin.admin import is_national


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                _("An account with this email address already exists: open it instead."),
                code="duplicate_email",
            )
        return email


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict[str, Any] = {}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    # Roles are code (crous_admin/accounts/roles.py): no Django groups or per-user permissions here.
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "preferred_language")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    filter_horizontal = ()
    readonly_fields = ("last_login", "date_joined")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ("is_superuser",)
        return fields

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_national(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_national(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_national(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not is_national(request.user):
            return False
        # A national administrator cannot take over a superuser's account (email, password).
        return not (obj is not None and obj.is_superuser and not request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        if is_national(request.user):
            return super().get_search_results(request, queryset, search_term)
        # Staff of one Crous (picking the user of a staff membership): exact address only.
        email = search_term.strip()
        if not email:
            return queryset.none(), False
        return queryset.filter(email__iexact=email), False
