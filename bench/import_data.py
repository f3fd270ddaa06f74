"""The import benchmark's data: its two temporary Crous, the generated CSV, the same rows
precomputed for the raw insert, and the resets between rounds (bench/import_assignments.py)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

CROUS_CODE, RAW_CROUS_CODE = "bench-import", "bench-import-raw"
STAFF_EMAIL = "bench-import@crous-bench.example"
UNITS_PER_RESIDENCE = 1000

LAST_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand")
FIRST_NAMES = ("Léa", "Hugo", "Chloé", "Louis", "Inès", "Gabriel", "Aïssatou", "Bảo", "Jade")


# --- Data ----------------------------------------------------------------------------------


def create_crous(code: str, rows: int) -> Any:
    """A Crous with ``rows`` free units in residences of 1,000 (bulk inserts, no history)."""
    from decimal import Decimal

    from residences.models import Crous, HousingUnit, Residence, UnitType

    crous = Crous.objects.create(
        code=code,
        name=f"Crous {code} (benchmark)",
        contact_email=f"contact@{code}.crous.example",
        sms_sender_name="CROUS",
    )
    count = -(-rows // UNITS_PER_RESIDENCE)
    residences = Residence.objects.bulk_create(
        Residence(
            crous=crous,
            code=f"r{index:03d}",
            name=f"Résidence {index} ({code})",
            address=f"{index} rue de l'Université",
            postal_code="33000",
            city="Bordeaux",
        )
        for index in range(1, count + 1)
    )
    HousingUnit.objects.bulk_create(
        (
            HousingUnit(
                residence=residences[n // UNITS_PER_RESIDENCE],
                number=f"U{n % UNITS_PER_RESIDENCE:04d}",
                unit_type=UnitType.ROOM,
                surface_m2=Decimal("9.0"),
                monthly_rent=Decimal("260.00"),
            )
            for n in range(rows)
        ),
        batch_size=5000,
    )
    return crous


def create_staff(crous: Any) -> Any:
    from crous_admin.accounts.models import User
    from crous_admin.accounts.roles import Role
    from residences.models import StaffMembership

    user = User.objects.create_user(STAFF_EMAIL, is_staff=True)
    StaffMembership.objects.create(user=user, crous=crous, role=Role.HOUSING_OFFICER)
    return user


def generate_csv(rows: int, *, seed: int) -> bytes:
    from tenants.ine import bea_ine

    rng = random.Random(seed)
    base = rng.randrange(1_000_000_000, 8_000_000_000)
    lines = [
        "ine;last_name;first_name;email;mobile_phone;campus_france;residence;unit;"
        "start_date;end_date"
    ]
    for n in range(rows):
        start, end = ("01/09/2026", "30/06/2027") if n % 2 else ("2026-09-01", "2027-08-31")
        lines.append(
            ";".join(
                [
                    bea_ine(base + n),
                    rng.choice(LAST_NAMES),
                    rng.choice(FIRST_NAMES),
                    f"etudiant.{base + n}@etu.example",
                    f"06 {rng.randrange(10, 30)} {rng.randrange(10, 100)} "
                    f"{rng.randrange(10, 100)} {rng.randrange(10, 100)}",
                    "oui" if n % 20 == 0 else "non",
                    f"r{n // UNITS_PER_RESIDENCE + 1:03d}",
                    f"U{n % UNITS_PER_RESIDENCE:04d}",
                    start,
                    end,
                ]
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def raw_rows(crous: Any, data: bytes) -> tuple[list[Any], list[Any]]:
    """The same students and files as the import would write, every value precomputed."""
    from django.utils import timezone

    from crous_admin.academic_year import academic_year_of
    from residences.models import HousingUnit
    from tenants.codes import code_generate, code_hmac
    from tenants.imports.parsing import _parse_date, _parse_phone
    from tenants.models import CodeDelivery, Student, TenantFile, TenantFileStatus

    units = {
        (unit.residence.code, unit.number): unit
        for unit in HousingUnit.objects.filter(residence__crous=crous).select_related("residence")
    }
    now = timezone.now()
    students, files = [], []
    for line in data.decode("utf-8").splitlines()[1:]:
        ine, last, first, email, phone, campus, residence, unit, start, end = line.split(";")
        start_date, end_date = _parse_date(start), _parse_date(end)
        assert start_date is not None
        assert end_date is not None
        students.append(
            Student(
                crous=crous,
                ine=ine,
                last_name=last,
                first_name=first,
                email=email,
                mobile_phone=_parse_phone(phone) or "",
                is_campus_france=campus == "oui",
            )
        )
        files.append(
            TenantFile(
                crous=crous,
                unit=units[(residence, unit)],
                academic_year=academic_year_of(start_date),
                start_date=start_date,
                end_date=end_date,
                status=TenantFileStatus.ASSIGNED,
                code_hmac=code_hmac(code_generate()),
                code_issued_at=now,
                code_expires_at=now + timedelta(days=crous.code_validity_days),
                code_delivery=CodeDelivery.EMAIL,
            )
        )
    return students, files


# --- Between rounds ---------------------------------------------------------------------


def _run_sql(statements: list[tuple[str, list[Any]]], **models: Any) -> None:
    """Runs each ``(template, params)``; ``{name}`` in a template is the quoted table of
    ``models[name]``, ``{marks}`` one placeholder per parameter. Model metadata only is
    formatted into the SQL; every value is a parameter."""
    from django.db import connection, transaction

    tables = {name: connection.ops.quote_name(m._meta.db_table) for name, m in models.items()}
    with transaction.atomic(), connection.cursor() as cursor:
        for template, params in statements:
            if params:
                marks = ", ".join(["%s"] * len(params))
                cursor.execute(template.format(marks=marks, **tables), params)


def reset(crous_ids: list[int]) -> None:
    """Removes what the measures wrote (files, students, messages, history) and frees the
    units, with plain DELETEs: the ORM's delete would write a history row per deleted row."""
    from notifications.models import DeliveryAttempt, Message
    from residences.models import HousingUnit, Residence, UnitStatus
    from tenants.models import Student, TenantFile

    ids = list(crous_ids)
    _run_sql(
        [
            (
                "DELETE FROM {attempt} WHERE message_id IN "
                "(SELECT id FROM {message} WHERE crous_id IN ({marks}))",
                ids,
            ),
            ("DELETE FROM {message} WHERE crous_id IN ({marks})", ids),
            ("DELETE FROM {file_history} WHERE crous_id IN ({marks})", ids),
            ("DELETE FROM {file} WHERE crous_id IN ({marks})", ids),
            ("DELETE FROM {student_history} WHERE crous_id IN ({marks})", ids),
            ("DELETE FROM {student} WHERE crous_id IN ({marks})", ids),
            (
                "DELETE FROM {unit_history} WHERE id IN (SELECT u.id FROM {unit} u "
                "JOIN {residence} r ON r.id = u.residence_id WHERE r.crous_id IN ({marks}))",
                ids,
            ),
        ],
        attempt=DeliveryAttempt,
        message=Message,
        file_history=TenantFile.history.model,
        file=TenantFile,
        student_history=Student.history.model,
        student=Student,
        unit_history=HousingUnit.history.model,
        unit=HousingUnit,
        residence=Residence,
    )
    HousingUnit.objects.filter(residence__crous_id__in=ids).update(status=UnitStatus.AVAILABLE)


def remove_everything() -> None:
    """Removes the benchmark's Crous, residences, units and staff member (leftovers of an
    interrupted run included)."""
    from crous_admin.accounts.models import User
    from residences.models import Crous, HousingUnit, Residence, StaffMembership

    ids = list(
        Crous.objects.filter(code__in=[CROUS_CODE, RAW_CROUS_CODE]).values_list("pk", flat=True)
    )
    users = list(User.objects.filter(email=STAFF_EMAIL).values_list("pk", flat=True))
    if ids:
        reset(ids)
    _run_sql(
        [
            ("DELETE FROM {membership_history} WHERE user_id IN ({marks})", users),
            ("DELETE FROM {membership} WHERE user_id IN ({marks})", users),
            ("DELETE FROM {user} WHERE id IN ({marks})", users),
            (
                "DELETE FROM {unit} WHERE residence_id IN "
                "(SELECT id FROM {residence} WHERE crous_id IN ({marks}))",
                ids,
            ),
            ("DELETE FROM {residence_history} WHERE crous_id IN ({marks})", ids),
            ("DELETE FROM {residence} WHERE crous_id IN ({marks})", ids),
            ("DELETE FROM {crous_history} WHERE id IN ({marks})", ids),
            ("DELETE FROM {crous} WHERE id IN ({marks})", ids),
        ],
        membership_history=StaffMembership.history.model,
        membership=StaffMembership,
        user=User,
        unit=HousingUnit,
        residence_history=Residence.history.model,
        residence=Residence,
        crous_history=Crous.history.model,
        crous=Crous,
    )
