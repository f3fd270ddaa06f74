"""The back-office page importing an allocation result (tenants/admin_import.py)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crous_admin.accounts.roles import Role
from notifications.models import Message
from residences.models import HousingUnit, UnitStatus
from residences.tests.factories import (
    CrousFactory,
    HousingUnitFactory,
    ResidenceFactory,
    StaffMembershipFactory,
)
from tenants.ine import bea_ine
from tenants.models import Student, TenantFile

IMPORT_URL = reverse("admin:tenants_tenantfile_import")
CHANGELIST_URL = reverse("admin:tenants_tenantfile_changelist")
HEADER = (
    "ine;last_name;first_name;email;mobile_phone;campus_france;residence;unit;start_date;end_date"
)


@pytest.fixture
def english(client):
    # Messages are compared in English (the source language of the code).
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def village(bordeaux):
    residence = ResidenceFactory(crous=bordeaux, code="village-1", name="Village 1")
    for n in range(1, 6):
        HousingUnitFactory(residence=residence, number=f"A{n:03d}")
    return residence


def _line(n: int, *, email: str | None = None, unit: str | None = None, residence="village-1"):
    return ";".join(
        [
            bea_ine(1_200_000_000 + n),
            f"Martin{n}",
            "Léa",
            email or f"lea.martin{n}@etu.example",
            "0612345678",
            "non",
            residence,
            unit or f"A{n:03d}",
            "01/09/2026",
            "30/06/2027",
        ]
    )


def _file(*lines: str, name: str = "affectations.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "\r\n".join([HEADER, *lines]).encode(), "text/csv")


def _upload(client, crous, upload: SimpleUploadedFile, *, dry_run: bool = True):
    data = {"crous": crous.pk, "file": upload, "upload": "1"}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(IMPORT_URL, data)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Reaching the page -----------------------------------------------------------------------


def test_the_tenant_files_list_offers_the_import_to_a_housing_officer(english, bordeaux_officer):
    english.force_login(bordeaux_officer)

    response = english.get(CHANGELIST_URL)

    assert response.status_code == 200
    assert IMPORT_URL.encode() in response.content
    assert b"Import an allocation result (CSV)" in response.content


def test_an_assistance_agent_has_no_import_button_and_no_import_page(english, versailles_agent):
    english.force_login(versailles_agent)

    listing = english.get(CHANGELIST_URL)
    page = english.get(IMPORT_URL)

    assert listing.status_code == 200
    assert IMPORT_URL.encode() not in listing.content
    assert page.status_code == 403


def test_the_page_names_the_officers_only_crous_instead_of_a_choice(english, bordeaux_officer):
    english.force_login(bordeaux_officer)

    response = english.get(IMPORT_URL)

    assert response.status_code == 200
    assert b"Into the tenant files of Crous de Bordeaux-Aquitaine." in response.content
    assert b'<select name="crous"' not in response.content


def test_a_staff_member_of_several_crous_chooses_among_those_where_they_may_import(
    english, bordeaux, versailles
):
    lille = CrousFactory(code="lille", name="Crous de Lille")
    officer = StaffMembershipFactory(crous=bordeaux, role=Role.HOUSING_OFFICER).user
    StaffMembershipFactory(user=officer, crous=versailles, role=Role.CROUS_ADMIN)
    StaffMembershipFactory(user=officer, crous=lille, role=Role.ASSISTANCE_AGENT)
    english.force_login(officer)

    response = english.get(IMPORT_URL)

    choices = [str(crous) for crous in response.context["form"].fields["crous"].queryset]
    assert choices == ["Crous de Bordeaux-Aquitaine", "Crous de Versailles"]


def test_a_national_administrator_chooses_among_every_crous(
    english, bordeaux, versailles, national_admin
):
    english.force_login(national_admin)

    response = english.get(IMPORT_URL)

    choices = [str(crous) for crous in response.context["form"].fields["crous"].queryset]
    assert choices == ["Crous de Bordeaux-Aquitaine", "Crous de Versailles"]


# --- Upload, report, import ------------------------------------------------------------------


def test_a_dry_run_shows_the_counts_then_the_import_button_imports(
    english, bordeaux, village, bordeaux_officer
):
    english.force_login(bordeaux_officer)

    # Given a good file checked in a dry run
    checked = _upload(english, bordeaux, _file(_line(1), _line(2)))

    # Then the page shows the counts and an "Import" button, and nothing is written yet
    assert checked.status_code == 200
    report = checked.context["report"]
    assert (report.ok, report.dry_run, report.files_created) == (True, True, 2)
    assert b"All 2 lines are good." in checked.content
    assert b'id="import-confirm"' in checked.content
    assert not TenantFile.objects.exists()

    # When the officer confirms
    done = english.post(IMPORT_URL, {"confirm": "1", "token": checked.context["token"]})

    # Then the files exist, with the officer as author, and the list says what was done
    assert done.status_code == 302
    assert done.url == CHANGELIST_URL
    files = TenantFile.objects.filter(crous=bordeaux)
    assert files.count() == 2
    assert {f.history.get().history_user for f in files} == {bordeaux_officer}
    assert HousingUnit.objects.filter(status=UnitStatus.OCCUPIED).count() == 2
    assert Message.objects.filter(crous=bordeaux).count() == 2
    assert _messages(done) == [
        "The allocation result affectations.csv was imported (lines read: 2, students "
        "created: 2, students already known (record kept): 0, tenant files created: 2, "
        "code emails queued: 2, codes to hand over at the residence: 0)."
    ]


def test_a_confirmation_runs_once(english, bordeaux, village, bordeaux_officer):
    english.force_login(bordeaux_officer)
    token = _upload(english, bordeaux, _file(_line(1))).context["token"]
    english.post(IMPORT_URL, {"confirm": "1", "token": token})

    again = english.post(IMPORT_URL, {"confirm": "1", "token": token})

    assert again.status_code == 302
    assert _messages(again)[-1] == (
        "This import was already done or has expired: upload the file again."
    )
    assert TenantFile.objects.count() == 1


def test_a_bad_file_shows_every_bad_line_with_its_number_and_reason(
    english, bordeaux, village, bordeaux_officer
):
    english.force_login(bordeaux_officer)
    upload = _file(
        _line(1), _line(2, email="lea@"), _line(3, unit="Z9"), _line(4, unit="A001"), _line(5)
    )

    response = _upload(english, bordeaux, upload, dry_run=False)

    assert response.status_code == 200
    content = response.content.decode()
    assert "4 lines out of 5 are bad: nothing was imported." in content
    rows = [(e.line, e.column) for e in response.context["errors_shown"]]
    assert rows == [(2, "unit"), (3, "email"), (4, "unit"), (5, "unit")]
    assert '<td class="line">3</td><td class="column">email</td>' in content
    assert "“lea@” is not a valid email address: correct it in the file." in content
    assert "Unit “Z9” is not found in residence village-1 of this Crous" in content
    assert 'id="import-confirm"' not in content
    assert not TenantFile.objects.exists()
    assert not Student.objects.exists()


def test_an_upload_without_dry_run_imports_at_once(english, bordeaux, village, bordeaux_officer):
    english.force_login(bordeaux_officer)

    response = _upload(english, bordeaux, _file(_line(1)), dry_run=False)

    assert response.status_code == 302
    assert TenantFile.objects.get().student.ine == bea_ine(1_200_000_001)


# --- Per-Crous scope -------------------------------------------------------------------------


def test_a_bordeaux_officer_cannot_choose_versailles(
    english, bordeaux, versailles, village, bordeaux_officer
):
    HousingUnitFactory(residence__crous=versailles, residence__code="parly-2", number="B001")
    english.force_login(bordeaux_officer)

    response = _upload(
        english, versailles, _file(_line(1, residence="parly-2", unit="B001")), dry_run=False
    )

    assert response.status_code == 200
    assert response.context["form"].errors["crous"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not TenantFile.objects.exists()


def test_versailles_units_in_a_bordeaux_file_are_not_found(
    english, bordeaux, versailles, village, bordeaux_officer
):
    HousingUnitFactory(residence__crous=versailles, residence__code="parly-2", number="B001")
    english.force_login(bordeaux_officer)

    response = _upload(english, bordeaux, _file(_line(1, residence="parly-2", unit="B001")))

    assert [(e.line, e.column) for e in response.context["errors_shown"]] == [(2, "residence")]
    assert b"Residence \xe2\x80\x9cparly-2\xe2\x80\x9d is not found in this Crous" in (
        response.content
    )
    assert not TenantFile.objects.exists()
