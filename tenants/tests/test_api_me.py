"""The student's side of the API: ``POST /me/tenant-code/`` and ``/me/tenant-files/``."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from residences.tests.factories import HousingUnitFactory, UserFactory
from tenants.api.student_views import TenantCodeThrottle
from tenants.code_services import tenant_file_assign
from tenants.codes import code_display
from tenants.ine import bea_ine
from tenants.models import CodeEntryGuard, TenantFile, TenantFileStatus
from tenants.tests.factories import StudentFactory, TenantFileFactory

REDEEM = reverse("api:me-tenantcode-redeem")
MY_FILES = reverse("api:me-tenantfile-list")


def my_file(pk: int) -> str:
    return reverse("api:me-tenantfile-detail", args=[pk])


@pytest.fixture(autouse=True)
def _fresh_counters():
    # Both the service's per-address counter and DRF's throttle live in the cache.
    cache.clear()


@pytest.fixture
def issued(bordeaux, bordeaux_officer, unlinked_student):
    """Staff assigned a Bordeaux unit to the student whose account is ``unlinked_student``."""
    return tenant_file_assign(
        by=bordeaux_officer,
        student=StudentFactory(crous=bordeaux, email=unlinked_student.email),
        unit=HousingUnitFactory(residence__crous=bordeaux, residence__name="Résidence Le Bosquet"),
        start_date=date(2026, 9, 1),
        end_date=date(2027, 6, 30),
    )


@pytest.fixture
def student_api(api_client, unlinked_student):
    api_client.force_login(unlinked_student)
    return api_client


def _redeem(client, code: str, **extra):
    return client.post(REDEEM, {"code": code}, format="json", **extra)


def _wrong(code: str) -> str:
    return ("B" if code[0] != "B" else "C") + code[1:]


# --- POST /me/tenant-code/ -----------------------------------------------------------------


def test_the_right_code_links_the_account_and_answers_the_linked_file(
    student_api, issued, unlinked_student, bordeaux
):
    response = _redeem(student_api, code_display(issued.code).lower().replace("-", " "))

    assert response.status_code == 200, response.json()
    body = response.json()
    tenant_file = TenantFile.objects.get(pk=issued.tenant_file.pk)
    assert tenant_file.linked_user == unlinked_student
    assert body["id"] == tenant_file.pk
    assert body["status"] == TenantFileStatus.ACTIVE
    assert body["crous"] == {
        "id": bordeaux.pk,
        "code": "bordeaux",
        "name": "Crous de Bordeaux-Aquitaine",
        "contact_email": bordeaux.contact_email,
    }
    assert body["unit"]["residence"]["name"] == "Résidence Le Bosquet"
    assert (body["start_date"], body["end_date"]) == ("2026-09-01", "2027-06-30")
    assert body["linked_at"] is not None
    # Nothing about the code itself, nor staff.
    assert not {k for k in body if k.startswith("code")}
    # Same shape as the file read afterwards.
    assert student_api.get(my_file(tenant_file.pk)).json() == body


def test_typing_the_code_again_answers_the_same_file(student_api, issued):
    first = _redeem(student_api, issued.code)

    again = _redeem(student_api, issued.code)

    assert again.status_code == 200
    assert again.json() == first.json()


def test_a_wrong_code_is_a_400_with_the_attempts_left(student_api, issued):
    response = _redeem(student_api, _wrong(issued.code), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "code_wrong"
    assert error["details"] == {"attempts_left": 4}
    assert error["fields"] == {"code": [error["message"]]}
    assert "4 attempts left" in error["message"]


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        (bea_ine(1_234_567_890), "code_looks_like_ine"),
        ("hugo.bernard@etu.example", "code_looks_like_email"),
        ("", "code_empty"),
    ],
)
def test_input_that_cannot_be_a_code_is_a_400_costing_no_attempt(student_api, issued, typed, code):
    response = _redeem(student_api, typed)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert "ABCD-EFGH-JK" in response.json()["error"]["message"]
    assert not CodeEntryGuard.objects.exists()


def test_a_body_without_code_is_a_400_naming_the_field(student_api):
    response = student_api.post(REDEEM, {}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert set(response.json()["error"]["fields"]) == {"code"}


@pytest.mark.django_db
def test_anonymous_callers_get_a_401_and_link_nothing(api_client, issued):
    response = _redeem(api_client, issued.code)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert TenantFile.objects.get(pk=issued.tenant_file.pk).linked_user is None


def test_a_token_authenticated_account_may_redeem_too(api_client, issued, unlinked_student):
    token = Token.objects.create(user=unlinked_student)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = _redeem(api_client, issued.code)

    assert response.status_code == 200
    assert response.json()["crous"]["code"] == "bordeaux"


def test_a_code_used_by_another_account_is_a_409(api_client, issued, unlinked_student):
    api_client.force_login(unlinked_student)
    _redeem(api_client, issued.code)
    api_client.force_login(UserFactory(email="nouvelle.adresse@etu.example"))

    response = _redeem(api_client, issued.code)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "code_already_used"
    assert "Assistance" in response.json()["error"]["message"]


def test_the_code_of_an_ended_file_is_a_409(student_api, issued):
    TenantFile.objects.filter(pk=issued.tenant_file.pk).update(status=TenantFileStatus.ENDED)

    response = _redeem(student_api, issued.code)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "file_ended"


def test_an_expired_code_is_a_410_saying_when_it_expired(student_api, issued):
    expired_at = timezone.now() - timedelta(days=1)
    TenantFile.objects.filter(pk=issued.tenant_file.pk).update(code_expires_at=expired_at)

    response = _redeem(student_api, issued.code)

    assert response.status_code == 410
    error = response.json()["error"]
    assert error["code"] == "code_expired"
    assert error["details"] == {"expired_at": expired_at.isoformat()}


def test_blocked_code_entry_is_a_429_with_retry_after(student_api, issued, unlinked_student):
    CodeEntryGuard.objects.create(
        key=CodeEntryGuard.account_key(unlinked_student.pk),
        blocked_until=timezone.now() + timedelta(hours=2),
    )

    response = _redeem(student_api, issued.code)

    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "code_entry_blocked"
    wait = error["details"]["retry_after_seconds"]
    assert 7190 <= wait <= 7200
    assert int(response.headers["Retry-After"]) == wait
    assert "blocked_until" in error["details"]


def test_the_last_wrong_code_blocks_with_a_429_and_retry_after(student_api, issued, bordeaux):
    bordeaux.code_max_attempts = 1
    bordeaux.save()

    response = _redeem(student_api, _wrong(issued.code))

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "code_entry_blocked"
    assert 3 * 3600 - 10 <= int(response.headers["Retry-After"]) <= 3 * 3600


def test_too_many_codes_from_one_address_for_the_service_is_a_429(student_api, issued, settings):
    settings.TENANT_CODE_ATTEMPTS_PER_IP_PER_HOUR = 1
    _redeem(student_api, _wrong(issued.code))

    response = _redeem(student_api, issued.code)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_attempts_from_ip"
    assert response.headers["Retry-After"] == "3600"


def test_drf_throttles_codes_per_address_whatever_the_account(
    api_client, issued, unlinked_student, monkeypatch
):
    monkeypatch.setattr(TenantCodeThrottle, "THROTTLE_RATES", {"tenant_code": "2/minute"})
    api_client.force_login(unlinked_student)
    _redeem(api_client, _wrong(issued.code), REMOTE_ADDR="192.0.2.7")
    api_client.force_login(UserFactory(email="autre.compte@etu.example"))
    _redeem(api_client, _wrong(issued.code), REMOTE_ADDR="192.0.2.7")

    # Third code from the same address, with a third account: refused before the service.
    api_client.force_login(UserFactory(email="troisieme.compte@etu.example"))
    throttled = _redeem(api_client, issued.code, REMOTE_ADDR="192.0.2.7")
    other_address = _redeem(api_client, issued.code, REMOTE_ADDR="192.0.2.8")

    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    assert throttled.json()["error"]["details"]["retry_after_seconds"] == int(
        throttled.headers["Retry-After"]
    )
    assert other_address.status_code == 200


def test_staff_may_link_their_own_account_with_a_code(api_client, issued, versailles_agent):
    api_client.force_login(versailles_agent)

    response = _redeem(api_client, issued.code)

    # The file is in Bordeaux, outside the agent's Crous: the code alone designates it.
    assert response.status_code == 200
    assert TenantFile.objects.get(pk=issued.tenant_file.pk).linked_user == versailles_agent


def test_redeeming_answers_in_the_request_language(student_api, issued):
    english = _redeem(student_api, _wrong(issued.code), HTTP_ACCEPT_LANGUAGE="en")

    assert english.headers["Content-Language"] == "en"
    assert english.json()["error"]["message"].startswith("This code is not right.")


# --- GET /me/tenant-files/ -----------------------------------------------------------------


def test_my_tenant_files_lists_only_the_callers_files_newest_first(
    api_client, bordeaux, versailles, linked_student, linked_student_file
):
    earlier = TenantFileFactory(
        crous=versailles,
        linked_user=linked_student,
        linked_at=timezone.now(),
        academic_year=2025,
        start_date=date(2025, 9, 1),
        end_date=date(2026, 6, 30),
        status=TenantFileStatus.ENDED,
    )
    # A neighbour's file in the same Crous (open in the student's scope), and a file sent to
    # the student's email address but not linked: neither is theirs through the API.
    TenantFileFactory(crous=bordeaux, linked_user=UserFactory(), linked_at=timezone.now())
    TenantFileFactory(crous=bordeaux, student__email=linked_student.email)
    api_client.force_login(linked_student)

    response = api_client.get(MY_FILES)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [f["id"] for f in body["results"]] == [linked_student_file.pk, earlier.pk]
    assert body["results"][1]["crous"]["code"] == "versailles"


def test_my_tenant_file_answers_the_callers_own_file(
    api_client, linked_student, linked_student_file
):
    api_client.force_login(linked_student)

    response = api_client.get(my_file(linked_student_file.pk))

    assert response.status_code == 200
    assert response.json()["unit"]["number"] == linked_student_file.unit.number


def test_another_accounts_file_is_a_404_like_a_missing_one(
    api_client, bordeaux, linked_student, linked_student_file
):
    neighbour = TenantFileFactory(
        crous=bordeaux, linked_user=UserFactory(), linked_at=timezone.now()
    )
    api_client.force_login(linked_student)

    others = api_client.get(my_file(neighbour.pk))
    missing = api_client.get(my_file(neighbour.pk + 1000))

    assert others.status_code == missing.status_code == 404
    assert others.json() == missing.json()


def test_staff_see_no_file_of_their_crous_among_their_own(
    api_client, bordeaux_officer, linked_student_file
):
    api_client.force_login(bordeaux_officer)

    listed = api_client.get(MY_FILES)
    read = api_client.get(my_file(linked_student_file.pk))

    assert listed.status_code == 200
    assert listed.json()["count"] == 0
    assert read.status_code == 404


@pytest.mark.django_db
def test_my_tenant_files_ask_anonymous_callers_to_authenticate(api_client):
    response = api_client.get(MY_FILES)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("file_count", [1, 5])
def test_my_tenant_files_query_count_does_not_grow_with_the_files(
    api_client, bordeaux, linked_student, file_count, django_assert_num_queries
):
    student = linked_student.linked_tenant_files.get().student
    for _ in range(file_count - 1):
        TenantFileFactory(
            crous=bordeaux,
            student=student,
            status=TenantFileStatus.ENDED,
            linked_user=linked_student,
            linked_at=timezone.now(),
        )
    api_client.force_login(linked_student)

    with django_assert_num_queries(5):
        # 1. the session
        # 2. the user
        # 3. the scope, in one UNION: the user's staff memberships (none, so a student) and
        #    the Crous of the files linked to the account (those Crous)
        # 4. the page's count
        # 5. the files, with their Crous, unit and residence joined
        response = api_client.get(MY_FILES)

    assert response.json()["count"] == file_count
