"""Model permissions granted by Crous roles.

A staff member's verbs (view, add, change…) come from the roles they hold
(``crous_admin.accounts.roles.ROLE_PERMISSIONS``); *which rows* they apply to comes from the
per-Crous scope (``crous_admin.scoping``). Django groups are not used for roles, so a role's
rights are code, reviewed and tested, and the same on every installation.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from crous_admin.accounts.roles import permissions_for_roles, staff_roles_of


class CrousRoleBackend(BaseBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        cached = getattr(user_obj, "_crous_role_perm_cache", None)
        if cached is None:
            cached = permissions_for_roles(r.role for r in staff_roles_of(user=user_obj))
            user_obj._crous_role_perm_cache = cached
        return cached

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))
