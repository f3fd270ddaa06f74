"""Reading an allocation-result CSV: encoding, delimiter, header, and each line's values."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber

from crous_admin.phone import french_mobile
from tenants.imports.report import ImportReport, Progress, Row, RowError
from tenants.imports.validation import LOOKUP_BATCH
from tenants.ine import normalize_ine, validate_ine

if TYPE_CHECKING:
    pass


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
_TRUE = frozenset({"oui", "o", "yes", "y", "1", "true", "vrai", "x"})
_FALSE = frozenset({"non", "n", "no", "0", "false", "faux", ""})
_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_SPACES = re.compile(r"\s+")
_UTF8_BOM_READ_AS_CP1252 = "ï»¿"

_validate_email = EmailValidator()


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


def column_rank(column: str) -> int:
    return COLUMNS.index(column) if column in COLUMNS else -1


def parse(data: bytes, *, report: ImportReport, progress: Progress | None) -> list[Row]:
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
    rows: list[Row] = []
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


def _read_row(line: int, values: dict[str, str], report: ImportReport) -> Row:
    """Field checks that need no database; problems go to ``report.errors``."""
    row = Row(line=line)
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
        try:
            row.mobile_phone = _parse_phone(raw_phone)
        except ValidationError as exc:
            fail(
                "mobile_phone",
                _("“%(value)s”: %(error)s Or leave the cell empty.")
                % {"value": raw_phone, "error": exc.messages[0]},
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


def _parse_phone(raw: str) -> PhoneNumber:
    """A French mobile (mainland or overseas, national or international writing), or
    ``ValidationError`` saying what a valid one looks like (``crous_admin.phone``)."""
    return PhoneNumber.from_string(french_mobile(raw))


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
