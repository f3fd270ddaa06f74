"""A student's first visit, end to end, in a real browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from residences.tests.factories import CrousFactory
from tenants.models import TenantFileStatus
from tenants.tests.factories import TenantFileFactory

pytestmark = pytest.mark.browser

PASSWORD = "une-chambre-a-Talence-2026"


def test_student_signs_up_logs_in_and_consults_their_file_in_french_then_english(
    live_server, page: Page, tmp_path: Path
):
    page.set_default_timeout(10_000)
    home = live_server.url + reverse("portal:home")

    # Given a French browser on the landing page
    page.goto(home)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    # The DSFR stylesheet is served and applied: its Marianne typeface is in use.
    expect(page.locator("body")).to_have_css("font-family", re.compile("Marianne"))

    # When the student creates an account
    page.locator(f'.fr-header__tools a[href="{reverse("portal:signup")}"]').click()
    page.fill("#id_email", "camille.durand@etu.example")
    page.fill("#id_first_name", "Camille")
    page.fill("#id_last_name", "Durand")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator("#signup-form button[type=submit]").click()
    expect(page).to_have_url(home)
    expect(
        page.locator(f'.fr-header__tools form[action="{reverse("portal:logout")}"]')
    ).to_be_visible()

    # And Crous staff have linked a tenant file to that account (the tenant code's job, later)
    user = get_user_model().objects.get(email="camille.durand@etu.example")
    tenant_file = TenantFileFactory(
        crous=CrousFactory(code="bordeaux", name="Crous de Bordeaux-Aquitaine"),
        linked_user=user,
        linked_at=timezone.now(),
        unit__number="B214",
        unit__residence__name="Résidence Le Bosquet",
        status=TenantFileStatus.ACTIVE,
    )

    # And logs out, then in again with the email typed in another case
    page.locator(f'.fr-header__tools form[action="{reverse("portal:logout")}"] button').click()
    page.locator(f'.fr-header__tools a[href="{reverse("portal:login")}"]').click()
    page.fill("#id_username", "Camille.Durand@Etu.example")
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    expect(page).to_have_url(home)

    # And opens "Housing" → "I consult my file" from the main menu
    page.locator("#nav-housing").click()
    page.locator(f'#nav-housing-menu a[href="{reverse("tenants_portal:housing")}"]').click()

    # Then the file shows, in French
    expect(page).to_have_url(live_server.url + reverse("tenants_portal:housing"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    card = page.locator(f"#tenant-file-{tenant_file.pk}")
    expect(card).to_contain_text("Résidence Le Bosquet")
    expect(card).to_contain_text("B214")
    expect(card).to_contain_text("1 septembre 2026")  # Django's French date format
    page.screenshot(path=tmp_path / "housing-fr.png", full_page=True)

    # When the student switches the page to English
    page.locator(".fr-header__tools .fr-translate__btn").click()
    page.locator('#translate-menu button[name="language"][value="en"]').click()

    # Then the same page shows in English
    expect(page).to_have_url(live_server.url + reverse("tenants_portal:housing"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("I consult my file")
    expect(card).to_contain_text("Housing unit")
    expect(card).to_contain_text("Sept. 1, 2026")
