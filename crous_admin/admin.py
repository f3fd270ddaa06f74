"""The back-office: Django's admin, scoped per Crous.

Rows: every ``ScopedModelAdmin`` reads through the models' scoped default managers, and
``CrousScopeMiddleware`` has opened the viewer's scope before the admin runs, so change lists,
foreign-key dropdowns, list filters, autocomplete and raw-id lookups all show the viewer's
Crous only, without a filter to remember in each admin.

Verbs: Django model permissions, granted by the staff member's roles
(``crous_admin/accounts/roles.py``, through ``crous_admin.accounts.backends.CrousRoleBackend``).

Objects outside the scope: their change, delete and history pages answer 404, exactly like an
id that does not exist, so nothing can be learnt by trying ids.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.base import ModelBase
from django.forms.models import construct_instance
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from crous_admin.api.permissions import user_has_perms_in_crous
from crous_admin.errors import ApplicationError
from crous_admin.scoping import scope_for

if TYPE_CHECKING:
    from crous_admin.accounts.models import User


def is_national(user: User | Any) -> bool:
    """Superusers and holders of the national role: they see and manage every Crous."""
    return scope_for(user).is_national


def autocomplete_source(request: HttpRequest) -> tuple[str, str, str] | None:
    """``(app_label, model_name, field_name)`` when ``request`` is an autocomplete lookup."""
    match = request.resolver_match
    if match is None or match.url_name != "autocomplete":
        return None
    params = request.GET
    return (params.get("app_label", ""), params.get("model_name", ""), params.get("field_name", ""))


class ScopedAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete answers, from the target admin's scoped queryset and its search.

    Django asks for the view permission on the target model. A staff member who may add or
    change the *source* model may also look up targets through a field that the source admin
    declares in ``autocomplete_fields``: a Crous administrator picks the user of a new staff
    membership without being allowed to browse the users (the User admin then only answers
    an exact email address).
    """

    def has_perm(self, request: HttpRequest, obj: Any = None) -> bool:
        if super().has_perm(request, obj=obj):
            return True
        try:
            source_admin = self.admin_site.get_model_admin(self.source_field.model)
        except NotRegistered:
            return False
        if self.source_field.name not in source_admin.get_autocomplete_fields(request):
            return False
        return source_admin.has_add_permission(request) or source_admin.has_change_permission(
            request
        )


class CrousAdminSite(admin.AdminSite):
    site_header = _("Crous back-office")
    site_title = _("Crous back-office")
    index_title = _("Back-office home")

    # Admins that third-party apps register and the back-office leaves out: roles are code
    # (crous_admin/accounts/roles.py), not Django groups; the student pages' identity is set in code
    # (crous_admin/portal/context_processors.py), not in django-dsfr's tables.
    # The demonstration OpenID provider's tables (development only) and allauth's social
    # apps and tokens (providers are configured in the settings, tokens are not kept) have
    # nothing to manage either (docs/state-sign-in.md).
    hidden_models = frozenset(
        {
            "auth.group",
            "dsfr.dsfrconfig",
            "oauth2_provider.application",
            "oauth2_provider.accesstoken",
            "oauth2_provider.grant",
            "oauth2_provider.idtoken",
            "oauth2_provider.refreshtoken",
            "socialaccount.socialapp",
            "socialaccount.socialtoken",
        }
    )

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        registered = (
            [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
        )
        kept = [m for m in registered if m._meta.label_lower not in self.hidden_models]
        if kept:
            super().register(kept, admin_class, **options)

    def has_permission(self, request: HttpRequest) -> bool:
        """Active superusers, and active staff who hold a role in at least one Crous.

        ``is_staff`` alone is not enough: without a role the viewer's scope is not a staff
        scope, and the catalogue would not be limited to a Crous.
        """
        user = request.user
        if not user.is_active:
            return False
        if user.is_superuser:
            return True
        return bool(user.is_staff) and scope_for(user).is_staff

    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        return ScopedAutocompleteJsonView.as_view(admin_site=self)(request)


class ScopedModelAdmin(SimpleHistoryAdmin):
    """Base of every back-office admin of a per-Crous model, with its history.

    * Rows come from the model's scoped default manager (see the module docstring).
    * ``get_object`` answers 404 for "not in your Crous" and "does not exist" alike, before
      any permission check: Django would redirect with a message for a missing id and answer
      403 for some views, which tells the two apart.
    * django-simple-history reads history rows through the (unscoped) history manager and,
      for an object it cannot find, shows the history of the latest historical version: the
      history pages here first require the live object to be in the scope.
    * Reverting to a historical version is disabled: it would write old values over the row
      without the services' checks (a free unit, a current file…).
    """

    show_full_result_count = False  # one COUNT less on every filtered list

    #: How to reach an object's Crous id, for the per-Crous verb check below.
    crous_field = "crous_id"

    def _verb_allowed_in_crous(self, request: HttpRequest, verb: str, obj: Any) -> bool:
        """A change or delete needs the verb from a role held *in the object's Crous*: an
        assistance agent in Versailles who is a housing officer in Bordeaux may not edit
        Versailles rows (the same rule as the API's ``CrousModelPermissions``)."""
        perm = f"{self.opts.app_label}.{verb}_{self.opts.model_name}"
        return user_has_perms_in_crous(request.user, [perm], attrgetter(self.crous_field)(obj))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None:
            return self._verb_allowed_in_crous(request, "change", obj)
        return allowed

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        if allowed and obj is not None:
            return self._verb_allowed_in_crous(request, "delete", obj)
        return allowed

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> models.Model:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Not found."))
        return obj

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self.get_object(request, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        self.get_object(request, unquote(object_id))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        crous_ids = scope_for(request.user).crous
        has_crous_field = any(f.name == "crous" for f in self.opts.fields)
        if has_crous_field and crous_ids is not None and len(crous_ids) == 1:
            initial.setdefault("crous", crous_ids[0])
        return initial


class ServiceModelForm(forms.ModelForm):
    """An admin form whose write is one service call (``call_service``).

    The admin validates a form and then saves it; a service's refusal (``ApplicationError``)
    must become a form error, not a server error. So the service is called at the end of
    validation, inside a savepoint: when it refuses, nothing is written and its message is
    shown on the field it names. The form itself only checks input (field validation); the
    invariants (uniqueness, a free unit…) are the service's, checked with the rows locked.
    Used with ``ServiceBackedAdminMixin``; the admin using it must have no inlines (they
    would be validated after the write).
    """

    #: The staff member acting, set on the form class by ``ServiceBackedAdminMixin.get_form``.
    request_user: Any = None

    def call_service(self) -> models.Model:
        raise NotImplementedError

    def _post_clean(self) -> None:
        exclude = self._get_validation_exclusions()
        try:
            self.instance = construct_instance(
                self, self.instance, self._meta.fields, self._meta.exclude
            )
        except ValidationError as exc:
            self._update_errors(exc)
        try:
            self.instance.full_clean(
                exclude=exclude, validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            self._update_errors(exc)
        if self._errors:
            return
        try:
            with transaction.atomic():
                self.instance = self.call_service()
        except ApplicationError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        except ValidationError as exc:
            self._add_service_validation_error(exc)
        except IntegrityError:
            self.add_error(
                None,
                _(
                    "Another change to the same data was saved at the same moment: "
                    "check the data and submit the form again."
                ),
            )

    def _add_service_validation_error(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for field, errors in exc.error_dict.items():
            target = field if field in self.fields else None
            if target is None and field != NON_FIELD_ERRORS:
                label = self.instance._meta.get_field(field).verbose_name
                errors = [ValidationError(f"{label}: {' '.join(e.messages)}") for e in errors]
            self.add_error(target, errors)


class ServiceBackedAdminMixin:
    """For admins whose form is a ``ServiceModelForm``: the service has written the row
    when the form validated, so ``save_model`` has nothing left to write."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        if issubclass(form, ServiceModelForm):
            # ModelAdmin.get_form builds a new class on every call: this stays per request.
            form.request_user = request.user
        return form

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if isinstance(form, ServiceModelForm):
            return
        super().save_model(request, obj, form, change)  # type: ignore[misc]
