from __future__ import annotations

from io import StringIO
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F, Q

from crous_admin.accounts.roles import Role
from crous_admin.demo.seeding import planned_totals, seed_demo
from residences.demo_seeding import NATIONAL_ADMIN_EMAIL, SUPERUSER_EMAIL
from residences.models import Crous, HousingUnit, Residence, StaffMembership, UnitStatus
from tenants.demo_seeding import LINKED_STUDENT_EMAIL, NEW_STUDENT_EMAIL
from tenants.ine import validate_ine
from tenants.models import CURRENT_STATUSES, Student, TenantFile, TenantFileStatus

SMALL = 0.002  # 350 units, 600 tenant files
# The two demo students with a linked account each get a file on top of the planned ones.
DEMO_PERSONA_FILES = 3  # the two linked demo students and the newcomer awaiting a code


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded(db: None) -> None:
    seed_demo(scale=SMALL)


def _counts() -> dict[str, int]:
    return {
        "crous": Crous.objects.count(),
        "residences": Residence.objects.count(),
        "units": HousingUnit.objects.count(),
        "students": Student.objects.count(),
        "tenant_files": TenantFile.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": StaffMembership.objects.count(),
    }


def test_seeding_twice_creates_nothing_the_second_time(seeded: None) -> None:
    before = _counts()

    report = seed_demo(scale=SMALL)

    assert not report.created_anything
    assert _counts() == before


def test_the_command_run_twice_leaves_the_counts_unchanged(db: None) -> None:
    call_command("seed_demo", "--scale", str(SMALL), verbosity=0, stdout=StringIO())
    before = _counts()

    call_command("seed_demo", "--scale", str(SMALL), verbosity=0, stdout=StringIO())

    assert _counts() == before


@pytest.mark.parametrize("scale", [SMALL, 2 * SMALL])
def test_scale_creates_units_and_tenant_files_in_proportion(db: None, scale: float) -> None:
    units, files = planned_totals(scale=scale)
    assert (units, files) == (round(175_000 * scale), round(300_000 * scale))

    seed_demo(scale=scale)

    # A demo student falls back on an extra "DEMO1" unit only when every unit is taken.
    assert HousingUnit.objects.exclude(number="DEMO1").count() == units
    assert TenantFile.objects.count() == files + DEMO_PERSONA_FILES
    assert not Crous.objects.annotate(n=Count("residences")).filter(n=0).exists()


def test_most_tenant_files_of_a_full_history_are_from_earlier_years(seeded: None) -> None:
    current = TenantFile.objects.filter(status__in=CURRENT_STATUSES).count()
    earlier = TenantFile.objects.filter(
        status__in=[TenantFileStatus.ENDED, TenantFileStatus.CANCELLED]
    ).count()

    assert earlier > 0.6 * current
    assert current <= HousingUnit.objects.count()


def test_every_crous_has_a_valid_time_zone_and_overseas_ones_their_own(seeded: None) -> None:
    zones = {c.code: c.time_zone for c in Crous.objects.all()}

    assert len(zones) >= 26
    assert all(isinstance(z, ZoneInfo) and z.key in available_timezones() for z in zones.values())
    assert {
        code: zones[code].key for code in ("reunion", "martinique", "guadeloupe", "guyane")
    } == {
        "reunion": "Indian/Reunion",
        "martinique": "America/Martinique",
        "guadeloupe": "America/Guadeloupe",
        "guyane": "America/Cayenne",
    }
    assert zones["bordeaux"].key == zones["corse"].key == "Europe/Paris"


def test_alsace_moselle_and_overseas_crous_use_their_own_public_holidays(seeded: None) -> None:
    subdivisions = dict(Crous.objects.values_list("code", "holiday_subdivision"))

    assert subdivisions["strasbourg"] == "6AE"
    assert subdivisions["lorraine"] == "57"
    assert subdivisions["reunion"] == "974"
    assert subdivisions["guyane"] == "973"
    assert subdivisions["paris"] == ""


def test_every_crous_passes_its_own_model_validation(seeded: None) -> None:
    for crous in Crous.objects.all():
        crous.full_clean()  # SMS sender name ≤ 11 characters, email, time zone…
        assert crous.contact_email.endswith(".example")


def test_every_residence_and_unit_passes_model_validation(seeded: None) -> None:
    for residence in Residence.objects.all():
        residence.full_clean()
    for unit in HousingUnit.objects.select_related("residence")[:200]:
        unit.full_clean()
        assert 9 <= unit.surface_m2 <= 45
        assert 200 <= unit.monthly_rent <= 700


def test_every_student_ine_is_valid(seeded: None) -> None:
    ines = list(Student.objects.values_list("ine", flat=True))

    assert len(ines) > 300
    for ine in ines:
        validate_ine(ine)


def test_every_mobile_phone_is_a_valid_e164_mobile_number(seeded: None) -> None:
    for phone in Student.objects.values_list("mobile_phone", flat=True):
        number = phonenumbers.parse(str(phone))
        assert phonenumbers.is_valid_number(number), phone
        assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE, phone
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == str(phone)


def test_overseas_students_mostly_have_local_mobile_numbers(seeded: None) -> None:
    reunion = [
        str(p)
        for p in Student.objects.filter(crous__code="reunion").values_list(
            "mobile_phone", flat=True
        )
    ]

    assert reunion
    assert sum(p.startswith("+26269") for p in reunion) > len(reunion) / 2


def test_no_unit_has_more_than_one_current_file_and_every_current_one_is_occupied(
    seeded: None,
) -> None:
    per_unit = HousingUnit.objects.annotate(
        current=Count("tenant_files", filter=Q(tenant_files__status__in=CURRENT_STATUSES))
    )

    assert not per_unit.filter(current__gt=1).exists()
    assert not per_unit.filter(current=1).exclude(status=UnitStatus.OCCUPIED).exists()
    assert not per_unit.filter(current=0, status=UnitStatus.OCCUPIED).exists()


def test_every_tenant_file_is_in_the_crous_of_its_student_and_unit(seeded: None) -> None:
    assert not TenantFile.objects.exclude(crous=F("student__crous")).exists()
    assert not TenantFile.objects.exclude(crous=F("unit__residence__crous")).exists()


def test_staff_of_every_crous_hold_the_three_roles(seeded: None) -> None:
    officer = StaffMembership.objects.get(user__email="officer.bordeaux@crous-demo.example")
    roles_per_crous = StaffMembership.objects.filter(crous__isnull=False).values_list(
        "crous__code", "role"
    )

    assert officer.role == Role.HOUSING_OFFICER
    assert officer.crous.code == "bordeaux"
    assert officer.user.is_staff
    assert len(set(roles_per_crous)) == 3 * Crous.objects.count()
    assert StaffMembership.objects.get(user__email=NATIONAL_ADMIN_EMAIL).role == Role.NATIONAL_ADMIN
    assert get_user_model().objects.get(email=SUPERUSER_EMAIL).is_superuser


def test_demo_student_is_linked_to_an_active_bordeaux_file(seeded: None) -> None:
    user = get_user_model().objects.get(email=LINKED_STUDENT_EMAIL)
    tenant_file = TenantFile.objects.get(linked_user=user)

    assert tenant_file.crous.code == "bordeaux"
    assert tenant_file.status == TenantFileStatus.ACTIVE
    assert tenant_file.unit.status == UnitStatus.OCCUPIED
    assert user.check_password("crous-demo-2026")
    assert not TenantFile.objects.filter(linked_user__email=NEW_STUDENT_EMAIL).exists()


def test_if_empty_does_nothing_on_a_seeded_database_but_prints_the_logins(seeded: None) -> None:
    before = _counts()
    out = StringIO()

    call_command("seed_demo", "--if-empty", "--scale", "0.004", verbosity=0, stdout=out)

    assert _counts() == before
    assert "nothing seeded" in out.getvalue()
    assert LINKED_STUDENT_EMAIL in out.getvalue()
    assert "crous-demo-2026" in out.getvalue()
    assert "/api/docs/" in out.getvalue()


def test_if_empty_seeds_an_empty_database(db: None) -> None:
    call_command("seed_demo", "--if-empty", "--scale", str(SMALL), verbosity=0, stdout=StringIO())

    assert Crous.objects.filter(code="bordeaux").exists()
    assert HousingUnit.objects.count() >= planned_totals(scale=SMALL)[0]


def test_the_newcomer_waits_for_a_code_whose_email_is_queued(seeded: None) -> None:
    from notifications.models import Message

    tenant_file = TenantFile.objects.get(student__email=NEW_STUDENT_EMAIL)

    assert tenant_file.linked_user is None
    assert tenant_file.code_hmac
    message = Message.objects.get(template_key="tenant_code", recipient=NEW_STUDENT_EMAIL)
    assert message.crous == tenant_file.crous


def test_every_message_the_demo_queues_has_a_deliverable_recipient(db):
    # An accented local part ("océane.…@") is no valid address: the demo's outbox would show
    # failed messages and staff alerts for data of its own making.
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from notifications.delivery import e164
    from notifications.models import Channel, Message

    seed_demo(scale=0.002)

    undeliverable = []
    for channel, recipient in Message.objects.values_list("channel", "recipient"):
        if channel == Channel.SMS:
            if e164(recipient) is None:
                undeliverable.append(recipient)
            continue
        try:
            validate_email(recipient)
        except ValidationError:
            undeliverable.append(recipient)
    assert Message.objects.exists()
    assert undeliverable == []
