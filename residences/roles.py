"""Staff roles and the model permissions each one grants.

Roles give verbs; the per-Crous scope gives rows. A permission listed here applies only
inside the Crous where the person holds the role (``crous_admin/scoping.py``). Later issues add
their models' permissions to these sets.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
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
    _perms("tenants.ledgerentry", "view")
    | _perms("tenants.occupancyagreement", "view")
    | _perms("tenants.verifiabledocument", "view")
    | _perms("tenants.onlinepayment", "view")
    | _perms("tenants.agreementtemplate", "view")
)
_TENANT_SPACE_WRITE = (
    _TENANT_SPACE_READ
    | _perms("tenants.ledgerentry", "add")
    | _perms("tenants.agreementtemplate", "add", "change")
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
