"""A student links their account to their accommodation with the activation code, in a
real browser, in French and in English.

Elements are found by stable ids: the labels change language once locale/fr is filled.
"""

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
from tenants.code_services import tenant_file_assign
from tenants.codes import code_display
from tenants.models import TenantFile, TenantFileStatus
from tenants.tests.factories import StudentFactory

pytestmark = pytest.mark.browser

PASSWORD = "une-chambre-a-Talence-2026"


def _wrong(code: str) -> str:
    """Another well-formed code."""
    return ("B" if code[0] != "B" else "C") + code[1:]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_student_logs_in_and_links_their_account_with_the_activation_code(
    live_server, page: Page, tmp_path: Path, language: str
):
    page.set_default_timeout(10_000)
    cache.clear()  # the per-address code counter: every attempt here comes from 127.0.0.1
    url = live_server.url

    # Given a student with an account, to whom Crous staff assigned a unit (code by email)
    bordeaux = CrousFactory(code="bordeaux", name="Crous de Bordeaux-Aquitaine")
    officer = StaffMembershipFactory(crous=bordeaux, role=Role.HOUSING_OFFICER).user
    account = UserFactory(email="camille.durand@etu.example", password=PASSWORD)
    issued = tenant_file_assign(
        by=officer,
        student=StudentFactory(crous=bordeaux, email=account.email),
        unit=HousingUnitFactory(
            residence__crous=bordeaux, residence__name="Résidence Le Bosquet", number="B214"
        ),
        start_date=date(2026, 9, 1),
        end_date=date(2027, 6, 30),
    )
    tenant_file = issued.tenant_file
    # And a browser set to the language (the cookie the language selector sets)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": url}])

    # When the student logs in
    page.goto(url + reverse("portal:home"))
    page.locator(f'.fr-header__tools a[href="{reverse("portal:login")}"]').click()
    page.fill("#id_username", account.email)
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    expect(page).to_have_url(url + reverse("portal:home"))

    # And opens "Housing" → "I consult my file" → "I have an activation code"
    page.locator("#nav-housing").click()
    page.locator(f'#nav-housing-menu a[href="{reverse("tenants_portal:housing")}"]').click()
    expect(page).to_have_url(url + reverse("tenants_portal:housing"))
    if language == "en":
        expect(page.locator("#activation-code-link")).to_have_text("I have an activation code")
    page.locator("#activation-code-link").click()
    expect(page).to_have_url(url + reverse("tenants_portal:code"))
    expect(page.locator("html")).to_have_attribute("lang", language)

    # And types a wrong code first
    wrong = code_display(_wrong(issued.code))
    page.fill("#id_code", wrong)
    page.locator("#tenant-code-submit").click()

    # Then the page says how many attempts are left, and keeps what was typed
    expect(page.locator("#attempts-left")).to_have_attribute("data-attempts-left", "4")
    expect(page.locator("#id_code")).to_have_value(wrong)
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("html")).to_have_attribute("lang", language)
    if language == "en":
        expect(page.locator("#attempts-left")).to_have_text("4 attempts left")
        expect(page.get_by_label("Activation code")).to_have_value(wrong)
    page.screenshot(path=tmp_path / f"tenant-code-{language}.png", full_page=True)

    # When the student types the right code, in lower case with spaces, and links
    page.fill("#id_code", code_display(issued.code).lower().replace("-", " "))
    if language == "en":
        page.get_by_role("button", name="Link my account to the accommodation").click()
    else:
        page.locator("#tenant-code-submit").click()

    # Then the housing page shows the linked file as the tenant space
    expect(page).to_have_url(url + reverse("tenants_portal:housing"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(".fr-alert--success")).to_contain_text("Résidence Le Bosquet")
    card = page.locator(f"#tenant-file-{tenant_file.pk}")
    expect(card).to_contain_text("Résidence Le Bosquet")
    expect(card).to_contain_text("B214")
    expect(page.locator(f"#tenant-space-{tenant_file.pk}")).to_be_visible()
    page.screenshot(path=tmp_path / f"tenant-space-{language}.png", full_page=True)
    linked = TenantFile.objects.get(pk=tenant_file.pk)
    assert (linked.linked_user, linked.status) == (account, TenantFileStatus.ACTIVE)
