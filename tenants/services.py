"""Writes on students and tenant files.

Every function is keyword-only, validates, writes in one transaction and records who acted
(``by``) in the history (django-simple-history). Views, API views and admin forms call these;
they never write these models themselves.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from crous_admin.academic_year import academic_year_of
from crous_admin.errors import ApplicationError, ConflictError
from crous_admin.history import record_author
from residences.models import HousingUnit, UnitStatus
from tenants.ine import normalize_ine
from tenants.models import CURRENT_STATUSES, Student, TenantFile, TenantFileStatus

if TYPE_CHECKING:
    from crous_admin.accounts.models import User

STUDENT_FIELDS = (
    "ine",
    "first_name",
    "last_name",
    "email",
    "mobile_phone",
    "is_scholarship_holder",
    "dse_submitted_for",
    "is_campus_france",
)


def unit_require_free(unit: HousingUnit, *, hint: str) -> None:
    """Refuses a unit that is not available or still has a current tenant file."""
    if (
        unit.status != UnitStatus.AVAILABLE
        or TenantFile.objects.filter(unit=unit, status__in=CURRENT_STATUSES).exists()
    ):
        raise ConflictError(
            _("This housing unit is not free: %(hint)s.") % {"hint": hint},
            code="unit_not_free",
            field="unit",
        )


def unit_set_status(*, unit_id: int, status: str, by: User | None, reason: str) -> HousingUnit:
    """Locks the unit row and sets its status, with the reason in its history."""
    unit = HousingUnit.objects.select_for_update(of=("self",)).get(pk=unit_id)
    unit.status = status
    record_author(unit, by, reason)
    unit.save(update_fields=["status"])
    return unit


@transaction.atomic
def student_create(*, by: User | None, crous_id: int, **fields: Any) -> Student:
    student = Student(crous_id=crous_id, **{k: v for k, v in fields.items() if k in STUDENT_FIELDS})
    student.ine = normalize_ine(student.ine)
    # Before full_clean(), whose unique-constraint check would answer with a generic message.
    if Student.objects.filter(crous_id=crous_id, ine=student.ine).exists():
        raise ConflictError(
            _("A student with this INE already exists in this Crous: open their record instead."),
            code="student_exists",
            field="ine",
        )
    student.full_clean()
    record_author(student, by, "student created")
    student.save()
    return student


@transaction.atomic
def student_update(*, by: User | None, student: Student, **fields: Any) -> Student:
    for name, value in fields.items():
        if name in STUDENT_FIELDS:
            setattr(student, name, value)
    student.ine = normalize_ine(student.ine)
    student.full_clean()
    record_author(student, by, "student updated")
    student.save()
    return student


@transaction.atomic
def tenant_file_create(
    *,
    by: User | None,
    student: Student,
    unit: HousingUnit,
    start_date: date,
    end_date: date,
    academic_year: int | None = None,
) -> TenantFile:
    """Assigns ``unit`` to ``student`` for a period: creates the file and occupies the unit.

    The unit row is locked so that two staff members assigning the same free unit at the
    same moment cannot both succeed; the partial unique index on current files is the
    last line of defence.
    """
    unit = (
        HousingUnit.objects.select_for_update(of=("self",))
        .select_related("residence")
        .get(pk=unit.pk)
    )
    if unit.residence.crous_id != student.crous_id:
        raise ApplicationError(
            _("This housing unit belongs to another Crous than the student's record."),
            code="unit_other_crous",
            field="unit",
        )
    if end_date <= start_date:
        raise ApplicationError(
            _("The end date must come after the start date."), code="period", field="end_date"
        )
    unit_require_free(unit, hint=_("choose another unit or end its current file first"))
    tenant_file = TenantFile(
        crous_id=student.crous_id,
        student=student,
        unit=unit,
        academic_year=academic_year if academic_year is not None else academic_year_of(start_date),
        start_date=start_date,
        end_date=end_date,
        status=TenantFileStatus.ASSIGNED,
    )
    tenant_file.full_clean(exclude=["unit", "student", "crous"])
    record_author(tenant_file, by, "tenant file created")
    tenant_file.save()
    unit_set_status(
        unit_id=unit.pk,
        status=UnitStatus.OCCUPIED,
        by=by,
        reason=f"occupied by tenant file {tenant_file.pk}",
    )
    return tenant_file


@transaction.atomic
def tenant_file_end(
    *, by: User | None, tenant_file: TenantFile, reason: str = "", end_date: date | None = None
) -> TenantFile:
    """Ends a current file and frees its unit; ``end_date`` moves its last day (a transfer)."""
    tenant_file = TenantFile.objects.select_for_update(of=("self",)).get(pk=tenant_file.pk)
    if tenant_file.status not in CURRENT_STATUSES:
        raise ConflictError(_("This tenant file has already ended."), code="file_not_current")
    tenant_file.status = TenantFileStatus.ENDED
    if end_date is not None:
        tenant_file.end_date = end_date
    record_author(tenant_file, by, reason or "tenant file ended")
    tenant_file.save(update_fields=["status", "end_date", "updated_at"])
    unit_set_status(
        unit_id=tenant_file.unit_id,
        status=UnitStatus.AVAILABLE,
        by=by,
        reason=f"freed by tenant file {tenant_file.pk}",
    )
    return tenant_file


@transaction.atomic
def tenant_file_extend(
    *, by: User | None, tenant_file: TenantFile, academic_year: int, end_date: date, reason: str
) -> TenantFile:
    """Extends a current file to a later academic year (a renewal): the same file, unit and
    tenant code, a later last day; the change and its reason go to the file's history."""
    tenant_file = TenantFile.objects.select_for_update(of=("self",)).get(pk=tenant_file.pk)
    if tenant_file.status not in CURRENT_STATUSES:
        raise ConflictError(_("This tenant file has already ended."), code="file_not_current")
    if academic_year <= tenant_file.academic_year:
        raise ConflictError(
            _("This tenant file already covers that academic year."), code="file_already_extended"
        )
    if end_date <= tenant_file.end_date:
        raise ApplicationError(
            _("The new end date must come after the current one."), code="period", field="end_date"
        )
    tenant_file.academic_year = academic_year
    tenant_file.end_date = end_date
    record_author(tenant_file, by, reason)
    tenant_file.save(update_fields=["academic_year", "end_date", "updated_at"])
    return tenant_file
