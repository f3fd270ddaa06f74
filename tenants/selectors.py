"""Reads of students and tenant files.

These read through the scoped managers: call them inside the viewer's scope (a request, or
``crous_scope(user)``); staff get the rows of their Crous only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django_scopes import scopes_disabled

from residences.models import Crous
from residences.selectors import (
    CROUS_SUMMARY_FIELDS,
    RESIDENCE_SUMMARY_FIELDS,
    staff_memberships_query,
)
from tenants.ine import normalize_ine
from tenants.models import CodeEntryGuard, Student, TenantFile

if TYPE_CHECKING:
    from crous_admin.accounts.models import User


def crous_ids_of_student(*, user: User) -> tuple[int, ...]:
    """The Crous holding a tenant file linked to ``user``'s account: the facts the ground's
    scoping reads for a student (``settings.CROUS_STUDENT_CROUS_READER``).

    Read outside any scope on purpose: this is what the scope is computed from.
    """
    with scopes_disabled():
        ids = (
            TenantFile.objects.filter(linked_user=user)
            .order_by()  # the default ordering would make DISTINCT keep one row per file
            .values_list("crous_id", flat=True)
            .distinct()
        )
        return tuple(sorted(ids))


STUDENT_ROW = ""  # the role column of a tenant file's row in ``crous_facts_of``'s UNION


def crous_facts_of(*, user: User) -> tuple[list[tuple[int | None, str]], tuple[int, ...]]:
    """Both facts the per-Crous scope is computed from, in one query (a UNION ALL): the
    (Crous id, role) pairs of ``user``'s staff memberships, and the Crous holding a tenant
    file linked to the account (``settings.CROUS_SCOPE_FACTS_READER``). Every logged-in
    page resolves its scope from these: one round trip instead of two for a student.

    Read outside any scope on purpose: this is what the scope is computed from.
    """
    with scopes_disabled():
        files = (
            TenantFile.objects.filter(linked_user=user)
            .order_by()
            .values_list("crous_id", Value(STUDENT_ROW, output_field=CharField()))
        )
        rows: list[tuple[int | None, str]] = list(
            staff_memberships_query(user=user).union(files, all=True)
        )
    roles = [(crous_id, role) for crous_id, role in rows if role != STUDENT_ROW]
    crous_ids = tuple(
        sorted({crous_id for crous_id, role in rows if role == STUDENT_ROW and crous_id})
    )
    return roles, crous_ids


def students_for_list() -> QuerySet[Student]:
    """Students with their Crous, and whether an account is linked to one of their files."""
    return Student.objects.select_related("crous").annotate(has_account=student_has_account())


def student_has_account() -> Exists:
    """Annotation (``has_account``): a tenant file of the student is linked to an account."""
    return Exists(TenantFile.objects.filter(student=OuterRef("pk"), linked_user__isnull=False))


def student_has_linked_account(student: Student) -> bool:
    """Whether an account is linked to one of the student's files: the ``has_account``
    annotation when the row came from a list, one query otherwise (a single record)."""
    annotated: bool | None = getattr(student, "has_account", None)
    if annotated is not None:
        return annotated
    return student.tenant_files.filter(linked_user__isnull=False).exists()


def student_search_q(term: str, *, prefix: str = "") -> Q:
    """What a search box finds: the INE typed any way (spaces, dashes, lower case) or a part
    of the last or first name. ``prefix`` reaches a student from another model
    (``"student__"`` from a tenant file)."""
    term = term.strip()
    return (
        Q(**{f"{prefix}ine": normalize_ine(term)})
        | Q(**{f"{prefix}last_name__icontains": term})
        | Q(**{f"{prefix}first_name__icontains": term})
    )


def tenant_files_for_list() -> QuerySet[TenantFile]:
    """Tenant files with everything a list shows (Crous, student, unit and residence), in one
    query whatever the page size."""
    return TenantFile.objects.select_related("crous", "student", "unit__residence").only(
        *(f.name for f in TenantFile._meta.concrete_fields),
        *(f"crous__{name}" for name in CROUS_SUMMARY_FIELDS),
        # Not the phone number: parsing it costs more than the rest of a row.
        *(f"student__{name}" for name in ("id", "ine", "first_name", "last_name")),
        "unit__id",
        "unit__number",
        "unit__residence_id",
        *(f"unit__residence__{name}" for name in RESIDENCE_SUMMARY_FIELDS),
    )


def tenant_file_code_guard(*, tenant_file_id: int) -> CodeEntryGuard | None:
    """The wrong-code counter of one tenant file (``file:<id>``), if codes were typed wrong."""
    return CodeEntryGuard.objects.filter(key=CodeEntryGuard.file_key(tenant_file_id)).first()


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
