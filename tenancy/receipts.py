"""Rent receipts: one per month fully paid (FIFO: payments settle the oldest charges first)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from tenancy.agreements import parties_of, template_for
from tenancy.documents import document_issue
from tenancy.ledger import CENT, ZERO, ledger_entries
from tenancy.models import (
    DocumentKind,
    EntryKind,
    VerifiableDocument,
)
from tenancy.pdf.documents import ReceiptData, render_receipt
from tenants.models import TenantFile


def months_fully_paid(*, tenant_file: TenantFile) -> list[tuple[date, Decimal, date]]:
    """``(month, charge, paid_on)`` of every month whose charge payments cover, oldest
    charges first; ``paid_on`` is the day of the payment that completed it."""
    entries = list(ledger_entries(tenant_file=tenant_file))
    charges = [e for e in entries if e.kind == EntryKind.CHARGE]
    payments = [e for e in entries if e.kind == EntryKind.PAYMENT]
    done: list[tuple[date, Decimal, date]] = []
    cumulative_due, paid, index = ZERO, ZERO, 0
    last_payment_day: date | None = None
    for charge in sorted(charges, key=lambda e: e.month or e.booked_on):
        cumulative_due += charge.amount
        while paid < cumulative_due and index < len(payments):
            paid += payments[index].amount
            last_payment_day = payments[index].booked_on
            index += 1
        if paid < cumulative_due or last_payment_day is None:
            break
        assert charge.month is not None
        done.append((charge.month, charge.amount, last_payment_day))
    return done


def _charges_share(charges: Decimal, charged: Decimal, rent: Decimal) -> Decimal:
    """The part of a (possibly pro-rated) month's charge that is charges."""
    if not rent or charged >= rent:
        return min(charges, charged)
    return min((charges * charged / rent).quantize(CENT, rounding=ROUND_HALF_UP), charged)


def receipts_issue_due(*, tenant_file: TenantFile) -> list[VerifiableDocument]:
    """Issues the receipt of every fully paid month that has none yet (safe to rerun)."""
    have = set(
        VerifiableDocument.objects.filter(
            tenant_file=tenant_file, kind=DocumentKind.RECEIPT
        ).values_list("month", flat=True)
    )
    due = [m for m in months_fully_paid(tenant_file=tenant_file) if m[0] not in have]
    if not due:
        return []
    parties = parties_of(tenant_file)
    charges = template_for(tenant_file.crous).monthly_charges
    issued = []
    for month, amount, paid_on in due:
        share = _charges_share(charges, amount, tenant_file.unit.monthly_rent)
        data = ReceiptData(
            parties=parties,
            month=month,
            rent_charged=amount,
            charges_included=share,
            paid_on=paid_on,
        )
        issued.append(
            document_issue(
                tenant_file=tenant_file,
                kind=DocumentKind.RECEIPT,
                month=month,
                render=lambda code, data=data: render_receipt(data, code=code),
            )
        )
    return issued
