"""The student pages' "I have an activation code": the code links the account to the file."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from residences.tests.factories import HousingUnitFactory, UserFactory
from tenants.code_services import tenant_file_assign
from tenants.codes import code_display
from tenants.ine import bea_ine
from tenants.models import CodeEntryGuard, TenantFile, TenantFileStatus
from tenants.tests.factories import StudentFactory

CODE_PAGE = reverse("tenants_portal:code")
HOUSING = reverse("tenants_portal:housing")


@pytest.fixture(autouse=True)
def _fresh_ip_counters():
    cache.clear()


@pytest.fixture
def issued(bordeaux, bordeaux_officer, unlinked_student):
    """Staff assigned a Bordeaux unit to the student whose account is ``unlinked_student``."""
    student = StudentFactory(crous=bordeaux, email=unlinked_student.email)
    return tenant_file_assign(
        by=bordeaux_officer,
        student=student,
        unit=HousingUnitFactory(
            residence__crous=bordeaux, residence__name="Résidence Le Bosquet", number="B214"
        ),
        start_date=date(2026, 9, 1),
        end_date=date(2027, 6, 30),
    )


@pytest.fixture
def student_client(client, unlinked_student):
    client.force_login(unlinked_student)
    return client


def _post(client, code: str, **headers):
    return client.post(CODE_PAGE, {"code": code}, HTTP_ACCEPT_LANGUAGE="en", **headers)


def _wrong(code: str) -> str:
    """Another well-formed code."""
    return ("B" if code[0] != "B" else "C") + code[1:]


def _input_value(page: str) -> str:
    match = re.search(r'<input type="text" name="code"( value="([^"]*)")?', page)
    assert match, "no code field"
    return match.group(2) or ""


def _field_in_error(page: str) -> bool:
    return "fr-input-group--error" in page and 'aria-invalid="true"' in page


# --- The form ------------------------------------------------------------------------------


def test_code_page_shows_the_form_with_its_label_hint_and_button(student_client):
    response = student_client.get(CODE_PAGE, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<label for="id_code" class="fr-label">' in page
    assert "Activation code" in page
    assert "10 letters and digits, e.g. ABCD-EFGH-JK" in page
    assert "Link my account to the accommodation" in page
    assert not _field_in_error(page)
    assert 'id="code-refusal"' not in page
    # Where the code comes from, as on the housing page.
    assert 'id="activation-code-help"' in page


@pytest.mark.django_db
def test_code_page_sends_anonymous_visitors_to_log_in(client):
    response = client.get(CODE_PAGE)

    assert response.status_code == 302
    assert response.url == f"{reverse('portal:login')}?next={CODE_PAGE}"


@pytest.mark.django_db
def test_anonymous_post_links_nothing_and_asks_to_log_in(client, issued):
    response = client.post(CODE_PAGE, {"code": issued.code})

    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:login"))
    assert TenantFile.objects.get(pk=issued.tenant_file.pk).linked_user is None


def test_housing_page_leads_to_the_code_page(student_client):
    response = student_client.get(HOUSING, HTTP_ACCEPT_LANGUAGE="en")

    assert (
        f'<a class="fr-btn" id="activation-code-link" href="{CODE_PAGE}">'
        "I have an activation code</a>"
    ) in response.content.decode()


# --- The right code ------------------------------------------------------------------------


def test_the_right_code_in_lower_case_with_spaces_links_the_account_and_opens_the_tenant_space(
    student_client, issued, unlinked_student
):
    typed = code_display(issued.code).lower().replace("-", " ")

    response = _post(student_client, typed)

    assert response.status_code == 302
    assert response.url == HOUSING
    tenant_file = TenantFile.objects.get(pk=issued.tenant_file.pk)
    assert tenant_file.linked_user == unlinked_student
    assert tenant_file.status == TenantFileStatus.ACTIVE

    # Then the housing page shows the file's tenant space, the agreement as the next step.
    housing = student_client.get(HOUSING, HTTP_ACCEPT_LANGUAGE="en")
    page = housing.content.decode()
    assert "fr-alert--success" in page
    assert "Your account is now linked to your accommodation in Résidence Le Bosquet" in page
    assert f'id="tenant-file-{tenant_file.pk}"' in page
    assert "B214" in page
    assert "From Sept. 1, 2026 to June 30, 2027" in page
    space = page[page.index(f'id="tenant-space-{tenant_file.pk}"') :]
    for step in (
        "Sign your occupancy agreement",
        "Rent and receipts",
        "Rent certificate for the CAF",
    ):
        assert step in space
    assert "Next step: sign your occupancy agreement" in space
    assert reverse("tenants_portal:agreement", args=[tenant_file.pk]) in space


def test_housing_page_shows_no_tenant_space_for_an_assigned_file_not_linked_yet(
    student_client, issued
):
    response = student_client.get(HOUSING, HTTP_ACCEPT_LANGUAGE="en")

    assert "tenant-space-" not in response.content.decode()


# --- Refusals: the message on the field, the help of the case, the typed value kept -------


def test_a_wrong_code_shows_the_attempts_left_and_keeps_what_was_typed(student_client, issued):
    typed = _wrong(issued.code).lower()

    response = _post(student_client, typed)

    assert response.status_code == 200
    page = response.content.decode()
    assert _field_in_error(page)
    assert "This code is not right." in page
    assert 'data-refusal="code_wrong"' in page
    assert 'data-attempts-left="4"' in page
    assert "4 attempts left" in page
    assert _input_value(page) == typed
    assert TenantFile.objects.get(pk=issued.tenant_file.pk).linked_user is None


def test_the_last_attempt_left_is_said_in_the_singular(student_client, issued, bordeaux):
    bordeaux.code_max_attempts = 2
    bordeaux.save()

    page = _post(student_client, _wrong(issued.code)).content.decode()

    assert "1 attempt left" in page
    assert "1 attempts" not in page


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        (bea_ine(1_234_567_890), "code_looks_like_ine"),
        ("hugo.bernard@etu.example", "code_looks_like_email"),
        ("MonMotDePasse2026!", "code_looks_like_password"),
        ("0612345678", "code_looks_like_number"),
        ("ABCD-EFGH", "code_wrong_length"),
        ("", "code_empty"),
    ],
)
def test_identifier_confusion_says_what_a_code_looks_like_and_where_it_comes_from(
    student_client, issued, typed, refusal
):
    response = _post(student_client, typed)

    page = response.content.decode()
    assert _field_in_error(page)
    assert f'data-refusal="{refusal}"' in page
    assert "Where to find your activation code" in page
    assert page.count("ABCD-EFGH-JK") >= 3  # hint, help of the refusal, help of the page
    assert "Promotions" in page
    assert "from “Crous”" in page  # the service's message
    assert _input_value(page) == typed
    assert not CodeEntryGuard.objects.exists()  # not a guess: no attempt counted


def test_blocked_code_entry_says_until_when_in_the_crous_local_time(
    student_client, issued, unlinked_student, bordeaux
):
    bordeaux.time_zone = "Indian/Reunion"  # UTC+4 all year
    bordeaux.save()
    CodeEntryGuard.objects.create(
        key=CodeEntryGuard.account_key(unlinked_student.pk),
        blocked_until=datetime(2026, 11, 27, 12, 0, tzinfo=UTC),
    )

    with time_machine.travel(datetime(2026, 11, 27, 10, 0, tzinfo=UTC), tick=False):
        response = _post(student_client, issued.code)

    page = response.content.decode()
    assert _field_in_error(page)
    assert 'data-refusal="code_entry_blocked"' in page
    assert "fr-alert--error" in page
    assert "Code entry is blocked for now" in page
    assert "blocked until Nov. 27, 2026, 4 p.m. (local time of your Crous)" in page
    assert TenantFile.objects.get(pk=issued.tenant_file.pk).linked_user is None


def test_too_many_codes_from_one_connection_are_refused_with_the_blocked_help(
    student_client, issued, settings
):
    settings.TENANT_CODE_ATTEMPTS_PER_IP_PER_HOUR = 1
    _post(student_client, _wrong(issued.code), REMOTE_ADDR="192.0.2.7")

    page = _post(student_client, issued.code, REMOTE_ADDR="192.0.2.7").content.decode()

    assert 'data-refusal="too_many_attempts_from_ip"' in page
    assert "Code entry is blocked for now" in page
    # Another connection is not concerned.
    assert _post(student_client, issued.code, REMOTE_ADDR="192.0.2.8").status_code == 302


def test_an_expired_code_says_how_to_get_a_new_one_and_gives_the_crous_address(
    student_client, issued, bordeaux
):
    TenantFile.objects.filter(pk=issued.tenant_file.pk).update(
        code_expires_at=timezone.now() - timedelta(days=1)
    )

    response = _post(student_client, code_display(issued.code))

    page = response.content.decode()
    assert _field_in_error(page)
    assert "This code expired on" in page
    assert 'data-refusal="code_expired"' in page
    assert "Get a new code" in page
    assert "Code resend" in page
    assert f'href="mailto:{bordeaux.contact_email}"' in page
    assert _input_value(page) == code_display(issued.code)


def test_an_expired_code_of_a_crous_not_known_for_the_account_gets_general_advice(
    client, issued, bordeaux
):
    # An account with another email address than the one the code was sent to.
    client.force_login(UserFactory(email="autre.adresse@etu.example"))
    TenantFile.objects.filter(pk=issued.tenant_file.pk).update(
        code_expires_at=timezone.now() - timedelta(days=1)
    )

    page = _post(client, issued.code).content.decode()

    assert 'data-refusal="code_expired"' in page
    assert 'id="crous-contact-assistance"' in page  # write to the Crous through Assistance
    assert bordeaux.contact_email not in page


def test_a_code_already_used_by_another_account_points_to_assistance(
    client, issued, unlinked_student
):
    _post(_logged_in(client, unlinked_student), issued.code)
    intruder = UserFactory(email="nouvelle.adresse@etu.example")

    page = _post(_logged_in(client, intruder), issued.code).content.decode()

    assert _field_in_error(page)
    assert 'data-refusal="code_already_used"' in page
    assert "Lost access to the account linked first?" in page
    assert "name, INE and residence" in page
    assert TenantFile.objects.get(pk=issued.tenant_file.pk).linked_user == unlinked_student


def test_the_code_of_an_ended_file_is_refused(student_client, issued, bordeaux):
    TenantFile.objects.filter(pk=issued.tenant_file.pk).update(status=TenantFileStatus.ENDED)

    page = _post(student_client, issued.code).content.decode()

    assert 'data-refusal="file_ended"' in page
    assert "has ended" in page
    assert f'href="mailto:{bordeaux.contact_email}"' in page


def _logged_in(client, user):
    client.force_login(user)
    return client


# --- Languages -----------------------------------------------------------------------------


def test_code_page_renders_in_french_for_a_french_browser(student_client):
    response = student_client.get(CODE_PAGE, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert response.status_code == 200
    assert response.headers["Content-Language"] == "fr"
    page = response.content.decode()
    assert '<html lang="fr"' in page
    assert 'id="tenant-code-form"' in page
    assert 'id="tenant-code-submit"' in page


def test_code_page_renders_in_english_for_an_english_browser(student_client):
    response = student_client.get(CODE_PAGE, HTTP_ACCEPT_LANGUAGE="en")

    assert response.headers["Content-Language"] == "en"
    page = response.content.decode()
    assert '<html lang="en"' in page
    assert "<h1>I have an activation code</h1>" in page
    assert "Link my account to the accommodation" in page


def test_a_refusal_is_explained_in_french_for_a_french_browser(student_client, issued):
    response = student_client.post(
        CODE_PAGE, {"code": _wrong(issued.code)}, HTTP_ACCEPT_LANGUAGE="fr"
    )

    assert response.headers["Content-Language"] == "fr"
    page = response.content.decode()
    assert '<html lang="fr"' in page
    assert 'data-attempts-left="4"' in page


# --- Cost ----------------------------------------------------------------------------------


def test_a_wrong_code_costs_the_redemption_budget_and_no_more(
    student_client, issued, django_assert_num_queries
):
    with django_assert_num_queries(8):
        # 1. the session
        # 2. the user
        # 3. the scope, in one UNION: the user's staff memberships (none, so a student) and
        #    the Crous of the files linked to the account (none yet)
        # 4. savepoint opening the redemption's transaction (the test's transaction is outer)
        # 5. the files matching the code or waiting for this account (locked)
        # 6. the wrong-code counters (locked)
        # 7. the counters' upsert
        # 8. savepoint release
        response = _post(student_client, _wrong(issued.code))

    assert 'data-refusal="code_wrong"' in response.content.decode()
