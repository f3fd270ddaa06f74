"""Demo and benchmark data: every academic Crous, their residences, units, students, tenant
files, staff accounts and the demo logins.

``seed_demo(scale=1)`` builds a national installation's volume (~1,000 residences, 175,000
units, 300,000 tenant files); the default scale builds a small demo in seconds. The data is
deterministic for a given ``seed`` and the command is idempotent: every row has a natural
key (Crous code, residence code, unit number, INE, email), and a residence is created in one
transaction together with its units, students and files, so a residence that exists is
complete and is skipped on the next run.

Bulk inserts skip ``save()``: no history rows are written for the generated catalogue, files
and staff accounts, only for the Crous and the demo personas (created one by one).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django_scopes import scopes_disabled
from tqdm import tqdm

from crous_admin.academic_year import academic_year_of
from crous_admin.accounts.roles import Role
from crous_admin.history import record_author
from residences import demo_data
from residences.models import Crous, HousingUnit, Residence, StaffMembership, UnitStatus
from tenants.ine import bea_ine
from tenants.models import CURRENT_STATUSES, Student, TenantFile, TenantFileStatus
from tenants.services import tenant_file_create

if TYPE_CHECKING:
    from crous_admin.accounts.models import User

DEMO_PASSWORD = "crous-demo-2026"  # noqa: S105 (printed on purpose: demo installations only)
DEMO_DOMAIN = "crous-demo.example"
STUDENT_EMAIL_DOMAIN = f"etu.{DEMO_DOMAIN}"

#: ``make run``'s demo: about 3,500 units and 6,000 tenant files, two residences per Crous
#: at least.
DEMO_SCALE = 0.02
#: Scale 1 is one national installation (Cnous 2024: 813 residences, 175,394 beds; a few
#: hundred thousand tenant files over the years).
FULL_SCALE_UNITS = 175_000
FULL_SCALE_TENANT_FILES = 300_000
UNITS_PER_RESIDENCE = 175
#: Share of units with a current (assigned or active) file; the other files are earlier
#: years' (ended or cancelled).
OCCUPANCY = 0.86
#: Chance that a student renews for the next year in the same unit (five years at most).
RENEWAL_RATE = 0.55
MAX_STAY_YEARS = 5

#: (email prefix, role, first name shown in the back-office)
STAFF_ROLES: tuple[tuple[str, str, str], ...] = (
    ("officer", Role.HOUSING_OFFICER, "Gestionnaire"),
    ("agent", Role.ASSISTANCE_AGENT, "Agent"),
    ("admin", Role.CROUS_ADMIN, "Administrateur"),
)
SUPERUSER_EMAIL = f"admin@{DEMO_DOMAIN}"
NATIONAL_ADMIN_EMAIL = f"national@{DEMO_DOMAIN}"
LINKED_STUDENT_EMAIL = f"etudiant@{DEMO_DOMAIN}"
VERSAILLES_STUDENT_EMAIL = f"etudiant.versailles@{DEMO_DOMAIN}"
NEW_STUDENT_EMAIL = f"nouvel.etudiant@{DEMO_DOMAIN}"


def staff_email(kind: str, crous_code: str) -> str:
    return f"{kind}.{crous_code}@{DEMO_DOMAIN}"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    who: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(SUPERUSER_EMAIL, "Django superuser (back-office, everything)"),
    DemoLogin(NATIONAL_ADMIN_EMAIL, "national administrator (every Crous)"),
    DemoLogin(staff_email("officer", "bordeaux"), "housing officer, Crous de Bordeaux-Aquitaine"),
    DemoLogin(staff_email("agent", "bordeaux"), "assistance agent, Crous de Bordeaux-Aquitaine"),
    DemoLogin(staff_email("admin", "bordeaux"), "Crous administrator, Bordeaux-Aquitaine"),
    DemoLogin(
        staff_email("officer", "<code>"), "same three roles in every Crous (versailles, reunion…)"
    ),
    DemoLogin(LINKED_STUDENT_EMAIL, "student, account linked to an active Bordeaux file"),
    DemoLogin(VERSAILLES_STUDENT_EMAIL, "scholarship student in Versailles, no DSE for next year"),
    DemoLogin(
        NEW_STUDENT_EMAIL,
        "student assigned in Bordeaux, account not linked yet: the code is in var/outbox/email/",
    ),
)


@dataclass
class SeedReport:
    """How many rows one run created (all zeros when the data was already there)."""

    crous: int = 0
    residences: int = 0
    units: int = 0
    students: int = 0
    tenant_files: int = 0
    users: int = 0

    @property
    def created_anything(self) -> bool:
        return any(vars(self).values())


@dataclass(frozen=True)
class ResidencePlan:
    crous_index: int
    index: int
    code: str
    name: str
    address: str
    postal_code: str
    city: str
    kind: str
    units: int
    tenant_files: int


@dataclass
class _Batch:
    residences: list[Residence] = field(default_factory=list)
    units: list[HousingUnit] = field(default_factory=list)
    students: list[Student] = field(default_factory=list)
    tenant_files: list[TenantFile] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.units) + len(self.tenant_files)


def planned_totals(*, scale: float) -> tuple[int, int]:
    """(units, tenant files) that ``seed_demo(scale=scale)`` creates on an empty database."""
    return round(FULL_SCALE_UNITS * scale), round(FULL_SCALE_TENANT_FILES * scale)


def demo_data_present() -> bool:
    with scopes_disabled():
        return Crous.objects.exists()


def seed_demo(
    *,
    scale: float = DEMO_SCALE,
    seed: int = 2026,
    batch_size: int = 5_000,
    progress: bool = False,
    today: date | None = None,
) -> SeedReport:
    """Creates whatever of the demo data set is missing; returns what it created.

    Running it twice with the same arguments creates nothing the second time. A larger
    ``scale`` on an already seeded database adds the residences the smaller one did not have.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    current_year = academic_year_of(today or timezone.localdate())
    report = SeedReport()
    with scopes_disabled():
        crous_by_code = _seed_crous(report)
        _seed_catalogue_and_files(
            report,
            crous_by_code=crous_by_code,
            plans=plan_residences(scale=scale, seed=seed),
            seed=seed,
            current_year=current_year,
            batch_size=batch_size,
            progress=progress,
        )
        password_hash = make_password(DEMO_PASSWORD)  # hashed once: 1M PBKDF2 rounds each time
        _seed_staff(report, crous_by_code=crous_by_code, password_hash=password_hash)
        _seed_demo_students(
            report,
            crous_by_code=crous_by_code,
            password_hash=password_hash,
            current_year=current_year,
        )
        from tenants.demo_seeding import seed_tenant_space_demo  # tenants depends on residences

        seed_tenant_space_demo(today=today or timezone.localdate())
        if scale <= DEMO_SCALE:  # a small queue for the demo; the benchmarks seed their own
            from assistance.demo_seeding import seed_assistance_demo

            seed_assistance_demo()
        from renewals.demo_seeding import seed_renewal_windows

        seed_renewal_windows(
            crous_by_code=crous_by_code,
            current_year=current_year,
            today=today or timezone.localdate(),
        )
    return report


# --- Crous and staff ----------------------------------------------------------------------


def _seed_crous(report: SeedReport) -> dict[str, Crous]:
    crous_by_code: dict[str, Crous] = {}
    for spec in demo_data.CROUS:
        crous, created = Crous.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "time_zone": spec.time_zone,
                "contact_email": spec.contact_email,
                "sms_sender_name": spec.sms_sender_name,
                "holiday_subdivision": spec.holiday_subdivision,
            },
        )
        report.crous += created
        crous_by_code[spec.code] = crous
    return crous_by_code


def _user(report: SeedReport, *, email: str, password_hash: str, **defaults: object) -> User:
    user, created = get_user_model().objects.get_or_create(
        email=email, defaults={"password": password_hash, **defaults}
    )
    report.users += created
    return user


def _seed_staff(report: SeedReport, *, crous_by_code: dict[str, Crous], password_hash: str) -> None:
    _user(
        report,
        email=SUPERUSER_EMAIL,
        password_hash=password_hash,
        first_name="Admin",
        last_name="Démo",
        is_staff=True,
        is_superuser=True,
    )
    national = _user(
        report,
        email=NATIONAL_ADMIN_EMAIL,
        password_hash=password_hash,
        first_name="Nadia",
        last_name="National",
        is_staff=True,
    )
    StaffMembership.objects.get_or_create(user=national, crous=None, role=Role.NATIONAL_ADMIN)
    # Three accounts per Crous, in bulk: one by one with their history rows they cost more
    # than the rest of a small demo.
    user_model = get_user_model()
    wanted = {
        staff_email(kind, code): (crous, role, first_name)
        for code, crous in crous_by_code.items()
        for kind, role, first_name in STAFF_ROLES
    }
    existing = set(user_model.objects.filter(email__in=wanted).values_list("email", flat=True))
    new_users = [
        user_model(
            email=email,
            password=password_hash,
            first_name=first,
            last_name=crous.name,
            is_staff=True,
        )
        for email, (crous, _role, first) in wanted.items()
        if email not in existing
    ]
    user_model.objects.bulk_create(new_users)
    report.users += len(new_users)
    user_ids = dict(user_model.objects.filter(email__in=wanted).values_list("email", "pk"))
    held = set(
        StaffMembership.objects.filter(user_id__in=user_ids.values()).values_list(
            "user_id", "crous_id", "role"
        )
    )
    StaffMembership.objects.bulk_create(
        StaffMembership(user_id=user_ids[email], crous=crous, role=role)
        for email, (crous, role, _first) in wanted.items()
        if (user_ids[email], crous.pk, role) not in held
    )


def _seed_demo_students(
    report: SeedReport, *, crous_by_code: dict[str, Crous], password_hash: str, current_year: int
) -> None:
    newcomer = _user(
        report,
        email=NEW_STUDENT_EMAIL,
        password_hash=password_hash,
        first_name="Hugo",
        last_name="Bernard",
    )
    _demo_assignment_with_code_email(
        report, crous=crous_by_code["bordeaux"], user=newcomer, current_year=current_year
    )
    # INEs starting with 99 are never generated for the bulk data (Crous indexes stop at 27).
    _demo_student_with_file(
        report,
        crous=crous_by_code["bordeaux"],
        user=_user(
            report,
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
        report,
        crous=crous_by_code["versailles"],
        user=_user(
            report,
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
    report: SeedReport, *, crous: Crous, user: User, current_year: int
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
    report.students += created
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
    report.tenant_files += 1


def _demo_student_with_file(
    report: SeedReport,
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
    report.students += created
    if student.tenant_files.filter(status__in=CURRENT_STATUSES).exists():
        return
    unit = (
        HousingUnit.objects.filter(residence__crous=crous, status=UnitStatus.AVAILABLE)
        .order_by("residence_id", "number")
        .first()
    )
    if unit is None:  # a tiny scale may have let every unit of this Crous
        residence = Residence.objects.filter(crous=crous).order_by("pk").first()
        if residence is None:
            return
        unit = HousingUnit.objects.create(
            residence=residence,
            number="DEMO1",
            unit_type="t1",
            surface_m2=Decimal("18.0"),
            monthly_rent=Decimal("420.00"),
        )
        report.units += 1
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
    report.tenant_files += 1


# --- Residences, units, students and tenant files -----------------------------------------


def _apportion(total: int, weights: Sequence[float], *, minimum: int = 0) -> list[int]:
    """Splits ``total`` in proportion to ``weights`` (largest remainders), each part at least
    ``minimum`` when the total allows it; the parts always add up to ``total``."""
    n = len(weights)
    floor_each = minimum if total >= minimum * n else 0
    rest = total - floor_each * n
    weight_sum = sum(weights) or 1.0
    exact = [rest * w / weight_sum for w in weights]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(n), key=lambda i: (parts[i] - exact[i], i))
    for i in by_remainder[: rest - sum(parts)]:
        parts[i] += 1
    return [floor_each + p for p in parts]


def _rng(*key: object) -> random.Random:
    # String seeds are hashed with SHA-512: the same key gives the same data on every run and
    # every machine (unlike hash()). Demo data, not secrets.
    return random.Random(":".join(str(k) for k in key))  # noqa: S311


def plan_residences(*, scale: float, seed: int) -> list[ResidencePlan]:
    """Every residence the given scale asks for, with its unit and tenant-file counts."""
    total_units, total_files = planned_totals(scale=scale)
    specs = demo_data.CROUS
    units_by_crous = _apportion(total_units, [s.weight for s in specs], minimum=1)
    files_by_crous = _apportion(total_files, units_by_crous)
    plans: list[ResidencePlan] = []
    for crous_index, (spec, units, files) in enumerate(
        zip(specs, units_by_crous, files_by_crous, strict=True), start=1
    ):
        count = max(1, min(units, max(2, round(units / UNITS_PER_RESIDENCE))))
        rng = _rng(seed, spec.code)
        names = rng.sample(demo_data.RESIDENCE_NAMES, len(demo_data.RESIDENCE_NAMES))
        sizes = [rng.uniform(0.4, 1.8) for _ in range(count)]
        units_by_residence = _apportion(units, sizes, minimum=1)
        files_by_residence = _apportion(files, units_by_residence)
        for index in range(1, count + 1):
            # The first residence is on the main campus, a good share of the others too.
            main_campus = rng.random() < 0.4 or index == 1
            city, postal_code = spec.cities[0] if main_campus else rng.choice(spec.cities)
            name = names[(index - 1) % len(names)].format(city=city)
            repeat = (index - 1) // len(names)
            if repeat:
                name = f"{name} {_roman(repeat + 1)}"
            short = slugify(name).removeprefix("residence-")
            plans.append(
                ResidencePlan(
                    crous_index=crous_index,
                    index=index,
                    code=f"{index:03d}-{short}"[:40],
                    name=name,
                    address=f"{rng.randint(1, 120)} {rng.choice(demo_data.STREETS)}",
                    postal_code=postal_code,
                    city=city,
                    kind="traditional" if rng.random() < 0.6 else "studios",
                    units=units_by_residence[index - 1],
                    tenant_files=files_by_residence[index - 1],
                )
            )
    return plans


def _roman(n: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in numerals:
        while n >= value:
            out += letters
            n -= value
    return out


def _seed_catalogue_and_files(
    report: SeedReport,
    *,
    crous_by_code: dict[str, Crous],
    plans: list[ResidencePlan],
    seed: int,
    current_year: int,
    batch_size: int,
    progress: bool,
) -> None:
    crous_list = [crous_by_code[s.code] for s in demo_data.CROUS]
    existing = set(Residence.objects.values_list("crous_id", "code"))
    todo = [p for p in plans if (crous_list[p.crous_index - 1].pk, p.code) not in existing]
    batch = _Batch()
    with tqdm(
        total=sum(p.units for p in todo),
        unit=" units",
        desc="Seeding residences",
        disable=not progress,
        mininterval=0.5,
    ) as bar:
        for plan in todo:
            crous = crous_list[plan.crous_index - 1]
            spec = demo_data.CROUS[plan.crous_index - 1]
            _add_residence(
                batch,
                plan=plan,
                crous=crous,
                spec=spec,
                rng=_rng(seed, spec.code, plan.index),
                current_year=current_year,
            )
            if len(batch) >= batch_size:
                bar.update(_flush(report, batch, batch_size=batch_size))
                batch = _Batch()
        bar.update(_flush(report, batch, batch_size=batch_size))


def _flush(report: SeedReport, batch: _Batch, *, batch_size: int) -> int:
    """Inserts one batch of whole residences in one transaction; returns the units added."""
    if not batch.residences:
        return 0
    with transaction.atomic():
        # Primary keys come back from bulk_create (PostgreSQL, SQLite >= 3.35): the rows
        # below point at the objects above.
        Residence.objects.bulk_create(batch.residences, batch_size=batch_size)
        HousingUnit.objects.bulk_create(batch.units, batch_size=batch_size)
        Student.objects.bulk_create(batch.students, batch_size=batch_size)
        TenantFile.objects.bulk_create(batch.tenant_files, batch_size=batch_size)
    report.residences += len(batch.residences)
    report.units += len(batch.units)
    report.students += len(batch.students)
    report.tenant_files += len(batch.tenant_files)
    return len(batch.units)


def _unit_numbers() -> Iterator[str]:
    """A012 = building A, floor 0, door 12; 5 floors of 20 doors per building."""
    building = 0
    while True:
        letters = _building_letters(building)
        for floor in range(5):
            for door in range(1, 21):
                yield f"{letters}{floor}{door:02d}"
        building += 1


def _building_letters(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(ord("A") + r) + letters
    return letters


def _add_residence(
    batch: _Batch,
    *,
    plan: ResidencePlan,
    crous: Crous,
    spec: demo_data.CrousSpec,
    rng: random.Random,
    current_year: int,
) -> None:
    residence = Residence(
        crous=crous,
        code=plan.code,
        name=plan.name,
        address=plan.address,
        postal_code=plan.postal_code,
        city=plan.city,
    )
    batch.residences.append(residence)

    mix = demo_data.UNIT_MIX[plan.kind]
    unit_types, type_weights = list(mix), list(mix.values())
    numbers = _unit_numbers()
    units: list[HousingUnit] = []
    for _ in range(plan.units):
        unit_type = rng.choices(unit_types, type_weights)[0]
        m2_min, m2_max, rent_min, rent_max = demo_data.UNIT_PROFILES[unit_type]
        units.append(
            HousingUnit(
                residence=residence,
                number=next(numbers),
                unit_type=unit_type,
                surface_m2=Decimal(f"{rng.uniform(m2_min, m2_max):.1f}"),
                monthly_rent=Decimal(f"{rng.uniform(rent_min, rent_max):.2f}"),
                apl_eligible=rng.random() < 0.95,
                status=UnitStatus.AVAILABLE,
            )
        )
    batch.units.extend(units)

    # Which units have a current file, and how many earlier years each unit has on record.
    current_count = min(plan.tenant_files, round(OCCUPANCY * plan.units))
    current = set(rng.sample(range(plan.units), current_count))
    earlier_years = [0] * plan.units
    for _ in range(plan.tenant_files - current_count):
        earlier_years[rng.randrange(plan.units)] += 1

    students = _StudentMaker(plan=plan, crous=crous, spec=spec, rng=rng)
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
            batch.tenant_files.append(
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
    batch.students.extend(students.made)


def _file_status(rng: random.Random, *, current: bool) -> str:
    if current:
        return TenantFileStatus.ACTIVE if rng.random() < 0.8 else TenantFileStatus.ASSIGNED
    return TenantFileStatus.CANCELLED if rng.random() < 0.07 else TenantFileStatus.ENDED


class _StudentMaker:
    """Students of one residence: INE from (Crous, residence, sequence), so unique per Crous."""

    def __init__(
        self, *, plan: ResidencePlan, crous: Crous, spec: demo_data.CrousSpec, rng: random.Random
    ) -> None:
        self.plan, self.crous, self.spec, self.rng = plan, crous, spec, rng
        self.made: list[Student] = []

    def new(self, *, first_year: int) -> Student:
        rng = self.rng
        sequence = len(self.made) + 1
        if sequence >= 10_000 or self.plan.index >= 10_000:
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
            ine=bea_ine(int(f"{self.plan.crous_index:02d}{self.plan.index:04d}{sequence:04d}")),
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
        calling_code, prefixes = self.spec.mobiles
        if calling_code != "33" and self.rng.random() < 0.15:
            calling_code, prefixes = demo_data.MAINLAND_MOBILES  # students from mainland France
        prefix = self.rng.choice(prefixes)
        digits = "".join(str(self.rng.randrange(10)) for _ in range(9 - len(prefix)))
        return f"+{calling_code}{prefix}{digits}"


def _ascii(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return slugify(plain)
