"""Reads of the tenant space for the student pages and the API (agreement, balance)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q, Sum

from tenancy.ledger import CENT, MONEY, ZERO
from tenancy.models import EntryKind, LedgerEntry, OccupancyAgreement

if TYPE_CHECKING:
    from tenants.models import TenantFile


@dataclass(frozen=True)
class SpaceSummary:
    agreement: OccupancyAgreement | None
    balance: Decimal

    @property
    def agreement_signed(self) -> bool:
        return self.agreement is not None and self.agreement.is_signed


def space_summaries(tenant_files: list[TenantFile]) -> dict[int, SpaceSummary]:
    """Agreement and balance of each file: two queries whatever the number of files."""
    ids = [f.pk for f in tenant_files]
    agreements = {
        a.tenant_file_id: a for a in OccupancyAgreement.objects.filter(tenant_file_id__in=ids)
    }
    balances = {
        row["tenant_file_id"]: Decimal((row["charged"] or ZERO) - (row["paid"] or ZERO)).quantize(
            CENT
        )
        for row in LedgerEntry.objects.filter(tenant_file_id__in=ids)
        .values("tenant_file_id")
        .order_by()
        .annotate(
            charged=Sum("amount", filter=Q(kind=EntryKind.CHARGE), output_field=MONEY),
            paid=Sum("amount", filter=Q(kind=EntryKind.PAYMENT), output_field=MONEY),
        )
    }
    return {
        i: SpaceSummary(agreement=agreements.get(i), balance=balances.get(i, ZERO)) for i in ids
    }
