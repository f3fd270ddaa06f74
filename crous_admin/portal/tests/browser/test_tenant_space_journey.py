"""The tenant space end to end in a real browser: link the account with the code, sign the
occupancy agreement, pay the rent on the fake gateway, download a receipt and the rent
certificate, and check them on the public verification page (a tampered copy fails)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Page, expect

from crous_admin.accounts.roles import Role
from residences.tests.factories import (
    CrousFactory,
    HousingUnitFactory,
    StaffMembershipFactory,
    UserFactory,
)
from tenancy.models import DocumentKind, VerifiableDocument
from tenancy.tests.pdf_reading import pdf_text
from tenants.code_services import tenant_file_assign
from tenants.codes import code_display
from tenants.tests.factories import StudentFactory

pytestmark = pytest.mark.browser

PASSWORD = "une-chambre-a-Talence-2026"


def test_student_links_signs_pays_and_downloads_a_receipt_and_the_certificate(
    live_server, page: Page, tmp_path: Path
):
    page.set_default_timeout(15_000)
    cache.clear()
    url = live_server.url

    # Given a student with an account, assigned a Bordeaux unit since 1 September 2026
    bordeaux = CrousFactory(code="bordeaux", name="Crous de Bordeaux-Aquitaine")
    officer = StaffMembershipFactory(crous=bordeaux, role=Role.HOUSING_OFFICER).user
    account = UserFactory(email="camille.durand@etu.example", password=PASSWORD)
    issued = tenant_file_assign(
        by=officer,
        student=StudentFactory(
            crous=bordeaux, email=account.email, first_name="Camille", last_name="Durand"
        ),
        unit=HousingUnitFactory(
            residence__crous=bordeaux, residence__name="Résidence Le Bosquet", number="B214"
        ),
        start_date=date(2026, 9, 1),
        end_date=date(2027, 6, 30),
    )
    tenant_file = issued.tenant_file

    # When the student logs in and links the account with the code
    page.goto(url + reverse("portal:login"))
    page.fill("#id_username", account.email)
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.goto(url + reverse("tenants_portal:code"))
    page.fill("#id_code", code_display(issued.code))
    page.locator("#tenant-code-submit").click()
    expect(page).to_have_url(url + reverse("tenants_portal:housing"))

    # Then signing the agreement is the next step
    next_step = page.locator(f"#next-step-agreement-{tenant_file.pk}")
    expect(next_step).to_contain_text("Prochaine étape")
    page.locator(f"#agreement-link-{tenant_file.pk}").click()

    # When the student reads the agreement's PDF and signs with consent and their name
    with page.expect_download() as agreement_download:
        page.locator("#agreement-download").click()
    assert "Contrat d’occupation" in pdf_text(Path(agreement_download.value.path()).read_bytes())
    page.locator("label[for=id_consent]").click()
    page.fill("#id_typed_name", "camille durand")
    page.screenshot(path=tmp_path / "agreement.png", full_page=True)
    page.locator("#agreement-sign-submit").click()
    expect(page.locator("#agreement-signed")).to_contain_text("camille durand")

    # And goes back to the housing page: the next step is gone; then pays the rent
    page.goto(url + reverse("tenants_portal:housing"))
    expect(page.locator(f"#next-step-agreement-{tenant_file.pk}")).to_have_count(0)
    page.locator(f"#rent-link-{tenant_file.pk}").click()
    expect(page.locator("#rent-balance")).to_contain_text("€")
    page.locator("#rent-pay").click()
    expect(page.locator("#fake-gateway-warning")).to_contain_text("FICTIVE")
    page.locator("#fake-pay").click()

    # Then the payment is recorded and a receipt is offered for September
    expect(page.locator("#rent-balance")).to_contain_text("à jour")
    page.screenshot(path=tmp_path / "rent.png", full_page=True)
    with page.expect_download() as receipt_download:
        page.locator("#receipt-2026-09").click()
    receipt_pdf = Path(receipt_download.value.path()).read_bytes()
    assert "Quittance de loyer — septembre 2026" in pdf_text(receipt_pdf)

    # And the rent certificate for the CAF downloads from the housing page
    page.goto(url + reverse("tenants_portal:housing"))
    with page.expect_download() as certificate_download:
        page.locator(f"#certificate-download-{tenant_file.pk}").click()
    certificate_pdf = Path(certificate_download.value.path()).read_bytes()
    assert "Attestation de loyer" in pdf_text(certificate_pdf)

    # And anyone can check the receipt on the verification page, with the PDF
    receipt = VerifiableDocument.objects.get(
        tenant_file=tenant_file, month=date(2026, 9, 1), kind=DocumentKind.RECEIPT
    )
    (tmp_path / "receipt.pdf").write_bytes(receipt_pdf)
    (tmp_path / "tampered.pdf").write_bytes(receipt_pdf + b"\n%changed")
    page.context.clear_cookies()
    page.goto(url + reverse("document_verification"))
    page.fill("#id_code", receipt.code_display)
    page.set_input_files("#id_pdf", tmp_path / "receipt.pdf")
    page.locator("#verification-submit").click()
    expect(page.locator("#verification-result")).to_contain_text("Authentique et non modifié")
    expect(page.locator("#verification-sha256")).to_have_text(receipt.sha256)

    # But a tampered copy is reported as not matching
    page.fill("#id_code", receipt.code_display)
    page.set_input_files("#id_pdf", tmp_path / "tampered.pdf")
    page.locator("#verification-submit").click()
    expect(page.locator("#verification-result")).to_contain_text("NE correspond PAS")
    page.screenshot(path=tmp_path / "verification.png", full_page=True)
