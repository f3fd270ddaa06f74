"""Bulk import of an allocation result: one CSV line per student assigned a housing unit.

``assignments_import`` reads the file, checks every line and, only when every line is good,
creates the students it does not know yet, the tenant files with their codes, occupies the
units, writes the audit trail and queues the code emails — all in one transaction. A dry
run stops after the checks and reports what the import would do. The file's format and the
error messages are described in docs/imports.md.

Cost: the checks read the database a fixed number of times per 1,000 lines (the residences,
their units with a "has a current file" flag, the students already known with their
current file); the writes are bulk statements per batch of ``WRITE_BATCH`` lines, the
history rows copied by the database (``_history_rows``). Nothing is read or written per
line. Figures: docs/benchmarks.md (``python -m bench.import_assignments``).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber, to_python

from crous_admin.academic_year import academic_year_of
from crous_admin.api.permissions import user_has_perms_in_crous
from crous_admin.errors import ApplicationError, ConflictError
from residences.models import HousingUnit, Residence, UnitStatus
from tenants.code_services import IssuedCode, tenant_codes_queue_emails
from tenants.codes import code_generate, code_hmac
from tenants.ine import normalize_ine, validate_ine
from tenants.models import (
    CURRENT_STATUSES,
    CodeDelivery,
    Student,
    TenantFile,
    TenantFileStatus,
)

if TYPE_CHECKING:
    from crous_admin.accounts.models import User
    from residences.models import Crous

REQUIRED_COLUMNS = (
    "ine",
    "last_name",
    "first_name",
    "email",
    "residence",
    "unit",
    "start_date",
    "end_date",
)
OPTIONAL_COLUMNS = ("mobile_phone", "campus_france", "hand_over")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_ROWS = 100_000
# Lines per lookup query (INEs in one ``IN (...)``) and per write batch: large enough that
# a 50,000-line file costs a few hundred statements, small enough for every database's
# parameter limit and for a progress bar that moves.
LOOKUP_BATCH = 1000
WRITE_BATCH = 2000
IMPORT_PERMISSION = "tenants.add_tenantfile"
# A fresh code colliding with a live one is a one-in-10^10 event per code: draw again.
_CODE_ATTEMPTS = 3

_TRUE = frozenset({"oui", "o", "yes", "y", "1", "true", "vrai", "x"})
_FALSE = frozenset({"non", "n", "no", "0", "false", "faux", ""})
_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_SPACES = re.compile(r"\s+")
_UTF8_BOM_READ_AS_CP1252 = "ï»¿"
# Overseas departments dialled like mainland numbers (trunk prefix 0, ten digits).
_OVERSEAS_REGIONS = ("RE", "GP", "MQ", "GF", "YT", "PM")
_PHONE_SEPARATORS = re.compile(r"[\s.\-]")
_FRENCH_NUMBER = re.compile(r"^(?:0|\+33|0033)([1-9]\d{8})$")

_validate_email = EmailValidator()

#: ``progress(stage, done, total)``: stage is "validate" or "import"; called every batch.
Progress = Callable[[str, int, int], None]

T = TypeVar("T")


class RowError(NamedTuple):
    """One problem: the file's line number (the header is line 1), the column, the message."""

    line: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What the import found and did (or, in a dry run, would do).

    ``errors`` lists every problem of every bad line; the import wrote nothing when there
    is any. ``notices`` are not errors (e.g. a known student whose record keeps another
    email address than the file's).
    """

    crous_code: str
    dry_run: bool
    source_name: str = ""
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    notices: list[RowError] = field(default_factory=list)
    students_created: int = 0
    students_reused: int = 0
    files_created: int = 0
    emails_queued: int = 0
    codes_to_hand_over: int = 0
    imported: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> int:
        return len({error.line for error in self.errors})

    def counts(self) -> list[tuple[str, int]]:
        """(label, number) pairs for screens and the command's output."""
        return [
            (_("lines read"), self.rows),
            (_("students created"), self.students_created),
            (_("students already known (record kept)"), self.students_reused),
            (_("tenant files created"), self.files_created),
            (_("code emails queued"), self.emails_queued),
            (_("codes to hand over at the residence"), self.codes_to_hand_over),
        ]


@dataclass(slots=True)
class _Row:
    line: int
    ine: str = ""
    last_name: str = ""
    first_name: str = ""
    email: str = ""
    mobile_phone: PhoneNumber | None = None
    campus_france: bool = False
    hand_over: bool = False
    residence_code: str = ""
    unit_number: str = ""
    start_date: date | None = None
    end_date: date | None = None
    unit: HousingUnit | None = None
    student: Student | None = None


# --- The service -----------------------------------------------------------------------------


def assignments_import(
    *,
    crous: Crous,
    by: User | None,
    data: bytes,
    dry_run: bool = False,
    source_name: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Checks an allocation-result CSV for ``crous`` and, unless ``dry_run``, imports it.

    All or nothing: when any line is bad, the report lists every problem and nothing is
    written. Every line must designate a unit of ``crous`` (looked up in ``crous`` only, and
    through the caller's per-Crous scope). ``by`` (None for a system import) is the history's
    author and must hold ``tenants.add_tenantfile`` in ``crous``. Raises ``ApplicationError``
    when ``by`` may not import there, and ``ConflictError`` when a unit or student changed
    between the checks and the writes (nothing is written then either).
    """
    if by is not None and not user_has_perms_in_crous(by, [IMPORT_PERMISSION], crous.pk):
        raise ApplicationError(
            _(
                "You may not assign housing units in %(crous)s: ask a Crous administrator "
                "for the housing officer role there."
            )
            % {"crous": crous.name},
            code="forbidden",
            status=403,
        )
    report = ImportReport(crous_code=crous.code, dry_run=dry_run, source_name=source_name)
    rows = _parse(data, report=report, progress=progress)
    if rows:
        _check_in_file_duplicates(rows, report)
        _check_against_database(rows, crous=crous, report=report)
    report.errors.sort(key=lambda e: (e.line, _column_rank(e.column)))
    report.notices.sort(key=lambda e: e.line)
    if report.errors or not rows:
        return report
    report.files_created = len(rows)
    report.students_created = sum(1 for row in rows if row.student is None)
    report.students_reused = len(rows) - report.students_created
    report.codes_to_hand_over = sum(1 for row in rows if row.hand_over)
    report.emails_queued = len(rows) - report.codes_to_hand_over
    if dry_run:
        return report
    try:
        with transaction.atomic():
            _write(rows, crous=crous, by=by, source_name=source_name, progress=progress)
    except IntegrityError as exc:
        raise ConflictError(
            _(
                "Another change to the same students or housing units was saved while the "
                "file was being imported: nothing was imported. Run the import again to see "
                "an up-to-date report."
            ),
            code="import_conflict",
        ) from exc
    report.imported = True
    return report


# --- Reading the file ------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with: UTF-8 (with or without BOM), else
    Windows-1252 (Excel's "CSV" on a French Windows), else Latin-1 (reads any byte)."""
    for encoding, label in (("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            return data.decode(encoding), label
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "Latin-1"  # reads any byte


def _sniff_delimiter(text: str) -> str:
    """``;`` (French Excel), ``,`` or tab: whichever the header line holds most of."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header_name(raw: str) -> str:
    name = raw.strip().removeprefix("\ufeff").removeprefix(_UTF8_BOM_READ_AS_CP1252)
    return _SPACES.sub("_", name.strip().lower()).replace("-", "_")


def _column_rank(column: str) -> int:
    return COLUMNS.index(column) if column in COLUMNS else -1


def _parse(data: bytes, *, report: ImportReport, progress: Progress | None) -> list[_Row]:
    text, report.encoding = _decode(data)
    if not text.strip():
        report.errors.append(
            RowError(1, "", _("The file is empty: export the allocation result again."))
        )
        return []
    report.delimiter = _sniff_delimiter(text)
    expected_total = max(text.count("\n"), 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=report.delimiter)
    header = [_header_name(name) for name in next(reader)]
    while header and not header[-1]:
        header.pop()  # trailing empty cells of the header line
    if not _header_is_usable(header, report):
        return []
    rows: list[_Row] = []
    previous_end = reader.line_num
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.errors.append(
                RowError(
                    previous_end + 1,
                    "",
                    _("This line cannot be read (%(reason)s): save the file as CSV again.")
                    % {"reason": exc},
                )
            )
            break
        line, previous_end = previous_end + 1, reader.line_num
        if not any(value.strip() for value in fields):
            continue  # blank lines, often at the end of an Excel export
        report.rows += 1
        if report.rows > MAX_ROWS:
            report.errors.append(
                RowError(
                    line,
                    "",
                    _("The file has more than %(max)s lines: split it into several files.")
                    % {"max": f"{MAX_ROWS:,}"},
                )
            )
            break
        if len(fields) > len(header) and not any(v.strip() for v in fields[len(header) :]):
            fields = fields[: len(header)]  # trailing empty cells (";;" at the end of lines)
        if len(fields) != len(header):
            report.errors.append(
                RowError(
                    line,
                    "",
                    _(
                        "This line has %(found)d cells but the header has %(expected)d: check "
                        "for a %(delimiter)s inside a value (put the value in double quotes) "
                        "or a missing cell."
                    )
                    % {
                        "found": len(fields),
                        "expected": len(header),
                        "delimiter": _delimiter_name(report.delimiter),
                    },
                )
            )
            continue
        rows.append(_read_row(line, dict(zip(header, fields, strict=True)), report))
        if progress and report.rows % LOOKUP_BATCH == 0:
            progress("validate", report.rows, expected_total)
    if progress:
        progress("validate", report.rows, report.rows)
    if not report.rows:
        report.errors.append(
            RowError(1, "", _("The file has a header line but no lines to import."))
        )
    return rows


def _delimiter_name(delimiter: str) -> str:
    return {";": _("semicolon"), ",": _("comma"), "\t": _("tab")}[delimiter]


def _header_is_usable(header: list[str], report: ImportReport) -> bool:
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name or _("(empty)") for name in header if name not in COLUMNS]
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    problems = []
    if missing:
        problems.append(_("missing columns: %(names)s") % {"names": ", ".join(missing)})
    if unknown:
        problems.append(_("unknown columns: %(names)s") % {"names": ", ".join(unknown)})
    if repeated:
        problems.append(_("repeated columns: %(names)s") % {"names": ", ".join(repeated)})
    if problems:
        report.errors.append(
            RowError(
                1,
                "",
                _(
                    "The header line is not as expected (%(problems)s). The first line must "
                    "name the columns: %(required)s, and optionally %(optional)s."
                )
                % {
                    "problems": "; ".join(problems),
                    "required": ", ".join(REQUIRED_COLUMNS),
                    "optional": ", ".join(OPTIONAL_COLUMNS),
                },
            )
        )
    return not problems


def _read_row(line: int, values: dict[str, str], report: ImportReport) -> _Row:
    """Field checks that need no database; problems go to ``report.errors``."""
    row = _Row(line=line)
    errors = report.errors

    def fail(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    raw_ine = values["ine"].strip()
    if not raw_ine:
        fail("ine", _("The INE is missing: every line needs the student's INE."))
    else:
        ine = normalize_ine(raw_ine)
        try:
            validate_ine(ine)
        except ValidationError as exc:
            fail(
                "ine",
                _("INE “%(ine)s” is not valid: %(reason)s. Correct it in the file.")
                % {"ine": raw_ine, "reason": _ine_problem(exc, ine)},
            )
        else:
            row.ine = ine

    for column in ("last_name", "first_name"):
        name = _SPACES.sub(" ", values[column]).strip()
        if name and len(name) <= 150:
            setattr(row, column, name)
            continue
        label = _("last name") if column == "last_name" else _("first name")
        if not name:
            fail(column, _("The %(field)s is missing.") % {"field": label})
        else:
            fail(column, _("The %(field)s is longer than 150 characters.") % {"field": label})

    email = values["email"].strip().lower()
    if not email:
        fail("email", _("The email address is missing: the tenant code is sent there."))
    else:
        try:
            _validate_email(email)
        except ValidationError:
            fail(
                "email",
                _("“%(value)s” is not a valid email address: correct it in the file.")
                % {"value": values["email"].strip()},
            )
        else:
            row.email = email

    raw_phone = values.get("mobile_phone", "").strip()
    if raw_phone:
        phone = _parse_phone(raw_phone)
        if phone is not None:
            row.mobile_phone = phone
        else:
            fail(
                "mobile_phone",
                _(
                    "“%(value)s” is not a valid phone number: write a French number as "
                    "06 12 34 56 78, any other with its country code (+44 7911 123456), "
                    "or leave the cell empty."
                )
                % {"value": raw_phone},
            )

    for column in ("campus_france", "hand_over"):
        raw = values.get(column, "")
        flag = raw.strip().lower()
        if flag in _TRUE:
            setattr(row, column, True)
        elif flag not in _FALSE:
            fail(
                column,
                _("“%(value)s” is not yes or no: write oui/non, yes/no, 1/0 or true/false.")
                % {"value": raw.strip()},
            )

    row.residence_code = values["residence"].strip()
    if not row.residence_code:
        fail("residence", _("The residence code is missing."))
    row.unit_number = values["unit"].strip()
    if not row.unit_number:
        fail("unit", _("The housing unit number is missing."))

    for column in ("start_date", "end_date"):
        raw = values[column].strip()
        parsed = _parse_date(raw)
        if parsed is None:
            fail(
                column,
                _("“%(value)s” is not a date: write it as YYYY-MM-DD or DD/MM/YYYY.")
                % {"value": raw}
                if raw
                else _("The date is missing: write it as YYYY-MM-DD or DD/MM/YYYY."),
            )
        setattr(row, column, parsed)
    if row.start_date and row.end_date and row.end_date <= row.start_date:
        fail("end_date", _("The end date must come after the start date."))
    return row


def _ine_problem(exc: ValidationError, ine: str) -> str:
    """Why an INE is refused, told to staff (``validate_ine`` speaks to the student)."""
    code = exc.error_list[0].code if hasattr(exc, "error_list") else None
    if code == "ine_length":
        return _("an INE has 11 letters and digits, this one has %(count)d") % {"count": len(ine)}
    if code == "ine_key":
        return _("its check letter does not match its digits (a typing error?)")
    return _("it has none of the shapes of an INE")


def _parse_phone(raw: str) -> PhoneNumber | None:
    """A valid number read as French (region FR), or None.

    A number in national format that is not a mainland one (0692…, 0690…) is tried in the
    overseas departments, which share the national format: students of the Crous of La
    Réunion or the Antilles write their mobiles that way.
    """
    # The usual case, 06 12 34 56 78 or +33 6 12 34 56 78, without phonenumbers' general
    # parser (three quarters of its cost); its validity check still decides.
    match = _FRENCH_NUMBER.match(_PHONE_SEPARATORS.sub("", raw))
    if match is not None:
        phone = PhoneNumber(country_code=33, national_number=int(match.group(1)))
        if phone.is_valid():
            return phone
    for region in ("FR", *_OVERSEAS_REGIONS) if raw.lstrip().startswith("0") else ("FR",):
        phone = to_python(raw, region=region)
        if isinstance(phone, PhoneNumber) and phone.is_valid():
            return phone
    return None


def _parse_date(raw: str) -> date | None:
    if len(raw) == 10 and raw[4] == "-":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return None
    match = _FRENCH_DATE.match(raw)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


# --- Checks across lines and against the database ----------------------------------------


def _check_in_file_duplicates(rows: list[_Row], report: ImportReport) -> None:
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


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check_against_database(rows: list[_Row], *, crous: Crous, report: ImportReport) -> None:
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
    row: _Row,
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
    for chunk in _chunks(sorted(set(ines)), LOOKUP_BATCH):
        known.update(
            (student.ine, student)
            for student in Student.objects.filter(crous=crous, ine__in=chunk)
            .annotate(current_file_id=Subquery(current.values("pk")[:1]))
            .order_by()
        )
    return known


# --- Writing ---------------------------------------------------------------------------------


def _write(
    rows: list[_Row],
    *,
    crous: Crous,
    by: User | None,
    source_name: str,
    progress: Progress | None,
) -> None:
    """Per batch: occupy the units (compare-and-swap), create the students, the files with
    their codes, the history rows of all three, and queue the code emails."""
    now = timezone.now()
    expires_at = now + timedelta(days=crous.code_validity_days)
    origin = f"import {source_name}".strip() if source_name else "import"
    done = 0
    for batch in _chunks(rows, WRITE_BATCH):
        _occupy([row.unit for row in batch if row.unit is not None], expected=len(batch))

        new_students = [
            Student(
                crous=crous,
                ine=row.ine,
                last_name=row.last_name,
                first_name=row.first_name,
                email=row.email,
                mobile_phone=row.mobile_phone or "",
                is_campus_france=row.campus_france,
            )
            for row in batch
            if row.student is None
        ]
        created = iter(Student.objects.bulk_create(new_students, batch_size=WRITE_BATCH))
        for row in batch:
            if row.student is None:
                row.student = next(created)
        _history_rows(
            Student,
            [student.pk for student in new_students],
            by=by,
            when=now,
            history_type="+",
            reason=("%s", [f"student created by {origin}"]),
        )

        files, codes = _create_files(batch, crous=crous, now=now, expires_at=expires_at)
        file_ids = [tenant_file.pk for tenant_file in files]
        _history_rows(
            TenantFile,
            file_ids,
            by=by,
            when=now,
            history_type="+",
            reason=(
                "CASE WHEN t.code_delivery = %s THEN %s ELSE %s END",
                [
                    CodeDelivery.HAND_OVER.value,
                    f"tenant file created by {origin}, code to hand over",
                    f"tenant file created by {origin}, code issued",
                ],
            ),
        )
        _history_rows(
            HousingUnit,
            file_ids,
            by=by,
            when=now,
            history_type="~",
            reason=(
                "%s || CAST(f.id AS VARCHAR(20)) || %s",
                ["occupied by tenant file ", f" ({origin})"],
            ),
            through_files=True,
        )
        tenant_codes_queue_emails(
            issued=[
                IssuedCode(tenant_file=tenant_file, code=code)
                for tenant_file, code in zip(files, codes, strict=True)
                if code
            ]
        )
        done += len(batch)
        if progress:
            progress("import", done, len(rows))


def _occupy(units: list[HousingUnit], *, expected: int) -> None:
    """Marks the units occupied, only those still available: a unit assigned meanwhile by
    someone else (who locked it through the services) fails the whole import."""
    updated = HousingUnit.objects.filter(
        pk__in=[unit.pk for unit in units], status=UnitStatus.AVAILABLE
    ).update(status=UnitStatus.OCCUPIED)
    if updated != expected:
        raise ConflictError(
            _(
                "Some housing units of the file were assigned by someone else while it was "
                "being imported: nothing was imported. Run the import again to see which."
            ),
            code="unit_not_free",
        )


def _create_files(
    batch: Sequence[_Row], *, crous: Crous, now: datetime, expires_at: datetime
) -> tuple[list[TenantFile], list[str]]:
    """Creates the batch's files; returns them with their plain codes (empty for a code the
    residence will hand over)."""
    files = [
        TenantFile(
            crous=crous,
            student=row.student,
            unit=row.unit,
            academic_year=academic_year_of(row.start_date),
            start_date=row.start_date,
            end_date=row.end_date,
            status=TenantFileStatus.ASSIGNED,
            code_delivery=CodeDelivery.HAND_OVER if row.hand_over else CodeDelivery.EMAIL,
        )
        for row in batch
    ]
    for attempt in range(_CODE_ATTEMPTS):
        codes = _issue_codes(files, now=now, expires_at=expires_at)
        try:
            with transaction.atomic():
                created = TenantFile.objects.bulk_create(files, batch_size=WRITE_BATCH)
        except IntegrityError as exc:
            if attempt == _CODE_ATTEMPTS - 1 or "code_hmac" not in str(exc):
                raise
            for tenant_file in files:  # rolled back: insert them again with other codes
                tenant_file.pk = None
                tenant_file._state.adding = True
            continue
        return created, codes
    raise AssertionError("unreachable")


_HISTORY_OWN_FIELDS = frozenset(
    {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}
)


def _history_rows(
    model: type[Any],
    ids: list[int],
    *,
    by: User | None,
    when: datetime,
    history_type: str,
    reason: tuple[str, list[str]],
    through_files: bool = False,
) -> None:
    """Writes django-simple-history's rows for ``model``'s rows ``ids`` as they are now.

    What ``bulk_history_create`` (or ``bulk_create_with_history``) would write, but copied
    by the database in one ``INSERT … SELECT`` per batch instead of a historical instance
    built in Python per row: at 50,000 lines that was a third of the import's time
    (docs/imports.md). ``reason`` is an SQL expression over the source row ``t`` (and the
    tenant file ``f`` with ``through_files``: ``ids`` are then files whose units are
    copied) with its parameters.
    """
    if not ids or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = model.history.model
    tracked = list(history.tracked_fields)
    known = {f.name for f in tracked} | _HISTORY_OWN_FIELDS
    if {f.name for f in history._meta.concrete_fields} != known:
        # A history option this copy does not fill (extra fields, a relation to the
        # instance…): the tests of the import fail here, before any installation does.
        raise RuntimeError(f"{history.__name__} has columns the import does not write.")
    qn = connection.ops.quote_name
    columns = [qn(f.column) for f in tracked]
    source = f"{qn(model._meta.db_table)} t"
    if through_files:
        source += f" JOIN {qn(TenantFile._meta.db_table)} f ON f.unit_id = t.id"
    reason_sql, reason_params = reason
    # Only names from the models' metadata are formatted in; every value is a parameter.
    insert = (
        f"INSERT INTO {qn(history._meta.db_table)} ({', '.join(columns)}, history_date, "  # noqa: S608
        "history_change_reason, history_type, history_user_id) "
        f"SELECT {', '.join(f't.{c}' for c in columns)}, %s, {reason_sql}, %s, %s "
        f"FROM {source} WHERE {'f' if through_files else 't'}.id IN "
    )
    head = [connection.ops.adapt_datetimefield_value(when), *reason_params, history_type]
    head.append(by.pk if by is not None else None)
    step = min(WRITE_BATCH, max(connection.features.max_query_params or WRITE_BATCH, 100) - 10)
    with connection.cursor() as cursor:
        for chunk in _chunks(ids, step):
            cursor.execute(f"{insert}({', '.join(['%s'] * len(chunk))})", [*head, *chunk])


def _issue_codes(files: list[TenantFile], *, now: datetime, expires_at: datetime) -> list[str]:
    """Gives each e-mailed file a fresh code (unique in the batch); hand-over files get
    theirs from the residence later (``tenant_code_hand_over``), so none now."""
    codes: list[str] = []
    seen: set[str] = set()
    for tenant_file in files:
        if tenant_file.code_delivery == CodeDelivery.HAND_OVER:
            codes.append("")
            continue
        code = code_generate()
        digest = code_hmac(code)
        while digest in seen:
            code = code_generate()
            digest = code_hmac(code)
        seen.add(digest)
        tenant_file.code_hmac = digest
        tenant_file.code_issued_at = now
        tenant_file.code_expires_at = expires_at
        codes.append(code)
    return codes
