"""The tenant space over the API: the student's /me/ side and the staff ledgers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from tenancy.ledger import ledger_bring_up_to_date
from tenancy.models import EntryKind
from tenancy.tests.pdf_reading import pdf_text
from tenants.models import TenantFileStatus
from tenants.tests.factories import TenantFileFactory


@pytest.fixture(autouse=True)
def _mid_october():
    with time_machine.travel("2026-10-15 10:00:00+02:00"):
        yield


def _url(name: str, *args: object) -> str:
    return reverse(f"api:{name}", args=args)


def test_a_student_reads_and_signs_the_agreement_over_the_api(
    api_client, linked_student, linked_student_file
):
    api_client.force_login(linked_student)
    agreement = api_client.get(_url("me-tenantspace-agreement", linked_student_file.pk)).json()
    assert agreement["is_signed"] is False

    response = api_client.post(
        _url("me-tenantspace-sign", linked_student_file.pk),
        {
            "consent": True,
            "typed_name": agreement["expected_name"],
            "document_sha256": agreement["document_sha256"],
        },
        format="json",
        REMOTE_ADDR="192.0.2.10",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["is_signed"] is True
    assert body["signed_document"]["kind"] == "signed_agreement"
    pdf = api_client.get(body["signed_document"]["download_url"])
    assert "192.0.2.10" in pdf_text(b"".join(pdf.streaming_content))


def test_signing_twice_is_a_409_in_the_error_format(
    api_client, linked_student, linked_student_file
):
    api_client.force_login(linked_student)
    agreement = api_client.get(_url("me-tenantspace-agreement", linked_student_file.pk)).json()
    payload = {
        "consent": True,
        "typed_name": agreement["expected_name"],
        "document_sha256": agreement["document_sha256"],
    }
    api_client.post(_url("me-tenantspace-sign", linked_student_file.pk), payload, format="json")

    again = api_client.post(
        _url("me-tenantspace-sign", linked_student_file.pk), payload, format="json"
    )

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "agreement_already_signed"


def test_a_wrong_name_is_a_400_on_the_field(api_client, linked_student, linked_student_file):
    api_client.force_login(linked_student)
    agreement = api_client.get(_url("me-tenantspace-agreement", linked_student_file.pk)).json()

    response = api_client.post(
        _url("me-tenantspace-sign", linked_student_file.pk),
        {"consent": True, "typed_name": "X Y", "document_sha256": agreement["document_sha256"]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["typed_name"]


def test_the_student_ledger_is_brought_up_to_date_and_amounts_are_strings(
    api_client, linked_student, linked_student_file
):
    api_client.force_login(linked_student)

    body = api_client.get(_url("me-tenantspace-ledger", linked_student_file.pk)).json()

    assert body["charged"] == "520.00"
    assert body["balance"] == "520.00"
    assert [e["month"] for e in body["entries"]] == ["2026-09-01", "2026-10-01"]
    assert all(e["recorded_by"] is None for e in body["entries"])


def test_the_student_pays_through_the_api_and_gets_the_fake_checkout(
    api_client, linked_student, linked_student_file
):
    api_client.force_login(linked_student)

    body = api_client.post(
        _url("me-tenantspace-pay", linked_student_file.pk), {"amount": "100.00"}, format="json"
    ).json()

    assert body["amount"] == "100.00"
    assert body["is_test"] is True
    assert "/paiement/passerelle-fictive/" in body["redirect_url"]


def test_the_certificate_and_receipts_over_the_api(api_client, linked_student, linked_student_file):
    api_client.force_login(linked_student)

    certificate = api_client.post(_url("me-tenantspace-certificate", linked_student_file.pk))
    receipts = api_client.get(_url("me-tenantspace-receipts", linked_student_file.pk))

    assert certificate.status_code == 200
    assert certificate.json()["kind"] == "rent_certificate"
    assert certificate.json()["verification_url"].startswith("/verification/?code=")
    assert receipts.json() == []


def test_staff_record_a_cheque_and_read_who_recorded_it(
    api_client, bordeaux_officer, linked_student_file
):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(
        _url("ledger-payments", linked_student_file.pk),
        {"amount": "260.00", "method": "cheque", "booked_on": "2026-10-02", "reference": "CHQ 9"},
        format="json",
    )

    assert response.status_code == 201
    payment = next(e for e in response.json()["entries"] if e["kind"] == EntryKind.PAYMENT)
    assert payment["recorded_by"] == bordeaux_officer.email
    assert response.json()["balance"] == "260.00"  # September paid, October owed


def test_staff_cannot_record_an_online_payment_by_hand(
    api_client, bordeaux_officer, linked_student_file
):
    api_client.force_login(bordeaux_officer)

    response = api_client.post(
        _url("ledger-payments", linked_student_file.pk),
        {"amount": "10.00", "method": "online", "booked_on": "2026-10-02"},
        format="json",
    )

    assert response.status_code == 400


@pytest.mark.parametrize("files", [1, 10])
def test_the_arrears_list_keeps_its_query_count_for_any_number_of_files(
    api_client, bordeaux, bordeaux_officer, files, django_assert_num_queries
):
    for _ in range(files):
        ledger_bring_up_to_date(
            tenant_file=TenantFileFactory(crous=bordeaux, status=TenantFileStatus.ACTIVE),
            on=date(2026, 10, 2),
        )
    api_client.force_login(bordeaux_officer)

    with django_assert_num_queries(5):
        # 1. the session  2. the user  3. the staff memberships (scope and roles)
        # 4. the count, for the pagination
        # 5. the page of files with their sums, student, unit and residence joined
        response = api_client.get(_url("arrears-list"), {"on": "2026-10-02"})

    assert response.status_code == 200
    assert response.json()["count"] == files
    assert Decimal(response.json()["results"][0]["arrears"]) == Decimal("520.00")
