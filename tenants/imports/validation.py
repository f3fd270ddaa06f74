"""The checks across an import's lines and against the database, a few queries per 1,000."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext as _

from residences.models import HousingUnit, Residence, UnitStatus
from tenants.imports.report import ImportReport, Row, RowError
from tenants.models import CURRENT_STATUSES, Student, TenantFile

if TYPE_CHECKING:
    from residences.models import Crous


# Lines per lookup query (INEs in one ``IN (...)``) and per write batch: large enough that
# a 50,000-line file costs a few hundred statements, small enough for every database's
# parameter limit and for a progress bar that moves.
LOOKUP_BATCH = 1000
T = TypeVar("T")


def check_in_file_duplicates(rows: list[Row], report: ImportReport) -> None:
    by_ine: dict[str, list[int]] = defaultdict(list)
    by_unit: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in rows:
        if row.ine:
            by_ine[row.ine].append(row.line)
        if row.residence_code and row.unit_number:
            by_unit[(row.residence_code.lower(), row.unit_number.upper())].append(row.line)
    for ine, lines in by_ine.items():
        for line in lines if len(lines) > 1 else ():
            report.errors.append(
                RowError(
                    line,
                    "ine",
                    _(
                        "INE %(ine)s is also on line %(others)s: a student is assigned one "
                        "unit per file; keep one of these lines."
                    )
                    % {"ine": ine, "others": _other_lines(lines, line)},
                )
            )
    for (residence, unit), lines in by_unit.items():
        for line in lines if len(lines) > 1 else ():
            report.errors.append(
                RowError(
                    line,
                    "unit",
                    _(
                        "Unit %(unit)s of residence %(residence)s is also on line %(others)s: "
                        "a unit is assigned to one student; keep one of these lines."
                    )
                    % {"unit": unit, "residence": residence, "others": _other_lines(lines, line)},
                )
            )


def _other_lines(lines: list[int], line: int) -> str:
    return ", ".join(str(n) for n in lines if n != line)


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check_against_database(rows: list[Row], *, crous: Crous, report: ImportReport) -> None:
    """Residences and units of *this* Crous, units free, students known or already housed.

    Read through the caller's per-Crous scope *and* filtered on ``crous``: a unit of another
    Crous is "not found in this Crous", whoever runs the import.
    """
    codes = {row.residence_code.lower() for row in rows if row.residence_code}
    # Query 1: the residences named in the file.
    residences = {
        residence.code.lower(): residence
        for residence in Residence.objects.filter(crous=crous, code__in=_spellings(codes))
    }
    if len(residences) < len(codes):
        # Codes are slugs, usually lower-case; a file may shout them. Rare: one more query.
        residences.update(
            (residence.code.lower(), residence)
            for residence in Residence.objects.filter(crous=crous)
            if residence.code.lower() in codes
        )
    # Query 2: their units, each with whether a current tenant file holds it.
    units_exact: dict[tuple[int, str], HousingUnit] = {}
    units_folded: dict[tuple[int, str], HousingUnit] = {}
    if residences:
        current = TenantFile.objects.filter(unit=OuterRef("pk"), status__in=CURRENT_STATUSES)
        by_pk = {residence.pk: residence for residence in residences.values()}
        for unit in (
            HousingUnit.objects.filter(residence__in=list(by_pk))
            # What the checks and the code email read; the history is copied by the database.
            .only("number", "status", "residence")
            .annotate(has_current_file=Exists(current))
            .order_by()
        ):
            unit.residence = by_pk[unit.residence_id]  # one instance per residence, not per unit
            units_exact[(unit.residence_id, unit.number)] = unit
            units_folded.setdefault((unit.residence_id, unit.number.upper()), unit)
    # Queries 3…: the students this Crous already knows, with a current file if any.
    known = _known_students(crous, [row.ine for row in rows if row.ine])

    for row in rows:
        _check_unit(row, residences, units_exact, units_folded, crous=crous, report=report)
        student = known.get(row.ine) if row.ine else None
        if student is None:
            continue
        if student.current_file_id is not None:
            report.errors.append(
                RowError(
                    row.line,
                    "ine",
                    _(
                        "The student with INE %(ine)s already has a current tenant file in this "
                        "Crous (file %(file)s): end it, or change its unit in the back-office, "
                        "instead of importing a new assignment."
                    )
                    % {"ine": row.ine, "file": student.current_file_id},
                )
            )
            continue
        row.student = student
        if row.email and row.email != student.email.lower():
            report.notices.append(
                RowError(
                    row.line,
                    "email",
                    _(
                        "The student with INE %(ine)s is already known with the email address "
                        "%(known)s: the record is kept and the code is sent there, not to "
                        "%(file)s. Update the student's record first if the file is right."
                    )
                    % {"ine": row.ine, "known": student.email, "file": row.email},
                )
            )


def _spellings(codes: set[str]) -> list[str]:
    return sorted(codes | {code.upper() for code in codes})


def _check_unit(
    row: Row,
    residences: dict[str, Residence],
    units_exact: dict[tuple[int, str], HousingUnit],
    units_folded: dict[tuple[int, str], HousingUnit],
    *,
    crous: Crous,
    report: ImportReport,
) -> None:
    if not (row.residence_code and row.unit_number):
        return
    residence = residences.get(row.residence_code.lower())
    if residence is None:
        report.errors.append(
            RowError(
                row.line,
                "residence",
                _(
                    "Residence “%(code)s” is not found in this Crous (%(crous)s): use the "
                    "residence code shown in the back-office's list of residences."
                )
                % {"code": row.residence_code, "crous": crous.name},
            )
        )
        return
    unit = units_exact.get((residence.pk, row.unit_number)) or units_folded.get(
        (residence.pk, row.unit_number.upper())
    )
    if unit is None:
        report.errors.append(
            RowError(
                row.line,
                "unit",
                _(
                    "Unit “%(unit)s” is not found in residence %(residence)s of this Crous: "
                    "check the unit number."
                )
                % {"unit": row.unit_number, "residence": residence.code},
            )
        )
        return
    if unit.has_current_file:
        report.errors.append(
            RowError(
                row.line,
                "unit",
                _(
                    "Unit %(unit)s of residence %(residence)s already has a current tenant "
                    "file: choose another unit, or end that file first."
                )
                % {"unit": unit.number, "residence": residence.code},
            )
        )
        return
    if unit.status != UnitStatus.AVAILABLE:
        report.errors.append(
            RowError(
                row.line,
                "unit",
                _(
                    "Unit %(unit)s of residence %(residence)s is not free (%(status)s): choose "
                    "another unit."
                )
                % {
                    "unit": unit.number,
                    "residence": residence.code,
                    "status": unit.get_status_display(),
                },
            )
        )
        return
    row.unit = unit


def _known_students(crous: Crous, ines: list[str]) -> dict[str, Any]:
    current = TenantFile.objects.filter(student=OuterRef("pk"), status__in=CURRENT_STATUSES)
    known: dict[str, Any] = {}
    for chunk in chunks(sorted(set(ines)), LOOKUP_BATCH):
        known.update(
            (student.ine, student)
            for student in Student.objects.filter(crous=crous, ine__in=chunk)
            .annotate(current_file_id=Subquery(current.values("pk")[:1]))
            .order_by()
        )
    return known
