"""Staff roles, the model permissions each one grants, and who holds which role where.

Roles give verbs; the per-Crous scope gives rows. A permission listed here applies only
inside the Crous where the person holds the role (``crous_admin/scoping.py``). Each app adds
its models' permissions to these sets: they are names, so this module imports no app.

Who holds which role in which Crous is data of the ``residences`` app (``StaffMembership``):
the ground reads it through ``settings.CROUS_STAFF_ROLES_READER``, a dotted path to a
function ``(*, user) -> Iterable[(crous_id | None, role)]``, so that it never imports a
domain app (docs/adr/0015-crous-roles-and-scoping-in-the-ground.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HOUSING_OFFICER = "housing_officer", _("Housing officer")
    ASSISTANCE_AGENT = "assistance_agent", _("Assistance agent")
    CROUS_ADMIN = "crous_admin", _("Crous administrator")
    NATIONAL_ADMIN = "national_admin", _("National administrator")


def _perms(app_model: str, *verbs: str) -> set[str]:
    app, model = app_model.split(".")
    return {f"{app}.{verb}_{model}" for verb in verbs}


_CATALOG_READ = (
    _perms("residences.crous", "view")
    | _perms("residences.residence", "view")
    | _perms("residences.housingunit", "view")
)
_TENANTS_READ = _perms("tenants.student", "view") | _perms("tenants.tenantfile", "view")
# Every role reads its Crous' outbox (with each message's delivery attempts, shown inline);
# "change" is the Crous administrator's "retry now" on failed messages.
_OUTBOX_READ = _perms("notifications.message", "view")
# The tenant space (docs/tenant-space.md): every role reads ledgers, agreements (who signed
# what, when), documents and online payments; officers and administrators record payments
# made by other means ("add" ledger entry) and edit their Crous' agreement template.
_TENANT_SPACE_READ = (
    _perms("tenancy.ledgerentry", "view")
    | _perms("tenancy.occupancyagreement", "view")
    | _perms("tenancy.verifiabledocument", "view")
    | _perms("tenancy.onlinepayment", "view")
    | _perms("tenancy.agreementtemplate", "view")
)
_TENANT_SPACE_WRITE = (
    _TENANT_SPACE_READ
    | _perms("tenancy.ledgerentry", "add")
    | _perms("tenancy.agreementtemplate", "add", "change")
)
# Assistance: housing officers read their Crous' tickets; assistance agents work the queue
# (answer, assign, act on the tenant file from a ticket); Crous administrators too, and they
# keep the canned replies. ``act_on_tenant_file`` lets a ticket's one-click actions call the
# tenant-code services without the broader right to edit tenant files.
_ASSISTANCE_READ = _perms("assistance.ticket", "view") | _perms("assistance.cannedreply", "view")
_ASSISTANCE_WORK = (
    _ASSISTANCE_READ
    | _perms("assistance.ticket", "change")
    | {"assistance.act_on_tenant_file", "assistance.view_dashboard"}
)
# Renewals: every role reads its Crous' windows and requests; housing officers and Crous
# administrators set the windows and decide the requests ("change" is the decision).
_RENEWALS_READ = _perms("renewals.renewalwindow", "view") | _perms(
    "renewals.renewalrequest", "view"
)
_RENEWALS_WRITE = (
    _perms("renewals.renewalwindow", "view", "add", "change")
    | _perms("renewals.renewalrequest", "view", "change")
    | _perms("renewals.reminderpreference", "view", "change")
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HOUSING_OFFICER: frozenset(
        _CATALOG_READ
        | _perms("residences.residence", "add", "change")
        | _perms("residences.housingunit", "add", "change")
        | _perms("tenants.student", "view", "add", "change")
        | _perms("tenants.tenantfile", "view", "add", "change")
        | _OUTBOX_READ
        | _TENANT_SPACE_WRITE
        | _ASSISTANCE_READ
        | _RENEWALS_WRITE
    ),
    Role.ASSISTANCE_AGENT: frozenset(
        _CATALOG_READ
        | _TENANTS_READ
        | _OUTBOX_READ
        | _TENANT_SPACE_READ
        | _ASSISTANCE_WORK
        | _RENEWALS_READ
    ),
    Role.CROUS_ADMIN: frozenset(
        _CATALOG_READ
        | _perms("residences.crous", "change")
        | _perms("residences.residence", "add", "change", "delete")
        | _perms("residences.housingunit", "add", "change", "delete")
        | _perms("residences.staffmembership", "view", "add", "change", "delete")
        # Staff invitations by email (residences/staff_invitations/).
        | _perms("residences.staffinvitation", "view", "add")
        | _perms("tenants.student", "view", "add", "change")
        | _perms("tenants.tenantfile", "view", "add", "change")
        | _perms("notifications.message", "view", "change")
        | _TENANT_SPACE_WRITE
        | _ASSISTANCE_WORK
        | _perms("assistance.cannedreply", "add", "change", "delete")
        | _RENEWALS_WRITE
    ),
}
ROLE_PERMISSIONS[Role.NATIONAL_ADMIN] = frozenset(
    set().union(*ROLE_PERMISSIONS.values()) | _perms("residences.crous", "add")
)


def permissions_for_roles(roles: Iterable[str]) -> set[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return granted


class StaffRole(NamedTuple):
    crous_id: int | None  # None: a national role
    role: str


def staff_roles_of(*, user: Any) -> list[StaffRole]:
    """The (Crous, role) pairs a user holds, read once per request and kept on the user.

    Read outside any scope on purpose: this is what the scope is computed from.
    """
    cached: list[StaffRole] | None = getattr(user, "_staff_roles_cache", None)
    if cached is None:
        read = setting_reader("CROUS_STAFF_ROLES_READER")
        cached = [StaffRole(crous_id, role) for crous_id, role in read(user=user)]
        user._staff_roles_cache = cached
    return cached


def _role_permissions(user: Any, *, crous_id: int | None = None, anywhere: bool) -> set[str]:
    roles = staff_roles_of(user=user)  # loaded once per request
    return permissions_for_roles(
        r.role for r in roles if anywhere or r.crous_id is None or r.crous_id == crous_id
    )


def user_has_perms(user: Any, perms: Iterable[str]) -> bool:
    """``user.has_perms`` asking the Crous roles first.

    Roles are already loaded with the caller's scope; Django's ``ModelBackend`` (direct user
    and group permissions) costs two queries and is only asked when the roles say no.
    """
    perms = set(perms)
    if not user.is_active:
        return False
    if perms <= _role_permissions(user, anywhere=True):
        return True
    return user.has_perms(perms)


def user_has_perms_in_crous(user: Any, perms: Iterable[str], crous_id: int | None) -> bool:
    """Whether roles held in ``crous_id`` (or the national role) grant every one of ``perms``."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return set(perms) <= _role_permissions(user, crous_id=crous_id, anywhere=False)


def setting_reader(name: str) -> Callable[..., Any]:
    """The function a setting names by dotted path: how the domain apps hand the ground the
    facts it needs (a user's roles, a student's Crous) without being imported by it."""
    path = getattr(settings, name, None)
    if not path:
        raise ImproperlyConfigured(f"settings.{name} must name a function (a dotted path).")
    return _import(path)


@cache
def _import(path: str) -> Callable[..., Any]:
    return import_string(path)
