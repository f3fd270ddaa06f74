"""A student asks Assistance for a new activation code; an agent verifies their identity and
resends it from the ticket; the student receives the new code and links their account (the
old code no longer works). Student and agent each in their own browser."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from assistance.models import Ticket, TicketEvent
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
CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}\b")


def _log_in(page: Page, url: str, path: str, email: str) -> None:
    page.goto(url + path)
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")


def test_student_asks_for_a_code_resend_and_links_with_the_new_code(
    live_server, page: Page, browser: Browser
):
    page.set_default_timeout(10_000)
    cache.clear()
    url = live_server.url

    # Given a Bordeaux student whose code email was lost, and an assistance agent there
    bordeaux = CrousFactory(code="bordeaux", name="Crous de Bordeaux-Aquitaine")
    officer = StaffMembershipFactory(crous=bordeaux, role=Role.HOUSING_OFFICER).user
    agent = StaffMembershipFactory(
        crous=bordeaux,
        role=Role.ASSISTANCE_AGENT,
        user__email="agent@crous-bordeaux.example",
        user__password=PASSWORD,
    ).user
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
    old_code = issued.code
    mail.outbox.clear()

    # When the student logs in and asks for a new code from their housing page
    _log_in(page, url, reverse("portal:login"), account.email)
    expect(page).to_have_url(url + reverse("portal:home"))
    page.goto(url + reverse("tenants_portal:housing"))
    page.locator("#assistance-code-resend-link").click()
    expect(page.locator("#id_category")).to_have_value("code_resend")
    expect(page.locator("#id_crous")).to_have_value(str(bordeaux.pk))
    page.fill("#id_subject", "Code jamais reçu")
    page.fill("#id_body", "Je n'ai jamais reçu mon code d'activation.")
    page.locator("#ticket-submit").click()

    # Then the request page says where it stands and when to expect an answer
    ticket = Ticket.objects.get()
    expect(page).to_have_url(url + reverse("assistance_portal:ticket", args=[ticket.pk]))
    expect(page.locator("#ticket-status [data-status]")).to_have_attribute("data-status", "new")
    expect(page.locator("#expected-answer")).to_be_visible()

    # When the agent, in the back-office, verifies the identity and resends the code
    staff = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    agent_page = staff.new_page()
    agent_page.set_default_timeout(10_000)
    _log_in(agent_page, url, reverse("admin:login"), agent.email)
    agent_page.goto(url + reverse("admin:assistance_ticket_change", args=[ticket.pk]))
    agent_page.locator("#verify-identity-submit").click()
    expect(agent_page.locator("#identity-results .match-yes")).to_have_count(3)
    agent_page.locator(".resend-code-submit").first.click()
    expect(agent_page.locator(".messagelist .success")).to_be_visible()
    staff.close()

    # Then the student got a new code by email, and the ticket says so
    (email,) = [m for m in mail.outbox if m.to == [account.email]]
    new_code = CODE.search(email.body).group(0)
    assert new_code != code_display(old_code)
    page.reload()
    expect(page.locator("#thread [data-kind=system]")).to_contain_text(account.email)

    # And the old code no longer works, the new one links the account
    page.goto(url + reverse("tenants_portal:code"))
    page.fill("#id_code", code_display(old_code))
    page.locator("#tenant-code-submit").click()
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")
    page.fill("#id_code", new_code)
    page.locator("#tenant-code-submit").click()
    expect(page).to_have_url(url + reverse("tenants_portal:housing"))
    linked = TenantFile.objects.get(pk=issued.tenant_file.pk)
    assert (linked.linked_user, linked.status) == (account, TenantFileStatus.ACTIVE)
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {TicketEvent.Kind.IDENTITY_CHECKED, TicketEvent.Kind.CODE_RESENT} <= kinds
