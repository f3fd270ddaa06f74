"""Demo data of the students and their tenant files, on the catalogue the residences' demo
seeding created, and the tenant space of the linked demo student.

``build_occupancy`` fills one residence with students and their files over the years (the
project's demo inserts them in the same transaction as the residence, so a residence that
exists is complete); ``seed_demo_students`` adds the three demo personas with a login.

The tenant space: the linked demo student (etudiant@crous-demo.example, Bordeaux) gets an
agreement to sign, the rent charges due so far, every month before the current one paid by
bank transfer (with their receipts), and the current month to pay online: rent up to date,
so the renewal check passes too. Safe to run again: nothing is added twice.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.text import slugify

from crous_admin.history import record_author
from residences.demo_seeding import DEMO_DOMAIN, Tally, demo_account, spare_unit
from residences.models import Crous, HousingUnit, UnitStatus
from tenants import demo_data
from tenants.ine import bea_ine
from tenants.models import CURRENT_STATUSES, Student, TenantFile, TenantFileStatus
from tenants.services import tenant_file_create

if TYPE_CHECKING:
    from crous_admin.accounts.models import User

STUDENT_EMAIL_DOMAIN = f"etu.{DEMO_DOMAIN}"
LINKED_STUDENT_EMAIL = f"etudiant@{DEMO_DOMAIN}"
VERSAILLES_STUDENT_EMAIL = f"etudiant.versailles@{DEMO_DOMAIN}"
NEW_STUDENT_EMAIL = f"nouvel.etudiant@{DEMO_DOMAIN}"
DEMO_STUDENT_EMAIL = LINKED_STUDENT_EMAIL  # the one with a tenant space

#: Share of units with a current (assigned or active) file; the other files are earlier
#: years' (ended or cancelled).
OCCUPANCY = 0.86
#: Chance that a student renews for the next year in the same unit (five years at most).
RENEWAL_RATE = 0.55
MAX_STAY_YEARS = 5


# --- Students and tenant files of one residence --------------------------------------------


def build_occupancy(
    *,
    crous: Crous,
    crous_index: int,
    residence_index: int,
    units: list[HousingUnit],
    tenant_files: int,
    rng: random.Random,
    current_year: int,
) -> tuple[list[Student], list[TenantFile]]:
    """``tenant_files`` files over the years in ``units`` (not saved yet), with their
    students; marks the units with a current file occupied, a few others unavailable.

    ``rng`` continues the residence's own random sequence, so a residence gets the same
    students every time it is seeded.
    """
    # Which units have a current file, and how many earlier years each unit has on record.
    current_count = min(tenant_files, round(OCCUPANCY * len(units)))
    current = set(rng.sample(range(len(units)), current_count))
    earlier_years = [0] * len(units)
    for _ in range(tenant_files - current_count):
        earlier_years[rng.randrange(len(units))] += 1

    students = _StudentMaker(
        crous=crous, crous_index=crous_index, residence_index=residence_index, rng=rng
    )
    files: list[TenantFile] = []
    for position, unit in enumerate(units):
        is_current = position in current
        if is_current:
            unit.status = UnitStatus.OCCUPIED
        elif rng.random() < 0.12:
            unit.status = UnitStatus.UNAVAILABLE
        last_year = current_year if is_current else current_year - 1
        years = range(last_year - earlier_years[position] - is_current + 1, last_year + 1)
        student: Student | None = None
        stay = 0
        for year in years:
            if student is None or stay >= MAX_STAY_YEARS or rng.random() > RENEWAL_RATE:
                student, stay = students.new(first_year=year), 0
            stay += 1
            students.saw(student, year=year, current=year == current_year and is_current)
            files.append(
                TenantFile(
                    crous=crous,
                    student=student,
                    unit=unit,
                    academic_year=year,
                    start_date=date(year, 9, 1) + timedelta(days=rng.randrange(20)),
                    end_date=date(year + 1, 6, 30) if rng.random() < 0.5 else date(year + 1, 8, 31),
                    status=_file_status(rng, current=year == current_year and is_current),
                )
            )
    return students.made, files


def insert_occupancy(
    students: Iterable[Student], tenant_files: Iterable[TenantFile], *, batch_size: int
) -> None:
    Student.objects.bulk_create(students, batch_size=batch_size)
    TenantFile.objects.bulk_create(tenant_files, batch_size=batch_size)


def _file_status(rng: random.Random, *, current: bool) -> str:
    if current:
        return TenantFileStatus.ACTIVE if rng.random() < 0.8 else TenantFileStatus.ASSIGNED
    return TenantFileStatus.CANCELLED if rng.random() < 0.07 else TenantFileStatus.ENDED


class _StudentMaker:
    """Students of one residence: INE from (Crous, residence, sequence), so unique per Crous."""

    def __init__(
        self, *, crous: Crous, crous_index: int, residence_index: int, rng: random.Random
    ) -> None:
        self.crous, self.rng = crous, rng
        self.crous_index, self.residence_index = crous_index, residence_index
        self.mobiles = demo_data.MOBILES_BY_CROUS.get(crous.code, demo_data.MAINLAND_MOBILES)
        self.made: list[Student] = []

    def new(self, *, first_year: int) -> Student:
        rng = self.rng
        sequence = len(self.made) + 1
        if sequence >= 10_000 or self.residence_index >= 10_000:
            raise ValueError("A residence of the demo data holds at most 9,999 students.")
        campus_france = rng.random() < 0.08
        if campus_france:
            first = rng.choice(demo_data.INTERNATIONAL_FIRST_NAMES)
            last = rng.choice(demo_data.INTERNATIONAL_LAST_NAMES)
        else:
            first = rng.choice(demo_data.FIRST_NAMES)
            last = rng.choice(demo_data.LAST_NAMES)
        student = Student(
            crous=self.crous,
            ine=bea_ine(int(f"{self.crous_index:02d}{self.residence_index:04d}{sequence:04d}")),
            first_name=first,
            last_name=last,
            email=f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 999)}@{STUDENT_EMAIL_DOMAIN}",
            mobile_phone=self._mobile(),
            is_scholarship_holder=rng.random() < 0.55,
            is_campus_france=campus_france,
        )
        self.made.append(student)
        return student

    def saw(self, student: Student, *, year: int, current: bool) -> None:
        """Keeps the DSE in step with the student's latest year on record."""
        if not student.is_scholarship_holder:
            return
        # A current scholarship holder may already have filed next year's DSE.
        student.dse_submitted_for = year + 1 if current and self.rng.random() < 0.35 else year

    def _mobile(self) -> str:
        calling_code, prefixes = self.mobiles
        if calling_code != "33" and self.rng.random() < 0.15:
            calling_code, prefixes = demo_data.MAINLAND_MOBILES  # students from mainland France
        prefix = self.rng.choice(prefixes)
        digits = "".join(str(self.rng.randrange(10)) for _ in range(9 - len(prefix)))
        return f"+{calling_code}{prefix}{digits}"


def _ascii(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return slugify(plain)


# --- The demo personas ---------------------------------------------------------------------


def seed_demo_students(
    tally: Tally, *, crous_by_code: dict[str, Crous], password_hash: str, current_year: int
) -> None:
    """A newcomer awaiting their code in Bordeaux, and two students with a linked file."""
    newcomer = demo_account(
        tally,
        email=NEW_STUDENT_EMAIL,
        password_hash=password_hash,
        first_name="Hugo",
        last_name="Bernard",
    )
    _demo_assignment_with_code_email(
        tally, crous=crous_by_code["bordeaux"], user=newcomer, current_year=current_year
    )
    # INEs starting with 99 are never generated for the bulk data (Crous indexes stop at 27).
    _demo_student_with_file(
        tally,
        crous=crous_by_code["bordeaux"],
        user=demo_account(
            tally,
            email=LINKED_STUDENT_EMAIL,
            password_hash=password_hash,
            first_name="Léa",
            last_name="Martin",
        ),
        ine=bea_ine(9_900_000_001),
        mobile_phone="+33612345678",
        dse_submitted_for=current_year + 1,
        current_year=current_year,
    )
    _demo_student_with_file(
        tally,
        crous=crous_by_code["versailles"],
        user=demo_account(
            tally,
            email=VERSAILLES_STUDENT_EMAIL,
            password_hash=password_hash,
            first_name="Yanis",
            last_name="Benali",
        ),
        ine=bea_ine(9_900_000_002),
        mobile_phone="+33745123456",
        dse_submitted_for=current_year,
        current_year=current_year,
    )


def _demo_assignment_with_code_email(
    tally: Tally, *, crous: Crous, user: User, current_year: int
) -> None:
    """A Bordeaux assignment for the newcomer, whose code email the worker delivers to
    var/outbox/email/: the demo of the student's "I have an activation code" step."""
    from tenants.code_services import tenant_file_assign

    student, created = Student.objects.get_or_create(
        crous=crous,
        ine=bea_ine(9_900_000_003),
        defaults={
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "mobile_phone": "+33698765432",
        },
    )
    tally["students"] += created
    if student.tenant_files.filter(status__in=CURRENT_STATUSES).exists():
        return
    unit = (
        HousingUnit.objects.filter(residence__crous=crous, status=UnitStatus.AVAILABLE)
        .order_by("-residence_id", "number")
        .first()
    )
    if unit is None:
        return
    tenant_file_assign(
        by=None,
        student=student,
        unit=unit,
        start_date=date(current_year, 9, 1),
        end_date=date(current_year + 1, 6, 30),
    )
    tally["tenant_files"] += 1


def _demo_student_with_file(
    tally: Tally,
    *,
    crous: Crous,
    user: User,
    ine: str,
    mobile_phone: str,
    dse_submitted_for: int,
    current_year: int,
) -> None:
    student, created = Student.objects.get_or_create(
        crous=crous,
        ine=ine,
        defaults={
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "mobile_phone": mobile_phone,
            "is_scholarship_holder": True,
            "dse_submitted_for": dse_submitted_for,
        },
    )
    tally["students"] += created
    if student.tenant_files.filter(status__in=CURRENT_STATUSES).exists():
        return
    unit = (
        HousingUnit.objects.filter(residence__crous=crous, status=UnitStatus.AVAILABLE)
        .order_by("residence_id", "number")
        .first()
    ) or spare_unit(tally, crous=crous)  # a tiny scale may have let every unit of this Crous
    if unit is None:
        return
    tenant_file = tenant_file_create(
        by=None,
        student=student,
        unit=unit,
        start_date=date(current_year, 9, 1),
        end_date=date(current_year + 1, 6, 30),
    )
    # Linking the account with the tenant code is the student's job; the demo starts linked.
    tenant_file.status = TenantFileStatus.ACTIVE
    tenant_file.linked_user = user
    tenant_file.linked_at = timezone.now()
    record_author(tenant_file, None, "demo data: account linked")
    tenant_file.save(update_fields=["status", "linked_user", "linked_at", "updated_at"])
    tally["tenant_files"] += 1
