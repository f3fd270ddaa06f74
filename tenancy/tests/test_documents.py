"""Verifiable PDFs: each one parses, carries its code, and the public page vouches for it
(or says a tampered copy does not match). Downloads: the holder and their Crous' staff only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tenancy.agreements import agreement_prepare
from tenancy.certificates import certificate_issue
from tenancy.documents import document_read, document_verify
from tenancy.ledger import ledger_bring_up_to_date
from tenancy.models import AgreementTemplate, DocumentKind
from tenancy.rent_payments import payment_record
from tenancy.tests.pdf_reading import document_text, pdf_text

VERIFY = "/verification/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def receipt(linked_student_file, bordeaux_officer):
    ledger_bring_up_to_date(tenant_file=linked_student_file, on=date(2026, 9, 10))
    payment_record(
        by=bordeaux_officer,
        tenant_file=linked_student_file,
        amount=Decimal("260.00"),
        method="transfer",
        booked_on=date(2026, 9, 5),
    )
    return linked_student_file.documents.get(kind=DocumentKind.RECEIPT)


@pytest.fixture
def certificate(linked_student_file):
    AgreementTemplate.objects.create(crous=linked_student_file.crous, monthly_charges="35.00")
    return certificate_issue(tenant_file=linked_student_file, on=date(2026, 10, 1))


def test_the_receipt_states_the_month_the_amount_and_its_verification_code(receipt):
    text = document_text(receipt)

    assert "septembre 2026" in text
    assert "260,00 €" in text
    assert receipt.code_display in text
    assert f"/verification/?code={receipt.code}" in text


def test_the_certificate_states_rent_without_charges_charges_start_and_apl(
    certificate, linked_student_file
):
    text = document_text(certificate)

    assert "225,00 €" in text  # 260 € minus 35 € of charges
    assert "35,00 €" in text
    assert "1 septembre 2026" in text
    assert "APL" in text
    assert "Oui" in text
    assert linked_student_file.student.ine in text
    assert linked_student_file.unit.residence.address in text


def test_the_certificate_says_when_a_unit_is_not_apl_eligible(linked_student_file):
    linked_student_file.unit.apl_eligible = False
    linked_student_file.unit.save()

    text = document_text(certificate_issue(tenant_file=linked_student_file, on=date(2026, 10, 1)))

    assert "Non" in text


def test_one_certificate_a_day_is_issued_however_often_it_is_asked(linked_student_file):
    first = certificate_issue(tenant_file=linked_student_file, on=date(2026, 10, 1))
    again = certificate_issue(tenant_file=linked_student_file, on=date(2026, 10, 1))
    next_day = certificate_issue(tenant_file=linked_student_file, on=date(2026, 10, 2))

    assert first.pk == again.pk != next_day.pk


def test_the_verification_page_confirms_a_genuine_document_with_limited_data(
    client, certificate, linked_student_file
):
    response = client.get(VERIFY, {"code": certificate.code_display.lower()})

    page = response.content.decode()
    assert response.status_code == 200
    assert certificate.sha256 in page
    student = linked_student_file.student
    assert f"{student.first_name[0]}. {student.last_name[0]}." in page
    assert student.last_name not in page
    assert student.ine not in page
    assert response.context["verification"].stored_intact


def test_uploading_the_genuine_pdf_says_it_is_unchanged(client, receipt):
    upload = SimpleUploadedFile("quittance.pdf", document_read(receipt), "application/pdf")

    response = client.post(VERIFY, {"code": receipt.code, "pdf": upload})

    assert response.context["verification"].upload_matches is True
    assert "fr-alert--success" in response.content.decode()


def test_a_tampered_pdf_is_reported_as_not_matching(client, receipt):
    original = document_read(receipt)
    tampered = original.replace(b"260,00", b"160,00") if b"260,00" in original else original + b"%"
    assert tampered != original
    upload = SimpleUploadedFile("quittance.pdf", tampered, "application/pdf")

    response = client.post(VERIFY, {"code": receipt.code, "pdf": upload})

    assert response.context["verification"].upload_matches is False
    assert "fr-alert--error" in response.content.decode()


def test_a_stored_file_changed_behind_the_applications_back_is_not_vouched_for(receipt):
    with open(receipt.file.path, "ab") as handle:
        handle.write(b"\n%tampered")

    assert not document_verify(code=receipt.code).stored_intact


def test_an_unknown_code_is_a_404_saying_so(client, db):
    response = client.get(VERIFY, {"code": "ABCD-EFGH-JKMN"})

    assert response.status_code == 404
    assert not response.context["verification"].found


def test_the_verification_page_is_throttled_per_address(client, settings, db):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "document_verification": "3/minute",
        },
    }
    from tenancy.portal.verification import VerificationThrottle

    VerificationThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    try:
        statuses = [client.get(VERIFY, {"code": "ABCD-EFGH-JKMN"}).status_code for _ in range(4)]
    finally:
        from rest_framework.settings import api_settings

        VerificationThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES

    assert statuses == [404, 404, 404, 429]


def test_the_blank_page_costs_no_throttle_and_no_query(client, django_assert_num_queries, db):
    with django_assert_num_queries(0):
        response = client.get(VERIFY)
    assert response.status_code == 200


def test_the_holder_downloads_their_documents_and_nobody_else_does(
    client, linked_student, unlinked_student, certificate
):
    url = reverse("tenants_portal:document", args=[certificate.code])

    client.force_login(unlinked_student)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(linked_student)
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == document_read(certificate)


def test_staff_download_documents_of_their_crous_only(
    client, bordeaux_officer, versailles_agent, linked_student_file
):
    document = agreement_prepare(tenant_file=linked_student_file).document
    url = reverse("admin:tenancy_verifiabledocument_pdf", args=[document.pk])

    client.force_login(versailles_agent)
    assert client.get(url).status_code == 404
    client.force_login(bordeaux_officer)
    response = client.get(url)

    assert response.status_code == 200
    assert pdf_text(b"".join(response.streaming_content))


def test_media_files_have_unguessable_names(certificate):
    assert certificate.code not in certificate.file.name
    assert len(certificate.file.name.rsplit("/", 1)[1]) == len("0" * 32 + ".pdf")
