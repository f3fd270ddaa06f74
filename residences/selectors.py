"""Reads of Crous, residences, units and staff memberships."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django_scopes import scopes_disabled

from residences.models import Crous, HousingUnit, Residence, StaffMembership, UnitStatus

if TYPE_CHECKING:
    from crous_admin.accounts.models import User


def staff_memberships_of(*, user: User) -> list[tuple[int | None, str]]:
    """(Crous id, role) of every staff membership of ``user``: the facts the ground's
    ``crous_admin.accounts.roles.staff_roles_of`` reads (``settings.CROUS_STAFF_ROLES_READER``).

    Read outside any scope on purpose: this is what the scope is computed from.
    """
    with scopes_disabled():
        return list(staff_memberships_query(user=user))


def staff_memberships_query(*, user: User) -> QuerySet[StaffMembership, tuple[int | None, str]]:
    """The (Crous id, role) rows of ``user``'s memberships, unevaluated and unordered (for a
    UNION: ``tenants.selectors.crous_facts_of``). Build it outside any scope."""
    return StaffMembership.objects.filter(user=user).order_by().values_list("crous_id", "role")


# --- The public catalogue -----------------------------------------------------------------
# These read through the scoped managers: call them inside the viewer's scope (a request, or
# ``crous_scope(user)``); staff get their Crous, everybody else the whole catalogue.


def crous_for_list() -> QuerySet[Crous]:
    return Crous.objects.all()


def residences_for_list() -> QuerySet[Residence]:
    """Residences with their Crous (shown with each one)."""
    return Residence.objects.select_related("crous")


def residence_search_q(term: str) -> Q:
    """What a free-text search on residences matches: name, city or code."""
    term = term.strip()
    return Q(name__icontains=term) | Q(city__icontains=term) | Q(code__icontains=term)


# What a summary of a residence or a Crous shows (crous_admin/api serializers): loading only
# these keeps the other columns (addresses, per-Crous settings, time zones) off every row.
RESIDENCE_SUMMARY_FIELDS = ("id", "code", "name", "city", "crous_id")
CROUS_SUMMARY_FIELDS = ("id", "code", "name")


def housing_units_for_list() -> QuerySet[HousingUnit]:
    """Units with their residence and Crous, in one query."""
    return HousingUnit.objects.select_related("residence__crous").only(
        *(f.name for f in HousingUnit._meta.concrete_fields),
        *(f"residence__{name}" for name in RESIDENCE_SUMMARY_FIELDS),
        *(f"residence__crous__{name}" for name in CROUS_SUMMARY_FIELDS),
    )


def housing_units_available(
    queryset: QuerySet[HousingUnit], available: bool
) -> QuerySet[HousingUnit]:
    """Units that can be assigned now (``available``), or those that cannot."""
    if available:
        return queryset.filter(status=UnitStatus.AVAILABLE)
    return queryset.exclude(status=UnitStatus.AVAILABLE)
