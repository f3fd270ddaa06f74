"""The student pages' housing section: "I consult my file"."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from residences.tests.factories import HousingUnitFactory
from tenants.models import TenantFileStatus
from tenants.selectors import tenant_files_of_student
from tenants.tests.factories import StudentFactory, TenantFileFactory

HOUSING = reverse("tenants_portal:housing")


def test_housing_page_lists_the_students_own_file_with_residence_unit_and_contact(
    client, linked_student, linked_student_file
):
    client.force_login(linked_student)

    response = client.get(HOUSING, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.context["tenant_files"] == [linked_student_file]
    page = response.content.decode()
    residence = linked_student_file.unit.residence
    assert residence.name in page
    assert linked_student_file.unit.number in page
    assert "2026-2027" in page
    assert "Active" in page
    assert f'href="mailto:{linked_student_file.crous.contact_email}"' in page


def test_housing_page_hides_another_students_file_of_the_same_crous(
    client, bordeaux, linked_student, linked_student_file
):
    # Both files are in Bordeaux: the student's scope opens that Crous, so only the
    # selector's filter on the account keeps the neighbour's file out.
    neighbour = TenantFileFactory(
        crous=bordeaux, unit__residence=linked_student_file.unit.residence
    )
    client.force_login(linked_student)

    response = client.get(HOUSING)

    assert response.context["tenant_files"] == [linked_student_file]
    assert neighbour.unit.number not in response.content.decode()


def test_housing_page_lists_files_of_the_student_in_two_crous(
    client, versailles, linked_student, linked_student_file
):
    # A reorientation: a second record of the same account in another Crous.
    earlier = TenantFileFactory(
        crous=versailles,
        linked_user=linked_student,
        linked_at=timezone.now(),
        academic_year=2025,
        start_date=date(2025, 9, 1),
        end_date=date(2026, 6, 30),
        status=TenantFileStatus.ENDED,
    )
    client.force_login(linked_student)

    response = client.get(HOUSING)

    assert response.context["tenant_files"] == [linked_student_file, earlier]


def test_housing_page_explains_the_activation_code_when_no_file_is_linked(
    client, bordeaux, unlinked_student
):
    # A file exists for a student record with the same email but no account linked yet:
    # only the tenant code may link it, never the email address.
    TenantFileFactory(crous=bordeaux, student__email=unlinked_student.email)
    client.force_login(unlinked_student)

    response = client.get(HOUSING, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.context["tenant_files"] == []
    page = response.content.decode()
    assert "No tenant file is linked to your account yet" in page
    assert "your Crous emails you an activation code" in page
    assert f'href="{reverse("tenants_portal:code")}">I have an activation code</a>' in page
    assert "ABCD-EFGH-JK" in page


@pytest.mark.django_db
def test_housing_page_sends_anonymous_visitors_to_log_in(client):
    response = client.get(HOUSING)

    assert response.status_code == 302
    assert response.url == f"{reverse('portal:login')}?next={HOUSING}"


def test_housing_page_shows_staff_no_file_of_their_crous(client, bordeaux_officer, bordeaux):
    TenantFileFactory(crous=bordeaux)
    client.force_login(bordeaux_officer)

    response = client.get(HOUSING)

    assert response.status_code == 200
    assert response.context["tenant_files"] == []


@pytest.mark.parametrize("file_count", [1, 6])
def test_housing_page_query_count_does_not_grow_with_the_files(
    client, bordeaux, linked_student, file_count, django_assert_max_num_queries
):
    student = linked_student.linked_tenant_files.get().student
    for _ in range(file_count - 1):
        TenantFileFactory(
            crous=bordeaux,
            student=student,
            unit=HousingUnitFactory(residence__crous=bordeaux),
            status=TenantFileStatus.ENDED,
            linked_user=linked_student,
            linked_at=timezone.now(),
        )
    client.force_login(linked_student)

    with django_assert_max_num_queries(8):
        # 1. the session
        # 2. the user
        # 3. the user's staff memberships (scope: none, so a student)
        # 4. the Crous of the files linked to the account (scope: those Crous)
        # 5. the tenant files, with their Crous, unit and residence joined
        # 6. their occupancy agreements (tenant space: signed or the next step)
        # 7. their ledger balances, one aggregate
        # 8. the renewal windows of the (one) active file, with its request's status
        response = client.get(HOUSING)

    assert len(response.context["tenant_files"]) == file_count


def test_selector_returns_newest_academic_year_first(bordeaux, linked_student, linked_student_file):
    student = linked_student_file.student
    older = TenantFileFactory(
        crous=bordeaux,
        student=student,
        academic_year=2024,
        start_date=date(2024, 9, 1),
        end_date=date(2025, 6, 30),
        status=TenantFileStatus.ENDED,
        linked_user=linked_student,
        linked_at=timezone.now(),
    )
    TenantFileFactory(crous=bordeaux, student=student)  # not linked: not shown
    StudentFactory(crous=bordeaux)  # another student, no file of theirs may show

    assert list(tenant_files_of_student(user=linked_student)) == [linked_student_file, older]
