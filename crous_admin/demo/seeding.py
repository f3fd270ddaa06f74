"""Demo and benchmark data: every academic Crous, their residences, units, students, tenant
files, staff accounts, the demo logins, an Assistance queue and renewal windows.

``seed_demo(scale=1)`` builds a national installation's volume (~1,000 residences, 175,000
units, 300,000 tenant files); the default scale builds a small demo in seconds. The data is
deterministic for a given ``seed`` and the command is idempotent: every row has a natural
key (Crous code, residence code, unit number, INE, email), and a residence is created in one
transaction together with its units, students and files, so a residence that exists is
complete and is skipped on the next run.

This module only orders the work: each app seeds its own rows (``<app>/demo_seeding.py``),
from the bottom layer up, given what the layers below created (ARCHITECTURE.md).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled
from tqdm import tqdm

from assistance.demo_seeding import seed_assistance_demo
from crous_admin.academic_year import academic_year_of
from renewals.demo_seeding import seed_renewal_windows
from residences import demo_data
from residences import demo_seeding as residences_demo
from residences.demo_seeding import (
    DEMO_PASSWORD,
    NATIONAL_ADMIN_EMAIL,
    SUPERUSER_EMAIL,
    ResidencePlan,
    apportion,
    demo_rng,
    staff_email,
)
from residences.models import Crous, HousingUnit, Residence
from tenancy.demo_seeding import seed_tenant_space_demo
from tenants import demo_seeding as tenants_demo
from tenants.demo_seeding import LINKED_STUDENT_EMAIL, NEW_STUDENT_EMAIL, VERSAILLES_STUDENT_EMAIL
from tenants.models import Student, TenantFile

#: ``make run``'s demo: about 3,500 units and 6,000 tenant files, two residences per Crous
#: at least.
DEMO_SCALE = 0.02
#: Scale 1 is one national installation (Cnous 2024: 813 residences, 175,394 beds; a few
#: hundred thousand tenant files over the years).
FULL_SCALE_UNITS = 175_000
FULL_SCALE_TENANT_FILES = 300_000


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
    today = today or timezone.localdate()
    current_year = academic_year_of(today)
    tally: Counter[str] = Counter()
    with scopes_disabled():
        crous_by_code = residences_demo.seed_crous(tally)
        _seed_residences_and_files(
            tally,
            crous_by_code=crous_by_code,
            scale=scale,
            seed=seed,
            current_year=current_year,
            batch_size=batch_size,
            progress=progress,
        )
        password_hash = make_password(DEMO_PASSWORD)  # hashed once: 1M PBKDF2 rounds each time
        residences_demo.seed_staff(tally, crous_by_code=crous_by_code, password_hash=password_hash)
        tenants_demo.seed_demo_students(
            tally,
            crous_by_code=crous_by_code,
            password_hash=password_hash,
            current_year=current_year,
        )
        seed_tenant_space_demo(today=today)
        if scale <= DEMO_SCALE:  # a small queue for the demo; the benchmarks seed their own
            seed_assistance_demo()
        seed_renewal_windows(crous_by_code=crous_by_code, current_year=current_year, today=today)
    return SeedReport(**{name: tally[name] for name in SeedReport.__dataclass_fields__})


@dataclass
class _Batch:
    """Whole residences (units, students, files) waiting for one transaction."""

    residences: list[Residence]
    units: list[HousingUnit]
    students: list[Student]
    tenant_files: list[TenantFile]

    def __len__(self) -> int:
        return len(self.units) + len(self.tenant_files)


def _plans_with_files(*, scale: float, seed: int) -> list[tuple[ResidencePlan, int]]:
    """Every residence the scale asks for, with how many tenant files it gets."""
    total_units, total_files = planned_totals(scale=scale)
    units_by_crous = apportion(total_units, [s.weight for s in demo_data.CROUS], minimum=1)
    files_by_crous = apportion(total_files, units_by_crous)
    plans = residences_demo.plan_residences(units_by_crous=units_by_crous, seed=seed)
    planned: list[tuple[ResidencePlan, int]] = []
    for crous_index, files in enumerate(files_by_crous, start=1):
        of_crous = [p for p in plans if p.crous_index == crous_index]
        planned.extend(zip(of_crous, apportion(files, [p.units for p in of_crous]), strict=True))
    return planned


def _seed_residences_and_files(
    tally: Counter[str],
    *,
    crous_by_code: dict[str, Crous],
    scale: float,
    seed: int,
    current_year: int,
    batch_size: int,
    progress: bool,
) -> None:
    crous_list = [crous_by_code[s.code] for s in demo_data.CROUS]
    existing = residences_demo.existing_residences()
    todo = [
        (plan, files)
        for plan, files in _plans_with_files(scale=scale, seed=seed)
        if (crous_list[plan.crous_index - 1].pk, plan.code) not in existing
    ]
    batch = _Batch([], [], [], [])
    with tqdm(
        total=sum(plan.units for plan, _files in todo),
        unit=" units",
        desc="Seeding residences",
        disable=not progress,
        mininterval=0.5,
    ) as bar:
        for plan, files in todo:
            crous = crous_list[plan.crous_index - 1]
            # One random sequence per residence, continued from its units to its students.
            rng = demo_rng(seed, crous.code, plan.index)
            residence, units = residences_demo.build_residence(plan=plan, crous=crous, rng=rng)
            students, tenant_files = tenants_demo.build_occupancy(
                crous=crous,
                crous_index=plan.crous_index,
                residence_index=plan.index,
                units=units,
                tenant_files=files,
                rng=rng,
                current_year=current_year,
            )
            batch.residences.append(residence)
            batch.units.extend(units)
            batch.students.extend(students)
            batch.tenant_files.extend(tenant_files)
            if len(batch) >= batch_size:
                bar.update(_flush(tally, batch, batch_size=batch_size))
                batch = _Batch([], [], [], [])
        bar.update(_flush(tally, batch, batch_size=batch_size))


def _flush(tally: Counter[str], batch: _Batch, *, batch_size: int) -> int:
    """Inserts one batch of whole residences in one transaction; returns the units added."""
    if not batch.residences:
        return 0
    with transaction.atomic():
        residences_demo.insert_residences(batch.residences, batch.units, batch_size=batch_size)
        tenants_demo.insert_occupancy(batch.students, batch.tenant_files, batch_size=batch_size)
    tally["residences"] += len(batch.residences)
    tally["units"] += len(batch.units)
    tally["students"] += len(batch.students)
    tally["tenant_files"] += len(batch.tenant_files)
    return len(batch.units)
