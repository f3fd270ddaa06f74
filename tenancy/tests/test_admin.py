"""The tenant space in the back-office: ledgers, arrears, payments recorded by staff."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from tenancy.agreements import agreement_prepare
from tenancy.ledger import ledger_bring_up_to_date
from tenancy.models import EntryKind, LedgerEntry
from tenants.models import TenantFileStatus
from tenants.tests.factories import TenantFileFactory


@pytest.fixture(autouse=True)
def _mid_october():
    with time_machine.travel("2026-10-15 10:00:00+02:00"):
        yield


def test_an_officer_records_a_cheque_in_the_back_office_with_its_author(
    client, bordeaux_officer, linked_student_file
):
    client.force_login(bordeaux_officer)

    response = client.post(
        reverse("admin:tenancy_ledgerentry_add"),
        {
            "tenant_file": linked_student_file.pk,
            "amount": "260.00",
            "method": "cheque",
            "booked_on": "2026-10-03",
            "reference": "CHQ 1234",
            "note": "handed in at the office",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = LedgerEntry.objects.get(tenant_file=linked_student_file, kind=EntryKind.PAYMENT)
    assert entry.created_by == bordeaux_officer
    assert entry.history.get().history_change_reason == "handed in at the office"


def test_the_back_office_refuses_an_online_method_on_the_form(
    client, bordeaux_officer, linked_student_file
):
    client.force_login(bordeaux_officer)

    response = client.post(
        reverse("admin:tenancy_ledgerentry_add"),
        {
            "tenant_file": linked_student_file.pk,
            "amount": "10.00",
            "method": "online",
            "booked_on": "2026-10-03",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["method"]


def test_the_file_ledger_page_shows_balance_agreement_and_documents(
    client, bordeaux_officer, linked_student_file
):
    agreement_prepare(tenant_file=linked_student_file)
    client.force_login(bordeaux_officer)

    response = client.get(reverse("admin:tenancy_ledger_file", args=[linked_student_file.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "520.00" in page or "520,00" in page
    assert (
        reverse(
            "admin:tenancy_verifiabledocument_pdf",
            args=[agreement_prepare(tenant_file=linked_student_file).document_id],
        )
        in page
    )


def test_another_crous_file_ledger_is_a_404(client, versailles_agent, linked_student_file):
    client.force_login(versailles_agent)

    response = client.get(reverse("admin:tenancy_ledger_file", args=[linked_student_file.pk]))

    assert response.status_code == 404


def test_the_arrears_page_lists_the_crous_files_owing_rent_only(
    client, bordeaux, versailles, bordeaux_officer, django_assert_max_num_queries
):
    owing = TenantFileFactory(crous=bordeaux, status=TenantFileStatus.ACTIVE)
    elsewhere = TenantFileFactory(crous=versailles, status=TenantFileStatus.ACTIVE)
    for tenant_file in (owing, elsewhere):
        ledger_bring_up_to_date(tenant_file=tenant_file, on=date(2026, 10, 2))
    client.force_login(bordeaux_officer)

    response = client.get(reverse("admin:tenancy_ledger_arrears"), {"on": "2026-10-02"})

    files = list(response.context["files"])
    assert files == [owing]
    assert files[0].arrears == Decimal("520.00")
