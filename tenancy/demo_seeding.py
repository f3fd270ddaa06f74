"""Demo data of the tenant space: the linked demo student's agreement to sign, and their past
months paid by transfer (with receipts), so that the current month is to pay online."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django_scopes import scopes_disabled

from tenancy.agreements import agreement_prepare
from tenancy.ledger import ledger_bring_up_to_date, month_charge
from tenancy.models import AgreementTemplate, EntryKind, LedgerEntry, PaymentMethod
from tenancy.rent_payments import payment_record
from tenants.demo_seeding import DEMO_STUDENT_EMAIL
from tenants.models import TenantFile, TenantFileStatus

DEMO_MONTHLY_CHARGES = Decimal("35.00")


def seed_tenant_space_demo(*, today: date) -> None:
    with scopes_disabled():
        tenant_file = (
            TenantFile.objects.filter(
                linked_user__email=DEMO_STUDENT_EMAIL, status=TenantFileStatus.ACTIVE
            )
            .select_related("crous", "unit", "student")
            .order_by("-start_date")
            .first()
        )
        if tenant_file is None:
            return
        AgreementTemplate.objects.get_or_create(
            crous=tenant_file.crous, defaults={"monthly_charges": DEMO_MONTHLY_CHARGES}
        )
        agreement_prepare(tenant_file=tenant_file)
        # At least the first month, even when the demo is seeded before the stay begins.
        ledger_bring_up_to_date(tenant_file=tenant_file, on=max(today, tenant_file.start_date))
        if LedgerEntry.objects.filter(tenant_file=tenant_file, kind=EntryKind.PAYMENT).exists():
            return
        current_month = today.replace(day=1)
        past_charges = LedgerEntry.objects.filter(
            tenant_file=tenant_file, kind=EntryKind.CHARGE, month__lt=current_month
        ).order_by("month")
        # The first month at least, even when the demo is seeded before the stay begins.
        months = [(c.month, c.amount) for c in past_charges] or [
            (
                tenant_file.start_date,
                month_charge(
                    rent=tenant_file.unit.monthly_rent,
                    month=tenant_file.start_date,
                    start=tenant_file.start_date,
                    end=tenant_file.end_date,
                ),
            )
        ]
        for number, (month, amount) in enumerate(months, start=1):
            payment_record(
                by=None,
                tenant_file=tenant_file,
                amount=amount,
                method=PaymentMethod.TRANSFER,
                booked_on=max(month, tenant_file.start_date),
                reference=f"VIR-DEMO-{number:04d}",
                note="demo data: paid by transfer",
            )
