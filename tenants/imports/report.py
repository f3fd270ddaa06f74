"""What an import found and did: the report, its line errors, the lines as read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber

from residences.models import HousingUnit
from tenants.models import Student

if TYPE_CHECKING:
    pass


#: ``progress(stage, done, total)``: stage is "validate" or "import"; called every batch.
Progress = Callable[[str, int, int], None]


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
class Row:
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
