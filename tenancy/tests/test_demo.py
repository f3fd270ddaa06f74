"""The demo data of the tenant space, as `make run` seeds it."""

from __future__ import annotations

from datetime import date

import time_machine

from crous_admin.demo.seeding import seed_demo
from tenancy.models import DocumentKind, EntryKind, OccupancyAgreement
from tenants.models import TenantFile


def test_the_demo_student_has_an_agreement_to_sign_and_past_months_paid_with_receipts(db):
    with time_machine.travel("2026-11-15 10:00:00+01:00"):
        seed_demo(scale=0.002)
        seed_demo(scale=0.002)  # again: nothing added twice

    tenant_file = TenantFile.objects.get(linked_user__email="etudiant@crous-demo.example")
    agreement = OccupancyAgreement.objects.get(tenant_file=tenant_file)
    assert not agreement.is_signed
    entries = tenant_file.ledger_entries
    assert entries.filter(kind=EntryKind.CHARGE).count() == 3  # September to November
    assert entries.filter(kind=EntryKind.PAYMENT).count() == 2  # September and October
    receipts = tenant_file.documents.filter(kind=DocumentKind.RECEIPT).order_by("month")
    assert [r.month for r in receipts] == [date(2026, 9, 1), date(2026, 10, 1)]


def test_the_demo_student_owes_only_the_current_month_and_may_renew(db):
    from renewals.eligibility import eligibility_check
    from renewals.selectors import window_for_file
    from tenancy.ledger import ledger_summary

    with time_machine.travel("2026-12-01 10:00:00+01:00"):
        seed_demo(scale=0.002)
        tenant_file = TenantFile.objects.get(linked_user__email="etudiant@crous-demo.example")
        summary = ledger_summary(tenant_file=tenant_file)
        december = tenant_file.ledger_entries.get(kind=EntryKind.CHARGE, month=date(2026, 12, 1))

        check = eligibility_check(tenant_file=tenant_file, window=window_for_file(tenant_file))

    assert summary.charged - summary.paid == december.amount
    assert check.eligible, check.blocking_codes
