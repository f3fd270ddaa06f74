"""Reads of the student pages' housing section (also the API's ``/me/`` endpoints)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from residences.models import Crous
from tenants.models import TenantFile

if TYPE_CHECKING:
    from crous_admin.accounts.models import User


def tenant_files_of_student(*, user: User) -> QuerySet[TenantFile]:
    """The tenant files linked to ``user``'s account, newest first.

    Filters on the account explicitly: the request's scope narrows rows to the Crous that
    hold a record of this student, where every other student's files live too. Residence,
    unit and Crous come in the same query, so the page costs one query however many files.
    """
    return (
        TenantFile.objects.filter(linked_user=user)
        .select_related("crous", "unit__residence")
        .order_by("-academic_year", "-start_date", "-id")
    )


def crous_to_contact_about_a_code(*, user: User) -> list[Crous]:
    """The Crous a student may write to about a code that was refused (expired, used…).

    Those holding a file linked to the account or sent to its email address (ended ones
    too: "this file has ended" is a question for its Crous); the code the student typed
    most likely came from one of them. Empty when none is known; the page then
    says how to reach one's Crous in general. Crous are public (the catalogue): a student's
    scope reads them all, and only their contact address is shown.
    """
    return list(
        Crous.objects.filter(
            Q(tenant_files__linked_user=user) | Q(tenant_files__student__email__iexact=user.email)
        )
        .distinct()
        .order_by("name")
        .only("id", "name", "contact_email")
    )
