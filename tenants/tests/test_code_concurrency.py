"""Fifty people submit the same correct tenant code at the same instant (PostgreSQL only).

The link is decided under a row lock on the file (tenants/code_redemption.py): whatever the
interleaving, one account wins and the others are told the code is used; the same account
submitting fifty times (a double click, a retried request) links once, with one audit row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date

import pytest

from crous_admin.testing.concurrency import all_at_once
from residences.tests.factories import HousingUnitFactory, UserFactory
from tenants.code_redemption import CodeRefused, tenant_code_redeem
from tenants.code_services import tenant_file_assign
from tenants.models import TenantFile, TenantFileStatus
from tenants.tests.factories import StudentFactory

THREADS = 50
LINKED_REASON = "account linked with the tenant code"


@pytest.fixture
def issued(postgresql_only, bordeaux):
    return tenant_file_assign(
        by=None,
        student=StudentFactory(crous=bordeaux, email="lina.roux@etu.example"),
        unit=HousingUnitFactory(residence__crous=bordeaux),
        start_date=date(2026, 9, 1),
        end_date=date(2027, 6, 30),
    )


def _all_at_once(work: Callable[[int], str]) -> list[str]:
    return all_at_once(work, threads=THREADS, refusals=(CodeRefused,))


def test_fifty_accounts_submitting_the_code_at_once_link_exactly_one(issued):
    accounts = [UserFactory(email=f"candidate{i}@etu.example") for i in range(THREADS)]

    outcomes = _all_at_once(
        lambda i: "linked" if tenant_code_redeem(user=accounts[i], raw_code=issued.code) else ""
    )

    assert Counter(outcomes) == {"linked": 1, "code_already_used": THREADS - 1}
    tenant_file = TenantFile.objects.get(pk=issued.tenant_file.pk)
    winner = accounts[outcomes.index("linked")]
    assert (tenant_file.linked_user, tenant_file.status) == (winner, TenantFileStatus.ACTIVE)
    assert tenant_file.history.filter(history_change_reason=LINKED_REASON).count() == 1


def test_one_account_submitting_the_code_fifty_times_at_once_links_once(issued):
    account = UserFactory(email="lina.roux@etu.example")

    outcomes = _all_at_once(
        lambda i: "linked" if tenant_code_redeem(user=account, raw_code=issued.code) else ""
    )

    assert Counter(outcomes) == {"linked": THREADS}
    tenant_file = TenantFile.objects.get(pk=issued.tenant_file.pk)
    assert tenant_file.linked_user == account
    assert tenant_file.history.filter(history_change_reason=LINKED_REASON).count() == 1
