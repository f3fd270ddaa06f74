"""Per-Crous scoping: the one mechanism that keeps each Crous' data to its own staff.

Models declare which Crous a row belongs to with django-scopes' ``ScopedManager``, on one of
two dimensions:

``crous``
    private data (students, tenant files, staff memberships, and later tickets, renewal
    requests, messages…): staff see the Crous they belong to, a student the Crous that hold
    a tenant file linked to their account, anybody else nothing.
``catalog_crous``
    the public catalogue (Crous, residences, housing units): staff see and edit their own
    Crous only, everybody else may read the whole catalogue.

``scope_for(user)`` decides both from the user's staff roles and, for a student, the Crous
holding their tenant files; both facts belong to domain apps, which hand them over through
``settings.CROUS_STAFF_ROLES_READER`` and ``settings.CROUS_STUDENT_CROUS_READER`` (dotted
paths), so this module imports no domain app; ``settings.CROUS_SCOPE_FACTS_READER`` reads
both at once (one query per logged-in request instead of two for a student). The
back-office and the student pages get the scope from ``CrousScopeMiddleware``, the API
from ``CrousScopedAPIMixin`` (after DRF has authenticated a token). Querying a scoped
model outside any scope raises ``ScopeError``: management commands, Celery tasks and
fixtures state ``scopes_disabled()`` explicitly. See docs/adr/0002-per-crous-scoping.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_scopes import scope

from crous_admin.accounts.roles import Role, StaffRole, setting_reader, staff_roles_of

if TYPE_CHECKING:
    from crous_admin.accounts.models import User

ALL = None  # django-scopes reads None as "no filter on this dimension"


@dataclass(frozen=True)
class CrousScope:
    """Which Crous' rows a viewer may reach; ``None`` means all of them."""

    crous: tuple[int, ...] | None
    catalog_crous: tuple[int, ...] | None
    is_staff: bool

    def as_kwargs(self) -> dict[str, list[int] | None]:
        # Lists, never None for "nothing": django-scopes filters ``__in=[]`` to no rows.
        return {
            "crous": None if self.crous is None else list(self.crous),
            "catalog_crous": None if self.catalog_crous is None else list(self.catalog_crous),
        }

    @property
    def is_national(self) -> bool:
        return self.is_staff and self.crous is None


ANONYMOUS = CrousScope(crous=(), catalog_crous=ALL, is_staff=False)
NATIONAL = CrousScope(crous=ALL, catalog_crous=ALL, is_staff=True)


def scope_for(user: Any) -> CrousScope:
    """The scope of one viewer, computed once per request (kept on the user object)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached: CrousScope | None = getattr(user, "_crous_scope_cache", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        result = NATIONAL
    else:
        student_crous_ids = _read_facts_at_once(user)
        roles = staff_roles_of(user=user)
        if any(r.role == Role.NATIONAL_ADMIN for r in roles):
            result = NATIONAL
        elif roles:
            ids = tuple(sorted({r.crous_id for r in roles if r.crous_id is not None}))
            result = CrousScope(crous=ids, catalog_crous=ids, is_staff=True)
        else:
            if student_crous_ids is None:
                student_crous_ids = _student_crous_ids(user)
            result = CrousScope(crous=student_crous_ids, catalog_crous=ALL, is_staff=False)
    user._crous_scope_cache = result
    return result


def _read_facts_at_once(user: User) -> tuple[int, ...] | None:
    """Reads the user's roles and a student's Crous in one query where
    ``settings.CROUS_SCOPE_FACTS_READER`` names a reader of both (the roles are kept where
    ``staff_roles_of`` finds them); None when the roles were already read, or no such reader
    is set, and the two readers are asked one after the other."""
    if getattr(user, "_staff_roles_cache", None) is not None:
        return None
    if not getattr(settings, "CROUS_SCOPE_FACTS_READER", None):
        return None
    roles, crous_ids = setting_reader("CROUS_SCOPE_FACTS_READER")(user=user)
    user._staff_roles_cache = [  # type: ignore[attr-defined]
        StaffRole(crous_id, role) for crous_id, role in roles
    ]
    return tuple(crous_ids)


def _student_crous_ids(user: User) -> tuple[int, ...]:
    read = setting_reader("CROUS_STUDENT_CROUS_READER")
    return tuple(read(user=user))


def crous_scope(user: User | Any) -> Any:
    """Context manager opening ``user``'s scope, for code outside a request (tests, shell)."""
    return scope(**scope_for(user).as_kwargs())


class CrousScopeMiddleware:
    """Opens the session user's scope around the whole request (back-office, student pages).

    Token-authenticated API calls are anonymous here; ``CrousScopedAPIMixin`` opens their
    scope once DRF has authenticated them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with crous_scope(request.user):
            return self.get_response(request)
