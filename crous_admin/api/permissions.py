"""API permissions: roles give verbs (model permissions), the Crous scope gives rows.

Three layers, each answering one question:

* ``has_permission`` — may this role do this verb at all (``view``/``add``/``change``…)?
  Refused: 401 when anonymous, 403 otherwise.
* the Crous scope (``CrousScopedAPIMixin``) — which rows exist for the caller: another
  Crous' row is a 404, exactly like a row that does not exist.
* ``has_object_permission`` and ``CrousScopedAPIMixin.check_crous_permission`` — for a
  person holding roles in several Crous, the verb must come from a role held *in the row's
  Crous* (an assistance agent in Versailles who is a housing officer in Bordeaux may not
  edit Versailles rows).
"""

from __future__ import annotations

from typing import Any

from rest_framework import permissions

from crous_admin.accounts.roles import user_has_perms, user_has_perms_in_crous
from crous_admin.scoping import scope_for

# Re-exported: the API's views check roles in a Crous with these (crous_admin/api/views.py).
__all__ = [
    "CatalogPermissions",
    "CrousModelPermissions",
    "IsCrousStaff",
    "user_has_perms",
    "user_has_perms_in_crous",
]


class CrousModelPermissions(permissions.DjangoModelPermissions):
    """Model permissions for every method, reads included (``view_<model>``).

    A view maps extra actions to permissions with ``action_permissions``, e.g.
    ``{"end": ["%(app_label)s.change_%(model_name)s"]}`` (by default a POST needs ``add``).
    """

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
    }

    def required_permissions(self, request: Any, view: Any) -> list[str]:
        model = self._queryset(view).model
        templates = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if templates is None:
            return self.get_required_permissions(request.method, model)
        names = {"app_label": model._meta.app_label, "model_name": model._meta.model_name}
        return [template % names for template in templates]

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        return user_has_perms(user, self.required_permissions(request, view))

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True  # the scope already decided which rows are readable
        return user_has_perms_in_crous(
            request.user, self.required_permissions(request, view), view.crous_id_of(obj)
        )


class CatalogPermissions(CrousModelPermissions):
    """The public catalogue: anybody may read it; writes need the role's model permission."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return super().has_permission(request, view)


class IsCrousStaff(permissions.BasePermission):
    """Staff of at least one Crous (or national)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return scope_for(request.user).is_staff
