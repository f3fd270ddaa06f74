"""API permissions: roles give verbs (model permissions), the Crous scope gives rows."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions

from crous_admin.scoping import scope_for


class CrousModelPermissions(permissions.DjangoModelPermissions):
    """Model permissions for every method, reads included (``view_<model>``)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
    }


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
