"""Who may transfer a tenant file to another Crous (the back-office and the API ask the same).

A transfer ends a file in one Crous and opens one in another: the person doing it must be
allowed to write tenant files in *both*, through roles held there (or the national role).
Everything else about tenant files needs the verb in the file's own Crous only, which the
admin (``ScopedModelAdmin``) and the API (``CrousModelPermissions``) already check.
"""

from __future__ import annotations

from typing import Any

from crous_admin.api.permissions import user_has_perms_in_crous
from crous_admin.scoping import scope_for

TRANSFER_PERMS = ("tenants.add_tenantfile", "tenants.change_tenantfile")


def may_transfer_from(user: Any, crous_id: int) -> bool:
    """Whether ``user`` could transfer a file of ``crous_id`` to some other Crous: the
    transfer is offered only then."""
    if not user_has_perms_in_crous(user, TRANSFER_PERMS, crous_id):
        return False
    visible = scope_for(user).crous
    if visible is None:  # national: every Crous
        return True
    return any(
        user_has_perms_in_crous(user, TRANSFER_PERMS, other)
        for other in visible
        if other != crous_id
    )


def may_transfer_between(user: Any, source_crous_id: int, target_crous_id: int) -> bool:
    return user_has_perms_in_crous(
        user, TRANSFER_PERMS, source_crous_id
    ) and user_has_perms_in_crous(user, TRANSFER_PERMS, target_crous_id)
