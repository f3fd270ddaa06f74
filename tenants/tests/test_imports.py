"""Bulk import of an allocation result (tenants/imports/) and its command."""

from __future__ import annotations

import io
import math
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from crous_admin.errors import ApplicationError, ConflictError
from notifications.models import Message
from residences.models import HousingUnit, UnitStatus
from residences.tests.factories import HousingUnitFactory, ResidenceFactory, UserFactory
from tenants.code_redemption import tenant_code_redeem
from tenants.codes import code_hmac
from tenants.imports import validation, writing
from tenants.imports.assignments import assignments_import
from tenants.imports.report import RowError
from tenants.ine import bea_ine
from tenants.models import CodeDelivery, Student, TenantFile, TenantFileStatus
from tenants.tests.factories import StudentFactory, TenantFileFactory

HEADER = (
    "ine",
    "last_name",
    "first_name",
    "email",
    "mobile_phone",
    "campus_france",
    "residence",
    "unit",
    "start_date",
    "end_date",
)


@pytest.fixture(autouse=True)
def _english():
    # Messages are compared in English, the source language of the code.
    with translation.override("en"):
        yield


@pytest.fixture
def village(bordeaux):
    """A Bordeaux residence with ten free units, A001 to A010."""
    residence = ResidenceFactory(crous=bordeaux, code="village-1", name="Village 1")
    for n in range(1, 11):
        HousingUnitFactory(residence=residence, number=f"A{n:03d}")
    return residence


def _line(n: int, **values: str) -> dict[str, str]:
    """A good line for student ``n`` in unit A00n of village-1."""
    return {
        "ine": bea_ine(1_100_000_000 + n),
        "last_name": f"Martin{n}",
        "first_name": "Léa",
        "email": f"lea.martin{n}@etu.example",
        "mobile_phone": f"06 12 34 56 {n % 100:02d}",
        "campus_france": "non",
        "residence": "village-1",
        "unit": f"A{n:03d}",
        "start_date": "2026-09-01",
        "end_date": "2027-06-30",
        **values,
    }


def _csv(
    lines: list[dict[str, str]],
    *,
    delimiter: str = ";",
    header: tuple[str, ...] | None = None,
    encoding: str = "utf-8",
) -> bytes:
    columns = header or (tuple(lines[0]) if lines else HEADER)
    rows = [delimiter.join(columns)]
    rows += [delimiter.join(line.get(c, "") for c in columns) for line in lines]
    return ("\r\n".join(rows) + "\r\n").encode(encoding)


def _import(crous, by, data: bytes, **kwargs):
    return assignments_import(crous=crous, by=by, data=data, **kwargs)


def _nothing_written(crous) -> None:
    assert not TenantFile.objects.filter(crous=crous).exists()
    assert not Student.objects.filter(crous=crous).exists()
    assert not Message.objects.filter(crous=crous).exists()
    assert not HousingUnit.objects.filter(
        residence__crous=crous, status=UnitStatus.OCCUPIED
    ).exists()


# --- A good file -------------------------------------------------------------------------


def test_a_good_file_creates_students_and_files_with_codes_and_occupies_the_units(
    bordeaux, village, bordeaux_officer
):
    report = _import(bordeaux, bordeaux_officer, _csv([_line(1), _line(2), _line(3)]))

    assert report.ok
    assert report.imported
    assert (report.rows, report.students_created, report.students_reused) == (3, 3, 0)
    assert (report.files_created, report.emails_queued, report.codes_to_hand_over) == (3, 3, 0)
    files = TenantFile.objects.filter(crous=bordeaux).select_related("student", "unit")
    assert sorted(f.unit.number for f in files) == ["A001", "A002", "A003"]
    for tenant_file in files:
        assert tenant_file.status == TenantFileStatus.ASSIGNED
        assert tenant_file.code_delivery == CodeDelivery.EMAIL
        assert len(tenant_file.code_hmac) == 64
        assert (tenant_file.code_expires_at - tenant_file.code_issued_at).days == 30
        assert (tenant_file.academic_year, tenant_file.start_date) == (2026, date(2026, 9, 1))
        assert tenant_file.unit.status == UnitStatus.OCCUPIED
    student = Student.objects.get(crous=bordeaux, ine=bea_ine(1_100_000_001))
    assert (student.last_name, student.email) == ("Martin1", "lea.martin1@etu.example")
    assert str(student.mobile_phone) == "+33612345601"
    assert Message.objects.filter(crous=bordeaux, template_key="tenant_code").count() == 3


def test_the_code_in_the_queued_email_links_the_student_account(
    bordeaux, village, bordeaux_officer
):
    # Given an imported file, its email still waiting in the outbox (not sent: no commit)
    _import(bordeaux, bordeaux_officer, _csv([_line(1, email="Lina.Roux@etu.example")]))
    message = Message.objects.get(crous=bordeaux, recipient="lina.roux@etu.example")
    account = UserFactory(email="lina.roux@etu.example")

    # When the student types the code of the email
    linked = tenant_code_redeem(user=account, raw_code=message.context["secret_code"])

    # Then the account is linked to the imported file
    assert linked.student.ine == bea_ine(1_100_000_001)
    assert linked.linked_user == account
    assert linked.status == TenantFileStatus.ACTIVE


def test_the_code_emails_are_sent_once_the_import_commits(
    bordeaux, village, bordeaux_officer, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        _import(bordeaux, bordeaux_officer, _csv([_line(1), _line(2)]))

    assert sorted(m.to[0] for m in mailoutbox) == [
        "lea.martin1@etu.example",
        "lea.martin2@etu.example",
    ]
    codes = [m.context.get("secret_code") for m in Message.objects.filter(crous=bordeaux)]
    assert all(code == "•••" for code in codes)  # wiped from the outbox once sent
    tenant_file = TenantFile.objects.get(student__email="lea.martin1@etu.example")
    sent_code = next(
        word
        for word in mailoutbox[0].body.split() + mailoutbox[1].body.split()
        if len(word) == 12 and word.count("-") == 2 and code_hmac(word) == tenant_file.code_hmac
    )
    assert sent_code


def test_history_rows_name_the_importing_staff_member(bordeaux, village, bordeaux_officer):
    _import(bordeaux, bordeaux_officer, _csv([_line(1)]), source_name="affectations.csv")

    tenant_file = TenantFile.objects.get(crous=bordeaux)
    file_history = tenant_file.history.get()
    # The history row is the file as written (the code's HMAC excepted, never in history).
    for field in TenantFile.history.model.tracked_fields:
        assert getattr(file_history, field.attname) == getattr(tenant_file, field.attname)
    assert file_history.history_user == bordeaux_officer
    assert file_history.history_type == "+"
    assert file_history.history_change_reason == (
        "tenant file created by import affectations.csv, code issued"
    )
    student_history = tenant_file.student.history.get()
    assert (student_history.ine, student_history.email) == (
        bea_ine(1_100_000_001),
        "lea.martin1@etu.example",
    )
    assert student_history.history_user == bordeaux_officer
    assert student_history.history_change_reason == "student created by import affectations.csv"
    unit_history = tenant_file.unit.history.latest()
    assert unit_history.history_user == bordeaux_officer
    assert (unit_history.history_type, unit_history.status) == ("~", UnitStatus.OCCUPIED)
    assert unit_history.history_change_reason == (
        f"occupied by tenant file {tenant_file.pk} (import affectations.csv)"
    )


def test_a_known_student_is_reused_with_their_record_kept_and_noted(
    bordeaux, village, bordeaux_officer
):
    known = StudentFactory(
        crous=bordeaux, ine=bea_ine(1_100_000_001), last_name="Durand", email="old@etu.example"
    )

    report = _import(bordeaux, bordeaux_officer, _csv([_line(1), _line(2)]))

    assert (report.students_created, report.students_reused) == (1, 1)
    known.refresh_from_db()
    assert (known.last_name, known.email) == ("Durand", "old@etu.example")
    assert TenantFile.objects.get(student=known).unit.number == "A001"
    assert Message.objects.filter(recipient="old@etu.example").exists()
    assert report.notices == [
        RowError(
            2,
            "email",
            f"The student with INE {known.ine} is already known with the email address "
            "old@etu.example: the record is kept and the code is sent there, not to "
            "lea.martin1@etu.example. Update the student's record first if the file is right.",
        )
    ]


def test_a_hand_over_line_gets_a_file_without_email_for_the_residence_to_issue_its_code(
    bordeaux, village, bordeaux_officer
):
    header = (*HEADER, "hand_over")
    report = _import(
        bordeaux,
        bordeaux_officer,
        _csv([_line(1, campus_france="oui", hand_over="oui"), _line(2)], header=header),
    )

    assert (report.emails_queued, report.codes_to_hand_over) == (1, 1)
    handed = TenantFile.objects.get(student__ine=bea_ine(1_100_000_001))
    assert handed.student.is_campus_france
    assert (handed.code_delivery, handed.code_hmac, handed.code_issued_at) == (
        CodeDelivery.HAND_OVER,
        "",
        None,
    )
    assert handed.history.get().history_change_reason == (
        "tenant file created by import, code to hand over"
    )
    assert list(Message.objects.values_list("recipient", flat=True)) == ["lea.martin2@etu.example"]


# --- Dry run -------------------------------------------------------------------------------


def test_a_dry_run_reports_the_counts_and_writes_nothing(bordeaux, village, bordeaux_officer):
    StudentFactory(crous=bordeaux, ine=bea_ine(1_100_000_002))

    report = _import(bordeaux, bordeaux_officer, _csv([_line(1), _line(2), _line(3)]), dry_run=True)

    assert report.ok
    assert not report.imported
    assert (report.rows, report.students_created, report.students_reused) == (3, 2, 1)
    assert (report.files_created, report.emails_queued) == (3, 3)
    assert not TenantFile.objects.exists()
    assert Student.objects.count() == 1
    assert not Message.objects.exists()
    assert not HousingUnit.objects.filter(status=UnitStatus.OCCUPIED).exists()


# --- Every bad line, with its line number ------------------------------------------------


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        (
            {"ine": "1234567890A"},
            "ine",
            "INE “1234567890A” is not valid: its check letter does not match its digits (a "
            "typing error?). Correct it in the file.",
        ),
        (
            {"ine": "12345"},
            "ine",
            "INE “12345” is not valid: an INE has 11 letters and digits, this one has 5. "
            "Correct it in the file.",
        ),
        ({"ine": ""}, "ine", "The INE is missing: every line needs the student's INE."),
        ({"last_name": " "}, "last_name", "The last name is missing."),
        (
            {"email": "lea.martin@"},
            "email",
            "“lea.martin@” is not a valid email address: correct it in the file.",
        ),
        (
            {"mobile_phone": "06 12"},
            "mobile_phone",
            "“06 12”: Enter a French mobile number, e.g. 06 12 34 56 78 or +33 6 12 34 56 78 "
            "(overseas: +262 692…, +262 639…, +590 690…, +594 694…, +596 696…). "
            "Or leave the cell empty.",
        ),
        (
            {"campus_france": "peut-être"},
            "campus_france",
            "“peut-être” is not yes or no: write oui/non, yes/no, 1/0 or true/false.",
        ),
        (
            {"start_date": "2026-13-01"},
            "start_date",
            "“2026-13-01” is not a date: write it as YYYY-MM-DD or DD/MM/YYYY.",
        ),
        (
            {"end_date": "31/02/2027"},
            "end_date",
            "“31/02/2027” is not a date: write it as YYYY-MM-DD or DD/MM/YYYY.",
        ),
        (
            {"end_date": "2026-08-31"},
            "end_date",
            "The end date must come after the start date.",
        ),
        (
            {"residence": "village-9"},
            "residence",
            "Residence “village-9” is not found in this Crous (Crous de Bordeaux-Aquitaine): "
            "use the residence code shown in the back-office's list of residences.",
        ),
        (
            {"unit": "Z999"},
            "unit",
            "Unit “Z999” is not found in residence village-1 of this Crous: check the unit number.",
        ),
    ],
)
def test_a_bad_value_is_reported_with_its_line_and_column_and_nothing_is_imported(
    bordeaux, village, bordeaux_officer, values, column, message
):
    data = _csv([_line(1), _line(2), _line(3, **values), _line(4)])

    report = _import(bordeaux, bordeaux_officer, data)

    assert report.errors == [RowError(4, column, message)]  # header = line 1
    assert not report.imported
    _nothing_written(bordeaux)


def test_every_bad_line_is_reported_not_just_the_first(bordeaux, village, bordeaux_officer):
    data = _csv(
        [
            _line(1, email="nope"),
            _line(2),
            _line(3, ine="x", start_date="demain"),
            _line(4, unit="Z1"),
        ]
    )

    report = _import(bordeaux, bordeaux_officer, data)

    assert [(e.line, e.column) for e in report.errors] == [
        (2, "email"),
        (4, "ine"),
        (4, "start_date"),
        (5, "unit"),
    ]
    assert (report.rows, report.bad_lines) == (4, 3)
    _nothing_written(bordeaux)


def test_the_same_ine_twice_in_the_file_reports_both_lines(bordeaux, village, bordeaux_officer):
    twin = bea_ine(1_100_000_001)

    report = _import(
        bordeaux, bordeaux_officer, _csv([_line(1), _line(2), _line(3, ine=twin.lower())])
    )

    assert report.errors == [
        RowError(
            2,
            "ine",
            f"INE {twin} is also on line 4: a student is assigned one unit per file; keep one "
            "of these lines.",
        ),
        RowError(
            4,
            "ine",
            f"INE {twin} is also on line 2: a student is assigned one unit per file; keep one "
            "of these lines.",
        ),
    ]
    _nothing_written(bordeaux)


def test_the_same_unit_twice_in_the_file_reports_both_lines(bordeaux, village, bordeaux_officer):
    report = _import(bordeaux, bordeaux_officer, _csv([_line(1), _line(2, unit="A001"), _line(3)]))

    assert [(e.line, e.column) for e in report.errors] == [(2, "unit"), (3, "unit")]
    assert report.errors[0].message == (
        "Unit A001 of residence village-1 is also on line 3: a unit is assigned to one "
        "student; keep one of these lines."
    )
    _nothing_written(bordeaux)


def test_a_unit_that_is_not_free_is_reported(bordeaux, village, bordeaux_officer):
    HousingUnit.objects.filter(number="A002").update(status=UnitStatus.UNAVAILABLE)
    occupied = HousingUnit.objects.get(number="A003")
    TenantFileFactory(crous=bordeaux, unit=occupied)

    report = _import(bordeaux, bordeaux_officer, _csv([_line(1), _line(2), _line(3)]))

    assert report.errors == [
        RowError(
            3,
            "unit",
            "Unit A002 of residence village-1 is not free (Unavailable (works, closed)): "
            "choose another unit.",
        ),
        RowError(
            4,
            "unit",
            "Unit A003 of residence village-1 already has a current tenant file: choose "
            "another unit, or end that file first.",
        ),
    ]


def test_a_student_who_already_has_a_current_file_in_this_crous_is_reported(
    bordeaux, village, bordeaux_officer
):
    housed = TenantFileFactory(crous=bordeaux, student__ine=bea_ine(1_100_000_002))

    report = _import(bordeaux, bordeaux_officer, _csv([_line(1), _line(2)]))

    assert report.errors == [
        RowError(
            3,
            "ine",
            f"The student with INE {housed.student.ine} already has a current tenant file in "
            f"this Crous (file {housed.pk}): end it, or change its unit in the back-office, "
            "instead of importing a new assignment.",
        )
    ]


def test_missing_and_unknown_columns_are_named_in_one_error(bordeaux, village, bordeaux_officer):
    header = (*(c for c in HEADER if c not in ("email", "unit")), "room")
    lines = [{**_line(1), "room": "A001"}]

    report = _import(bordeaux, bordeaux_officer, _csv(lines, header=header))

    assert report.errors == [
        RowError(
            1,
            "",
            "The header line is not as expected (missing columns: email, unit; unknown "
            "columns: room). The first line must name the columns: ine, last_name, "
            "first_name, email, residence, unit, start_date, end_date, and optionally "
            "mobile_phone, campus_france, hand_over.",
        )
    ]
    assert report.rows == 0


def test_a_line_with_too_many_cells_is_reported(bordeaux, village, bordeaux_officer):
    data = _csv([_line(1), _line(2)]).replace(b"Martin2", b"Martin;2")

    report = _import(bordeaux, bordeaux_officer, data)

    assert report.errors == [
        RowError(
            3,
            "",
            "This line has 11 cells but the header has 10: check for a semicolon inside a "
            "value (put the value in double quotes) or a missing cell.",
        )
    ]


def test_an_empty_file_is_reported(bordeaux, bordeaux_officer):
    report = _import(bordeaux, bordeaux_officer, b"\xef\xbb\xbf\r\n")

    assert report.errors == [
        RowError(1, "", "The file is empty: export the allocation result again.")
    ]


# --- Who may import where ------------------------------------------------------------------


def test_versailles_units_are_not_found_by_a_bordeaux_import(
    bordeaux, versailles, village, bordeaux_officer
):
    HousingUnitFactory(residence__crous=versailles, residence__code="parly-2", number="B001")

    report = _import(bordeaux, bordeaux_officer, _csv([_line(1, residence="parly-2", unit="B001")]))

    assert [(e.line, e.column) for e in report.errors] == [(2, "residence")]
    assert "is not found in this Crous" in report.errors[0].message
    assert not TenantFile.objects.exists()


def test_a_bordeaux_officer_cannot_import_into_versailles(
    bordeaux, versailles, village, bordeaux_officer
):
    HousingUnitFactory(residence__crous=versailles, residence__code="parly-2", number="B001")

    with pytest.raises(ApplicationError) as refused:
        _import(versailles, bordeaux_officer, _csv([_line(1, residence="parly-2", unit="B001")]))

    assert refused.value.code == "forbidden"
    assert refused.value.status == 403
    assert not TenantFile.objects.exists()


def test_an_assistance_agent_cannot_import(versailles, versailles_agent):
    HousingUnitFactory(residence__crous=versailles, residence__code="parly-2", number="B001")

    with pytest.raises(ApplicationError, match="You may not assign housing units"):
        _import(
            versailles,
            versailles_agent,
            _csv([_line(1, residence="parly-2", unit="B001")]),
            dry_run=True,
        )


# --- Formats -------------------------------------------------------------------------------


def test_comma_delimiter_bom_and_french_dates_are_read(bordeaux, village, bordeaux_officer):
    data = b"\xef\xbb\xbf" + _csv(
        [_line(1, start_date="01/09/2026", end_date="30/06/2027", last_name="Le Gall")],
        delimiter=",",
    )

    report = _import(bordeaux, bordeaux_officer, data)

    assert report.ok, report.errors
    assert (report.encoding, report.delimiter) == ("UTF-8", ",")
    tenant_file = TenantFile.objects.get()
    assert (tenant_file.start_date, tenant_file.end_date) == (date(2026, 9, 1), date(2027, 6, 30))
    assert tenant_file.student.last_name == "Le Gall"


def test_an_excel_windows_file_is_read_as_cp1252(bordeaux, village, bordeaux_officer):
    data = _csv([_line(1, first_name="Aïssatou", last_name="Lefèvre")], encoding="cp1252")

    report = _import(bordeaux, bordeaux_officer, data)

    assert report.ok, report.errors
    assert report.encoding == "Windows-1252"
    assert Student.objects.get().first_name == "Aïssatou"


def test_quoted_values_blank_lines_and_trailing_delimiters_are_tolerated(
    bordeaux, village, bordeaux_officer
):
    data = (
        "INE;Last Name;first_name;email;mobile_phone;campus_france;residence;unit;"
        "start_date;end_date;\r\n"
        f'{bea_ine(1_100_000_001)};"Martin; épouse Roux";Léa;LEA@ETU.EXAMPLE;'
        "0692 12 34 56;yes;VILLAGE-1;a001;2026-09-01;2027-06-30;\r\n"
        ";;;;;;;;;;\r\n"
        "\r\n"
    ).encode()

    report = _import(bordeaux, bordeaux_officer, data)

    assert report.ok, report.errors
    student = Student.objects.get()
    assert (student.last_name, student.email) == ("Martin; épouse Roux", "lea@etu.example")
    assert str(student.mobile_phone) == "+262692123456"  # La Réunion, national format
    assert student.is_campus_france


# --- All or nothing, and what happens meanwhile ----------------------------------------------


def test_a_unit_taken_between_the_checks_and_the_writes_fails_the_whole_import(
    bordeaux, village, bordeaux_officer, monkeypatch
):
    check = validation.check_against_database

    def someone_assigns_a002_right_after_the_checks(rows, **kwargs):
        check(rows, **kwargs)
        HousingUnit.objects.filter(number="A002").update(status=UnitStatus.OCCUPIED)

    monkeypatch.setattr(
        validation, "check_against_database", someone_assigns_a002_right_after_the_checks
    )

    with pytest.raises(ConflictError) as conflict:
        _import(bordeaux, bordeaux_officer, _csv([_line(1), _line(2), _line(3)]))

    assert conflict.value.code == "unit_not_free"
    assert not TenantFile.objects.exists()
    assert not Student.objects.exists()
    assert HousingUnit.objects.filter(status=UnitStatus.OCCUPIED).count() == 1  # A002 only


def test_a_code_colliding_with_a_live_one_is_drawn_again(
    bordeaux, village, bordeaux_officer, monkeypatch
):
    TenantFileFactory(crous=bordeaux, code_hmac=code_hmac("AAAAAAAAAA"))
    draws = iter(["AAAAAAAAAA", "BBBBBBBBBB"])
    monkeypatch.setattr(writing, "code_generate", lambda: next(draws))

    report = _import(bordeaux, bordeaux_officer, _csv([_line(1)]))

    assert report.imported
    message = Message.objects.get(crous=bordeaux)
    assert message.context["secret_code"] == "BBBB-BBBB-BB"
    assert TenantFile.objects.get(unit__number="A001").code_hmac == code_hmac("BBBBBBBBBB")


# --- Cost ----------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [10, 100])
def test_the_number_of_queries_does_not_grow_with_the_lines(
    bordeaux, bordeaux_officer, django_assert_max_num_queries, rows
):
    residence = ResidenceFactory(crous=bordeaux, code="village-1")
    HousingUnit.objects.bulk_create(
        HousingUnitFactory.build(residence=residence, number=f"A{n:03d}") for n in range(1, 101)
    )
    StudentFactory(crous=bordeaux, ine=bea_ine(1_100_000_001))  # one known student
    data = _csv([_line(n) for n in range(1, rows + 1)])
    bordeaux_officer._staff_roles_cache = None  # the roles query counted below, every time

    # 1 the officer's roles, 2 the residences, 3 their units (with "has a current file"),
    # 4 the known students (with their current file); then, in one transaction:
    # 5 savepoint, 6 units occupied, 7 students*, 8 their history (INSERT … SELECT),
    # 9 savepoint, 10 files*, 11 release, 12 their history, 13 the units' history,
    # outbox: 14 existing keys, 15 savepoint, 16 savepoint, 17 messages* (ids returned),
    # 18 release, 19 release; 20 release.
    # * one INSERT for all the lines, unless the database limits the parameters of a
    # statement (SQLite: 999, so a few more INSERTs for 100 lines; none on PostgreSQL).
    expected = 17 + sum(
        _insert_statements(model, count, batch)
        for model, count, batch in [
            (Student, rows - 1, writing.WRITE_BATCH),
            (TenantFile, rows, writing.WRITE_BATCH),
            (Message, rows, 500),
        ]
    )
    if connection.vendor == "postgresql":
        assert expected == 20
    with django_assert_max_num_queries(expected) as captured:
        report = _import(bordeaux, bordeaux_officer, data)

    assert report.imported
    assert report.files_created == rows
    assert len(captured) == expected


def _insert_statements(model, count: int, batch: int) -> int:
    """INSERT statements Django's bulk_create needs for ``count`` rows of ``model``."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    per_statement = min(batch, max(connection.ops.bulk_batch_size(fields, [None] * count), 1))
    return math.ceil(count / per_statement)


def test_the_lookups_are_batched_per_thousand_lines(bordeaux, bordeaux_officer, monkeypatch):
    monkeypatch.setattr(validation, "LOOKUP_BATCH", 2)
    monkeypatch.setattr(writing, "WRITE_BATCH", 2)
    residence = ResidenceFactory(crous=bordeaux, code="village-1")
    for n in range(1, 6):
        HousingUnitFactory(residence=residence, number=f"A{n:03d}")

    report = _import(bordeaux, bordeaux_officer, _csv([_line(n) for n in range(1, 6)]))

    assert report.imported
    assert TenantFile.objects.count() == Message.objects.count() == 5
    assert sorted(TenantFile.objects.values_list("unit__number", flat=True)) == [
        f"A{n:03d}" for n in range(1, 6)
    ]


# --- The command ---------------------------------------------------------------------------


def _command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_assignments", *args, "--no-progress", stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        return exc.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_the_command_imports_a_file_and_prints_the_counts(
    bordeaux, village, bordeaux_officer, tmp_path
):
    path = tmp_path / "affectations.csv"
    path.write_bytes(_csv([_line(1), _line(2)]))

    code, out, err = _command(str(path), "--crous", "bordeaux", "--by", bordeaux_officer.email)

    assert code == 0, err
    assert "Imported." in out
    assert re.search(r"tenant files created +2\n", out)
    assert re.search(r"code emails queued +2\n", out)
    assert TenantFile.objects.count() == 2
    assert TenantFile.objects.first().history.get().history_user == bordeaux_officer


def test_the_command_exits_1_with_the_report_when_lines_are_bad(bordeaux, village, tmp_path):
    path = tmp_path / "affectations.csv"
    path.write_bytes(_csv([_line(1), _line(2, email="nope"), _line(3, unit="Z9")]))

    code, _out, err = _command(str(path), "--crous", "bordeaux")

    assert code == 1
    assert "line 3 [email]: “nope” is not a valid email address" in err
    assert "line 4 [unit]: Unit “Z9” is not found in residence village-1" in err
    assert "2 bad line(s) out of 3: nothing was imported." in err
    assert not TenantFile.objects.exists()


def test_the_command_dry_run_writes_nothing(bordeaux, village, tmp_path):
    path = tmp_path / "affectations.csv"
    path.write_bytes(_csv([_line(1)]))

    code, out, _err = _command(str(path), "--crous", "bordeaux", "--dry-run")

    assert code == 0
    assert "Dry run: every line is good; nothing was written." in out
    assert "tenant files created" in out
    assert not TenantFile.objects.exists()


def test_the_command_refuses_a_staff_member_of_another_crous(
    bordeaux, versailles, village, versailles_agent, tmp_path
):
    path = tmp_path / "affectations.csv"
    path.write_bytes(_csv([_line(1)]))

    code, _out, err = _command(str(path), "--crous", "bordeaux", "--by", versailles_agent.email)

    assert code == 1
    assert "You may not assign housing units in Crous de Bordeaux-Aquitaine" in err


def test_the_command_exit_code_is_1_from_the_command_line(bordeaux, village, tmp_path, capsys):
    from tenants.management.commands.import_assignments import Command

    path = tmp_path / "affectations.csv"
    path.write_bytes(_csv([_line(1, ine="nope")]))

    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(
            ["manage.py", "import_assignments", str(path), "--crous", "bordeaux", "--no-progress"]
        )

    assert exited.value.code == 1
    assert "line 2 [ine]: INE “nope” is not valid" in capsys.readouterr().err
