"""The demo data of the tenant space, as `make run` seeds it."""

from __future__ import annotations

from datetime import date

import time_machine

from residences.demo_seeding import seed_demo
from tenants.models import TenantFile
from tenants.space_models import DocumentKind, EntryKind, OccupancyAgreement


def test_the_demo_student_has_an_agreement_to_sign_charges_and_one_paid_month(db):
    with time_machine.travel("2026-11-15 10:00:00+01:00"):
        seed_demo(scale=0.002)
        seed_demo(scale=0.002)  # again: nothing added twice

    tenant_file = TenantFile.objects.get(linked_user__email="etudiant@crous-demo.example")
    agreement = OccupancyAgreement.objects.get(tenant_file=tenant_file)
    assert not agreement.is_signed
    entries = tenant_file.ledger_entries
    assert entries.filter(kind=EntryKind.CHARGE).count() == 3  # September to November
    assert entries.filter(kind=EntryKind.PAYMENT).count() == 1
    receipt = tenant_file.documents.get(kind=DocumentKind.RECEIPT)
    assert receipt.month == date(2026, 9, 1)
