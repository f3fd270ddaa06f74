"""Reads of Crous, residences, units and staff memberships."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from django_scopes import scopes_disabled

from residences.models import StaffMembership

if TYPE_CHECKING:
    from crous_admin.accounts.models import User


class StaffRole(NamedTuple):
    crous_id: int | None
    role: str


def staff_roles_of(*, user: User) -> list[StaffRole]:
    """The (Crous, role) pairs a user holds, read once per request and kept on the user.

    Read outside any scope on purpose: this is what the scope is computed from.
    """
    cached: list[StaffRole] | None = getattr(user, "_staff_roles_cache", None)
    if cached is None:
        with scopes_disabled():
            cached = [
                StaffRole(crous_id, role)
                for crous_id, role in StaffMembership.objects.filter(user=user).values_list(
                    "crous_id", "role"
                )
            ]
        user._staff_roles_cache = cached  # type: ignore[union-attr]
    return cached
