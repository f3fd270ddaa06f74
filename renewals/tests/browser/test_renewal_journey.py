"""A student renews their housing, end to end, in a real browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from crous_admin.academic_year import academic_year_of
from notifications.models import Message
from renewals.eligibility import RULES
from renewals.models import RenewalRequest
from renewals.tests.factories import RenewalWindowFactory
from residences.tests.factories import CrousFactory, UserFactory
from tenants.models import TenantFileStatus
from tenants.tests.factories import TenantFileFactory

pytestmark = pytest.mark.browser

PASSWORD = "une-chambre-a-Pessac-2027"


def test_a_student_sees_the_check_asks_for_renewal_with_a_double_click_and_gets_one_request(
    live_server, page: Page
):
    page.set_default_timeout(10_000)
    # Given a Bordeaux tenant, linked and active, and a renewal window open today
    today = timezone.localdate()
    year = academic_year_of(today)
    bordeaux = CrousFactory(code="bordeaux", name="Crous de Bordeaux-Aquitaine")
    user = UserFactory(email="lea.martin@etu.example", password=PASSWORD)
    tenant_file = TenantFileFactory(
        crous=bordeaux,
        linked_user=user,
        linked_at=timezone.now(),
        status=TenantFileStatus.ACTIVE,
        academic_year=year,
        start_date=today.replace(month=9, day=1)
        if today.month >= 9
        else today.replace(year=today.year - 1, month=9, day=1),
        student__email=user.email,
        unit__number="B214",
    )
    RenewalWindowFactory(
        crous=bordeaux,
        academic_year=year + 1,
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=20),
    )

    # When the student logs in and opens their file
    page.goto(live_server.url + reverse("portal:login"))
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.goto(live_server.url + reverse("tenants_portal:housing"))

    # Then the housing section offers the renewal request
    page.locator(f"#renewal-request-link-{tenant_file.pk}").click()
    expect(page.locator("h1")).to_have_text("Demande de renouvellement")
    # with every rule of the check, passed
    expect(page.locator("#renewal-eligibility li")).to_have_count(len(RULES))
    expect(page.locator("#renewal-eligibility .renewal-rule--failed")).to_have_count(0)
    # and the request pre-filled from the file
    expect(page.locator("#id_contact_email")).to_have_value(user.email)
    expect(page.locator("main")).to_contain_text("B214")

    # When the student double-clicks "Renewal request"
    page.locator("#renewal-submit").dblclick()

    # Then one request is sent (the page sends the form once; the service is idempotent too,
    # see test_concurrency.py), its confirmations on their way, and the button is gone
    expect(page.locator("#renewal-request-status")).to_be_visible()
    expect(page.locator("#renewal-submit")).to_have_count(0)
    # (both clicks answered before reading the database the live server writes to)
    page.wait_for_load_state("networkidle")
    assert RenewalRequest.objects.filter(tenant_file=tenant_file).count() == 1
    assert Message.objects.filter(template_key="renewal_confirmation").count() == 2
