from __future__ import annotations

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from residences.models import UnitStatus
from residences.tests.factories import HousingUnitFactory, ResidenceFactory
from tenants.ine import bea_ine
from tenants.models import Student, TenantFile, TenantFileStatus
from tenants.tests.factories import StudentFactory, TenantFileFactory


def _changelist(model: str) -> str:
    return reverse(f"admin:tenants_{model}_changelist")


def _rows(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.fixture
def english(client):
    # Service messages are compared in English (the source language of the code).
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# --- Scoping ---------------------------------------------------------------------------------


def test_bordeaux_officer_sees_no_versailles_student_or_file(
    client, bordeaux, versailles, bordeaux_officer
):
    mine = TenantFileFactory(crous=bordeaux)
    TenantFileFactory.create_batch(2, crous=versailles)
    StudentFactory(crous=versailles)
    client.force_login(bordeaux_officer)

    students = _rows(client.get(_changelist("student")))
    files = _rows(client.get(_changelist("tenantfile")))

    assert students == [mine.student]
    assert files == [mine]


@pytest.mark.parametrize("view", ["change", "history", "delete"])
@pytest.mark.parametrize("model", ["student", "tenantfile"])
def test_a_versailles_record_answers_the_same_404_as_a_missing_one(
    client, bordeaux, versailles, bordeaux_officer, model, view
):
    tenant_file = TenantFileFactory(crous=versailles, student__last_name="Versaillais")
    record = tenant_file if model == "tenantfile" else tenant_file.student
    client.force_login(bordeaux_officer)

    theirs = client.get(reverse(f"admin:tenants_{model}_{view}", args=[record.pk]))
    missing = client.get(reverse(f"admin:tenants_{model}_{view}", args=[999_999]))

    assert theirs.status_code == missing.status_code == 404
    assert b"VERSAILLAIS" not in theirs.content.upper()


def test_ending_files_by_action_ignores_versailles_ids(
    client, bordeaux, versailles, bordeaux_officer
):
    theirs = TenantFileFactory(crous=versailles)
    client.force_login(bordeaux_officer)

    client.post(
        _changelist("tenantfile"),
        {"action": "end_selected_files", "_selected_action": [theirs.pk]},
    )

    theirs.refresh_from_db()
    assert theirs.status == TenantFileStatus.ASSIGNED


# --- Foreign-key choices -----------------------------------------------------------------------


def test_student_add_form_offers_only_the_viewers_crous(
    client, bordeaux, versailles, bordeaux_officer
):
    client.force_login(bordeaux_officer)

    response = client.get(reverse("admin:tenants_student_add"))

    assert list(response.context["adminform"].form.fields["crous"].queryset) == [bordeaux]


def _autocomplete(client, field: str, term: str = "") -> list[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "tenants", "model_name": "tenantfile", "field_name": field, "term": term},
    )
    assert response.status_code == 200
    return [r["id"] for r in response.json()["results"]]


def test_tenant_file_autocomplete_offers_only_the_viewers_students_and_free_units(
    client, bordeaux, versailles, bordeaux_officer
):
    student = StudentFactory(crous=bordeaux)
    StudentFactory(crous=versailles)
    free = HousingUnitFactory(residence__crous=bordeaux)
    HousingUnitFactory(residence__crous=bordeaux, status=UnitStatus.OCCUPIED)
    HousingUnitFactory(residence__crous=versailles)
    client.force_login(bordeaux_officer)

    assert _autocomplete(client, "student") == [str(student.pk)]
    assert _autocomplete(client, "unit") == [str(free.pk)]


def test_tenant_file_add_form_uses_autocomplete_for_student_and_unit(client, bordeaux_officer):
    client.force_login(bordeaux_officer)

    response = client.get(reverse("admin:tenants_tenantfile_add"))

    form = response.context["adminform"].form
    assert type(form.fields["student"].widget.widget).__name__ == "AutocompleteSelect"
    assert type(form.fields["unit"].widget.widget).__name__ == "AutocompleteSelect"


# --- Search ----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["1234 567 890{key}", "1234.567.890-{key_lower}"])
def test_student_search_finds_an_ine_typed_with_separators(
    client, bordeaux, bordeaux_officer, typed
):
    ine = bea_ine(1_234_567_890)
    student = StudentFactory(crous=bordeaux, ine=ine)
    StudentFactory(crous=bordeaux)
    client.force_login(bordeaux_officer)

    term = typed.format(key=ine[-1], key_lower=ine[-1].lower())
    students = _rows(client.get(_changelist("student"), {"q": term}))
    files = _rows(client.get(_changelist("tenantfile"), {"q": term}))

    assert students == [student]
    assert files == []


def test_tenant_file_search_finds_a_file_by_ine_typed_with_separators(
    client, bordeaux, bordeaux_officer
):
    ine = bea_ine(1_234_567_890)
    tenant_file = TenantFileFactory(crous=bordeaux, student__ine=ine)
    TenantFileFactory(crous=bordeaux)
    client.force_login(bordeaux_officer)

    files = _rows(client.get(_changelist("tenantfile"), {"q": f"{ine[:4]}-{ine[4:].lower()}"}))

    assert files == [tenant_file]


def test_tenant_file_residence_filter_lists_only_residences_in_scope(
    client, bordeaux, versailles, bordeaux_officer
):
    ResidenceFactory(crous=bordeaux, name="Village 1")
    ResidenceFactory(crous=versailles, name="Jussieu")
    client.force_login(bordeaux_officer)

    response = client.get(_changelist("tenantfile"))

    assert b"Village 1" in response.content
    assert b"Jussieu" not in response.content


# --- Writes through the services --------------------------------------------------------------


def _student_data(crous, **overrides) -> dict:
    return {
        "crous": crous.pk,
        "ine": "1234 567 890" + bea_ine(1_234_567_890)[-1].lower(),
        "first_name": "Léa",
        "last_name": "Martin",
        "email": "Lea.Martin@etu.example",
        "mobile_phone": "+33612345678",
        "dse_submitted_for": "",
        **overrides,
    }


def test_student_created_through_the_admin_is_normalised_by_the_service(
    client, bordeaux, bordeaux_officer
):
    client.force_login(bordeaux_officer)

    response = client.post(reverse("admin:tenants_student_add"), _student_data(bordeaux))

    assert response.status_code == 302
    student = Student.objects.get()
    assert (student.ine, student.email) == (bea_ine(1_234_567_890), "lea.martin@etu.example")
    assert student.history.get().history_user == bordeaux_officer


def test_a_second_student_with_the_same_ine_is_refused_in_the_form(
    english, bordeaux, bordeaux_officer
):
    StudentFactory(crous=bordeaux, ine=bea_ine(1_234_567_890))
    english.force_login(bordeaux_officer)

    response = english.post(reverse("admin:tenants_student_add"), _student_data(bordeaux))

    # The service's validation (the model's unique constraint) refuses it: shown, not a 500.
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "INE already exists" in str(errors)
    assert Student.objects.count() == 1


def test_student_update_goes_through_the_service(client, bordeaux, bordeaux_officer):
    student = StudentFactory(crous=bordeaux)
    client.force_login(bordeaux_officer)
    data = _student_data(bordeaux, ine=student.ine.lower(), is_scholarship_holder="on")
    del data["crous"]

    response = client.post(reverse("admin:tenants_student_change", args=[student.pk]), data)

    assert response.status_code == 302
    student.refresh_from_db()
    assert student.is_scholarship_holder
    assert student.history.latest().history_change_reason == "student updated"


def _file_data(student, unit) -> dict:
    return {
        "student": student.pk,
        "unit": unit.pk,
        "start_date": "2026-09-01",
        "end_date": "2027-06-30",
        "academic_year": "",
    }


def test_adding_a_tenant_file_creates_it_and_occupies_the_unit(client, bordeaux, bordeaux_officer):
    student = StudentFactory(crous=bordeaux)
    unit = HousingUnitFactory(residence__crous=bordeaux)
    client.force_login(bordeaux_officer)

    response = client.post(reverse("admin:tenants_tenantfile_add"), _file_data(student, unit))

    assert response.status_code == 302
    tenant_file = TenantFile.objects.get()
    unit.refresh_from_db()
    assert (tenant_file.crous, tenant_file.academic_year) == (bordeaux, 2026)
    assert tenant_file.start_date == date(2026, 9, 1)
    assert unit.status == UnitStatus.OCCUPIED
    # Two history rows now: the file created, then its tenant code issued.
    assert {h.history_user for h in tenant_file.history.all()} == {bordeaux_officer}


def test_adding_a_file_on_an_occupied_unit_shows_the_services_error(
    english, bordeaux, bordeaux_officer
):
    current = TenantFileFactory(crous=bordeaux)
    student = StudentFactory(crous=bordeaux)
    english.force_login(bordeaux_officer)

    response = english.post(
        reverse("admin:tenants_tenantfile_add"), _file_data(student, current.unit)
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["unit"] == [
        "This housing unit is not free: choose another unit or end its current file first."
    ]
    assert TenantFile.objects.count() == 1


def test_adding_a_file_for_a_versailles_student_is_refused_by_the_form(
    client, bordeaux, versailles, bordeaux_officer
):
    theirs = StudentFactory(crous=versailles)
    unit = HousingUnitFactory(residence__crous=bordeaux)
    client.force_login(bordeaux_officer)

    response = client.post(reverse("admin:tenants_tenantfile_add"), _file_data(theirs, unit))

    assert response.status_code == 200
    assert "student" in response.context["adminform"].form.errors
    assert not TenantFile.objects.exists()


def test_tenant_file_change_form_keeps_who_and_where_read_only(client, bordeaux, bordeaux_officer):
    tenant_file = TenantFileFactory(crous=bordeaux)
    client.force_login(bordeaux_officer)

    response = client.get(reverse("admin:tenants_tenantfile_change", args=[tenant_file.pk]))

    assert set(response.context["adminform"].form.fields) == {
        "academic_year",
        "start_date",
        "end_date",
    }


def test_end_action_ends_current_files_and_reports_refusals(english, bordeaux, bordeaux_officer):
    current = TenantFileFactory(crous=bordeaux, status=TenantFileStatus.ACTIVE)
    ended = TenantFileFactory(crous=bordeaux, status=TenantFileStatus.ENDED)
    english.force_login(bordeaux_officer)

    response = english.post(
        _changelist("tenantfile"),
        {"action": "end_selected_files", "_selected_action": [current.pk, ended.pk]},
    )

    current.refresh_from_db()
    current.unit.refresh_from_db()
    assert current.status == TenantFileStatus.ENDED
    assert current.unit.status == UnitStatus.AVAILABLE
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "1 tenant file ended.",
        f"1 tenant file was not ended: File {ended.pk}: This tenant file has already ended.",
    ]


def test_assistance_agent_cannot_end_files(client, versailles, versailles_agent):
    tenant_file = TenantFileFactory(crous=versailles)
    client.force_login(versailles_agent)

    response = client.post(
        _changelist("tenantfile"),
        {"action": "end_selected_files", "_selected_action": [tenant_file.pk]},
    )

    tenant_file.refresh_from_db()
    assert response.status_code == 200  # Django answers "no action selected"
    assert tenant_file.status == TenantFileStatus.ASSIGNED


# --- Query budgets ----------------------------------------------------------------------------

# session, user, memberships, user permissions, group permissions: see
# residences/tests/test_admin.py.


@pytest.mark.parametrize("rows", [3, 30])
def test_student_list_queries_do_not_grow_with_rows(
    client, bordeaux, bordeaux_officer, django_assert_max_num_queries, rows
):
    StudentFactory.create_batch(rows, crous=bordeaux)
    client.force_login(bordeaux_officer)

    # session, user, memberships, user permissions, group permissions; "Crous" filter
    # choices; page count, page rows (with their Crous)
    with django_assert_max_num_queries(8):
        response = client.get(_changelist("student"))

    assert len(_rows(response)) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_tenant_file_list_queries_do_not_grow_with_rows(
    client, bordeaux, bordeaux_officer, django_assert_max_num_queries, rows
):
    TenantFileFactory.create_batch(rows, crous=bordeaux)
    client.force_login(bordeaux_officer)

    # session, user, memberships, user permissions, group permissions; "Crous" filter
    # choices, "residence" filter choices; page count, page rows (with student, unit and
    # residence)
    with django_assert_max_num_queries(9):
        response = client.get(_changelist("tenantfile"))

    assert len(_rows(response)) == rows
