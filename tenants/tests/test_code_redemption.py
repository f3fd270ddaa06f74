"""The student types their tenant code: every rule of DOMAIN.md's "The tenant code"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from residences.tests.factories import HousingUnitFactory, UserFactory
from tenants.code_redemption import CodeRefused, tenant_code_redeem
from tenants.code_services import tenant_code_resend, tenant_file_assign
from tenants.codes import code_display
from tenants.ine import bea_ine
from tenants.models import CodeEntryGuard, TenantFile, TenantFileStatus
from tenants.tests.factories import StudentFactory


@pytest.fixture(autouse=True)
def _fresh_ip_counters():
    cache.clear()


@pytest.fixture
def assigned(bordeaux, bordeaux_officer):
    """A Bordeaux student just assigned a unit: (issued code, the student's account)."""
    student = StudentFactory(crous=bordeaux, email="lina.roux@etu.example")
    issued = tenant_file_assign(
        by=bordeaux_officer,
        student=student,
        unit=HousingUnitFactory(residence__crous=bordeaux),
        start_date=date(2026, 9, 1),
        end_date=date(2027, 6, 30),
    )
    account = UserFactory(email="Lina.Roux@etu.example")
    return issued, account


def _redeem(account, code, **kwargs):
    return tenant_code_redeem(user=account, raw_code=code, **kwargs)


def _wrong(code: str) -> str:
    """Another well-formed code."""
    return ("B" if code[0] != "B" else "C") + code[1:]


def test_the_right_code_links_the_account_and_activates_the_file(assigned):
    issued, account = assigned

    linked = _redeem(account, code_display(issued.code).lower())

    linked.refresh_from_db()
    assert (linked.linked_user, linked.status) == (account, TenantFileStatus.ACTIVE)
    assert linked.history.first().history_change_reason == "account linked with the tenant code"


def test_typing_the_code_again_from_the_same_account_is_not_an_error(assigned):
    issued, account = assigned
    _redeem(account, issued.code)

    assert _redeem(account, issued.code).linked_user == account


def test_a_code_never_links_a_second_account(assigned):
    issued, account = assigned
    _redeem(account, issued.code)
    intruder = UserFactory(email="someone@else.example")

    with pytest.raises(CodeRefused) as refused:
        _redeem(intruder, issued.code)

    assert refused.value.code == "code_already_used"
    assert "Assistance" in refused.value.message
    assert TenantFile.objects.get(pk=issued.tenant_file.pk).linked_user == account


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        (bea_ine(1234567890), "code_looks_like_ine"),
        ("lina.roux@etu.example", "code_looks_like_email"),
        ("Motdepasse!2026", "code_looks_like_password"),
    ],
)
def test_identifier_confusion_is_explained_and_not_counted(assigned, typed, reason):
    _issued, account = assigned

    with pytest.raises(CodeRefused) as refused:
        _redeem(account, typed)

    assert refused.value.code == reason
    assert "ABCD-EFGH-JK" in refused.value.message
    assert "spam" in refused.value.message
    assert not CodeEntryGuard.objects.exists()


def test_a_wrong_code_says_how_many_attempts_are_left(assigned):
    issued, account = assigned

    with pytest.raises(CodeRefused) as refused:
        _redeem(account, _wrong(issued.code))

    assert refused.value.code == "code_wrong"
    assert refused.value.extra["attempts_left"] == 4


def test_wrong_code_five_times_blocks_entry_for_three_hours_even_with_the_right_code(assigned):
    issued, account = assigned
    start = datetime(2026, 8, 20, 10, 0, tzinfo=UTC)
    for attempt in range(5):
        with pytest.raises(CodeRefused):
            _redeem(account, _wrong(issued.code), now=start + timedelta(minutes=attempt))

    with pytest.raises(CodeRefused) as blocked:
        _redeem(account, issued.code, now=start + timedelta(minutes=10))

    assert blocked.value.code == "code_entry_blocked"
    assert blocked.value.status == 429
    assert blocked.value.extra["retry_after_seconds"] == (3 * 3600 + 4 * 60) - 10 * 60
    # Blocked at 10:04 UTC for three hours: 15:04 in Bordeaux (UTC+2 in August).
    assert "15:04" in blocked.value.message
    after = start + timedelta(minutes=4, hours=3, seconds=1)
    assert _redeem(account, issued.code, now=after).linked_user == account


def test_wrong_codes_count_against_the_file_waiting_for_the_account_too(assigned):
    # The file's student email is the account's: the attacker here is the account itself,
    # but a second account of the same person (same email) hits the same file counter.
    issued, account = assigned
    for _ in range(5):
        with pytest.raises(CodeRefused):
            _redeem(account, _wrong(issued.code))

    guard = CodeEntryGuard.objects.get(key=CodeEntryGuard.file_key(issued.tenant_file.pk))
    assert guard.blocked_until is not None


def test_wrong_codes_are_forgotten_after_a_day(assigned):
    issued, account = assigned
    start = datetime(2026, 8, 20, 10, 0, tzinfo=UTC)
    for attempt in range(4):
        with pytest.raises(CodeRefused):
            _redeem(account, _wrong(issued.code), now=start + timedelta(minutes=attempt))

    with pytest.raises(CodeRefused) as refused:
        _redeem(account, _wrong(issued.code), now=start + timedelta(days=1, minutes=5))

    assert refused.value.extra["attempts_left"] == 4


def test_attempts_and_block_hours_are_per_crous_settings(assigned):
    issued, account = assigned
    crous = issued.tenant_file.crous
    crous.code_max_attempts, crous.code_block_hours = 2, 6
    crous.save()
    start = datetime(2026, 8, 20, 10, 0, tzinfo=UTC)
    for attempt in range(2):
        with pytest.raises(CodeRefused):
            _redeem(account, _wrong(issued.code), now=start + timedelta(minutes=attempt))

    with pytest.raises(CodeRefused) as blocked:
        _redeem(account, issued.code, now=start + timedelta(hours=5, minutes=59))
    assert blocked.value.code == "code_entry_blocked"
    assert _redeem(account, issued.code, now=start + timedelta(hours=6, minutes=2))


def test_code_expires_at_the_end_of_its_validity_in_the_crous_time_zone(reunion_assigned):
    issued, account = reunion_assigned
    expires = issued.tenant_file.code_expires_at

    with pytest.raises(CodeRefused) as refused:
        _redeem(account, issued.code, now=expires)

    assert refused.value.code == "code_expired"
    assert refused.value.status == 410
    assert "Assistance" in refused.value.message
    local = timezone.localtime(expires, issued.tenant_file.crous.time_zone)
    assert local.strftime("%H:%M") in refused.value.message
    assert _redeem(account, issued.code, now=expires - timedelta(seconds=1))


@pytest.fixture
def reunion_assigned(db, bordeaux_officer):
    from residences.tests.factories import CrousFactory

    reunion = CrousFactory(code="reunion", time_zone="Indian/Reunion", code_validity_days=30)
    student = StudentFactory(crous=reunion, email="noa@etu.example")
    with time_machine.travel(datetime(2026, 8, 1, 20, 30, tzinfo=UTC), tick=False):
        issued = tenant_file_assign(
            by=None,
            student=student,
            unit=HousingUnitFactory(residence__crous=reunion),
            start_date=date(2026, 9, 1),
            end_date=date(2027, 6, 30),
        )
    return issued, UserFactory(email="noa@etu.example")


def test_a_resent_code_replaces_the_old_one(assigned, bordeaux_officer):
    issued, account = assigned

    fresh = tenant_code_resend(by=bordeaux_officer, tenant_file=issued.tenant_file)

    with pytest.raises(CodeRefused) as refused:
        _redeem(account, issued.code)
    assert refused.value.code == "code_wrong"
    assert _redeem(account, fresh.code).linked_user == account


def test_an_ended_file_code_no_longer_links(assigned):
    issued, account = assigned
    TenantFile.objects.filter(pk=issued.tenant_file.pk).update(status=TenantFileStatus.ENDED)

    with pytest.raises(CodeRefused) as refused:
        _redeem(account, issued.code)

    assert refused.value.code == "file_ended"


def test_too_many_codes_from_one_ip_address_are_throttled(assigned, settings):
    issued, account = assigned
    settings.TENANT_CODE_ATTEMPTS_PER_IP_PER_HOUR = 3
    for _ in range(3):
        with pytest.raises(CodeRefused):
            _redeem(UserFactory(), _wrong(issued.code), ip="203.0.113.9")

    with pytest.raises(CodeRefused) as refused:
        _redeem(account, issued.code, ip="203.0.113.9")

    assert refused.value.code == "too_many_attempts_from_ip"
    assert _redeem(account, issued.code, ip="198.51.100.2").linked_user == account


def _statements(captured) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for query in captured:
        kind = query["sql"].split()[0].upper()
        if kind not in {"SAVEPOINT", "RELEASE"}:  # the test's transaction, not ours
            kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def test_a_wrong_attempt_costs_two_reads_and_one_write(assigned, django_assert_num_queries):
    issued, account = assigned

    with django_assert_num_queries(5) as captured, pytest.raises(CodeRefused):
        # SAVEPOINT, (1) files for this code or waiting for the account, (2) the counters,
        # (3) one upsert of every counter, RELEASE.
        _redeem(account, _wrong(issued.code))

    assert _statements(captured.captured_queries) == {"SELECT": 2, "INSERT": 1}


def test_a_successful_link_costs_two_reads_one_write_and_its_audit_row(
    assigned, django_assert_num_queries
):
    issued, account = assigned

    with django_assert_num_queries(6) as captured:
        # SAVEPOINT, (1) the file, locked, (2) the counters, (3) the link, then the history
        # row that is the audit trail, RELEASE.
        _redeem(account, issued.code)

    assert _statements(captured.captured_queries) == {"SELECT": 2, "UPDATE": 1, "INSERT": 1}
