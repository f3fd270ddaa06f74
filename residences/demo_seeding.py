"""Demo data of the catalogue and the staff: every academic Crous, their residences and
housing units, three staff accounts per Crous, a national administrator and a superuser.

The project's demo (``crous_admin/demo/``) calls this first, then each app above seeds its
own rows on top (students and tenant files, tickets, renewal windows). Deterministic for a
given ``seed``; every row has a natural key (Crous code, residence code, unit number, email),
so a second run finds what the first created. Bulk inserts skip ``save()``: no history rows
are written for the generated residences, units and staff accounts, only for the Crous.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from crous_admin.accounts.roles import Role
from residences import demo_catalogue, demo_data
from residences.models import Crous, HousingUnit, Residence, StaffMembership, UnitStatus

if TYPE_CHECKING:
    from crous_admin.accounts.models import User

DEMO_PASSWORD = "crous-demo-2026"  # noqa: S105 (printed on purpose: demo installations only)
DEMO_DOMAIN = "crous-demo.example"
UNITS_PER_RESIDENCE = 175

#: (email prefix, role, first name shown in the back-office)
STAFF_ROLES: tuple[tuple[str, str, str], ...] = (
    ("officer", Role.HOUSING_OFFICER, "Gestionnaire"),
    ("agent", Role.ASSISTANCE_AGENT, "Agent"),
    ("admin", Role.CROUS_ADMIN, "Administrateur"),
)
SUPERUSER_EMAIL = f"admin@{DEMO_DOMAIN}"
NATIONAL_ADMIN_EMAIL = f"national@{DEMO_DOMAIN}"

#: What one run created, by kind of row ("crous", "residences", "units", "users"…); each
#: app's seeding adds its own counts.
Tally = Counter[str]


def staff_email(kind: str, crous_code: str) -> str:
    return f"{kind}.{crous_code}@{DEMO_DOMAIN}"


def demo_rng(*key: object) -> random.Random:
    # String seeds are hashed with SHA-512: the same key gives the same data on every run and
    # every machine (unlike hash()). Demo data, not secrets.
    return random.Random(":".join(str(k) for k in key))  # noqa: S311


def apportion(total: int, weights: Sequence[float], *, minimum: int = 0) -> list[int]:
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


def demo_account(tally: Tally, *, email: str, password_hash: str, **defaults: object) -> User:
    """The demo account with this address, created with the demo password if missing."""
    user, created = get_user_model().objects.get_or_create(
        email=email, defaults={"password": password_hash, **defaults}
    )
    tally["users"] += created
    return user


# --- Crous and staff ----------------------------------------------------------------------


def seed_crous(tally: Tally) -> dict[str, Crous]:
    """Every academic Crous of ``demo_data.CROUS``, by code."""
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
        tally["crous"] += created
        crous_by_code[spec.code] = crous
    return crous_by_code


def seed_staff(tally: Tally, *, crous_by_code: dict[str, Crous], password_hash: str) -> None:
    """The superuser, the national administrator and the three roles in every Crous."""
    demo_account(
        tally,
        email=SUPERUSER_EMAIL,
        password_hash=password_hash,
        first_name="Admin",
        last_name="Démo",
        is_staff=True,
        is_superuser=True,
    )
    national = demo_account(
        tally,
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
    tally["users"] += len(new_users)
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


# --- Residences and units -----------------------------------------------------------------


@dataclass(frozen=True)
class ResidencePlan:
    crous_index: int  # 1-based position in ``demo_data.CROUS``
    index: int  # 1-based position among its Crous' residences
    code: str
    name: str
    address: str
    postal_code: str
    city: str
    kind: str
    units: int


def plan_residences(*, units_by_crous: Sequence[int], seed: int) -> list[ResidencePlan]:
    """Every residence holding ``units_by_crous[i]`` units in the i-th Crous, named and
    placed in that Crous' cities."""
    plans: list[ResidencePlan] = []
    for crous_index, (spec, units) in enumerate(
        zip(demo_data.CROUS, units_by_crous, strict=True), start=1
    ):
        count = max(1, min(units, max(2, round(units / UNITS_PER_RESIDENCE))))
        rng = demo_rng(seed, spec.code)
        names = rng.sample(demo_catalogue.RESIDENCE_NAMES, len(demo_catalogue.RESIDENCE_NAMES))
        sizes = [rng.uniform(0.4, 1.8) for _ in range(count)]
        units_by_residence = apportion(units, sizes, minimum=1)
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
                    address=f"{rng.randint(1, 120)} {rng.choice(demo_catalogue.STREETS)}",
                    postal_code=postal_code,
                    city=city,
                    kind="traditional" if rng.random() < 0.6 else "studios",
                    units=units_by_residence[index - 1],
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


def existing_residences() -> set[tuple[int, str]]:
    """(Crous id, residence code) of every residence already there."""
    return set(Residence.objects.values_list("crous_id", "code"))


def build_residence(
    *, plan: ResidencePlan, crous: Crous, rng: random.Random
) -> tuple[Residence, list[HousingUnit]]:
    """One planned residence and its units, all available, not saved yet."""
    residence = Residence(
        crous=crous,
        code=plan.code,
        name=plan.name,
        address=plan.address,
        postal_code=plan.postal_code,
        city=plan.city,
    )
    mix = demo_catalogue.UNIT_MIX[plan.kind]
    unit_types, type_weights = list(mix), list(mix.values())
    numbers = _unit_numbers()
    units: list[HousingUnit] = []
    for _ in range(plan.units):
        unit_type = rng.choices(unit_types, type_weights)[0]
        m2_min, m2_max, rent_min, rent_max = demo_catalogue.UNIT_PROFILES[unit_type]
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
    return residence, units


def insert_residences(
    residences: Iterable[Residence], units: Iterable[HousingUnit], *, batch_size: int
) -> None:
    # Primary keys come back from bulk_create (PostgreSQL, SQLite >= 3.35): the units point
    # at the residences above, and the tenant files inserted next at the units.
    Residence.objects.bulk_create(residences, batch_size=batch_size)
    HousingUnit.objects.bulk_create(units, batch_size=batch_size)


def spare_unit(tally: Tally, *, crous: Crous) -> HousingUnit | None:
    """A studio "DEMO1" in the Crous' first residence, for a demo persona when a tiny scale
    has let every unit; ``None`` when the Crous has no residence at all."""
    residence = Residence.objects.filter(crous=crous).order_by("pk").first()
    if residence is None:
        return None
    tally["units"] += 1
    return HousingUnit.objects.create(
        residence=residence,
        number="DEMO1",
        unit_type="t1",
        surface_m2=Decimal("18.0"),
        monthly_rent=Decimal("420.00"),
    )


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
