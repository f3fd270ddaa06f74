"""The rent ledger: monthly charges, balance and arrears.

Money is ``Decimal`` with two places throughout, rounded half-up once per charge.

Charges: one per month of the occupancy, due on the 1st (on the start day for the first
month), from the unit's monthly rent; the first and last months are pro-rated by days
occupied (``month_charge``). ``ledger_bring_up_to_date`` adds the charges due by a date to
one file; the hourly job ``ledger_charges_generate`` does it for every file, in bulk. Both are
safe to run twice (one charge per month per file, a unique constraint).

Arrears, for staff lists and the renewal eligibility check: ``tenant_file_arrears`` (one
file) and ``tenant_files_arrears`` (many, one query). Payments are in tenancy/rent_payments.py,
receipts in tenancy/receipts.py.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    DateField,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_scopes import scopes_disabled

from tenancy.models import (
    EntryKind,
    LedgerEntry,
)
from tenants.models import TenantFile, TenantFileStatus

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=12, decimal_places=2)
CHARGED_STATUSES = (TenantFileStatus.ASSIGNED, TenantFileStatus.ACTIVE, TenantFileStatus.ENDED)


# --- Charges ------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_charge(*, rent: Decimal, month: date, start: date, end: date) -> Decimal:
    """The charge of ``month`` for an occupancy from ``start`` to ``end`` (both included):
    the rent times the share of the month's days occupied, rounded half-up to the cent."""
    first, last = max(month_start(month), start), min(month_end(month), end)
    if last < first:
        return ZERO
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    days = (last - first).days + 1
    if days == days_in_month:
        return rent.quantize(CENT)
    return (rent * days / days_in_month).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DueCharge:
    month: date
    due_on: date
    amount: Decimal


def charges_due(*, tenant_file: TenantFile, rent: Decimal, on: date) -> list[DueCharge]:
    """Every charge of the occupancy due by ``on`` (a month is due on its first day)."""
    due: list[DueCharge] = []
    month = month_start(tenant_file.start_date)
    while month <= on and month <= tenant_file.end_date:
        due_on = max(month, tenant_file.start_date)
        amount = month_charge(
            rent=rent, month=month, start=tenant_file.start_date, end=tenant_file.end_date
        )
        if due_on <= on and amount > 0:
            due.append(DueCharge(month=month, due_on=due_on, amount=amount))
        month = month_end(month) + timedelta(days=1)
    return due


def _charge_label(month: date) -> str:
    with override("fr"):
        return _("Rent %(month)s") % {"month": date_format(month, "F Y")}


def _charge_entries(
    tenant_file: TenantFile, rent: Decimal, on: date, have: set[date]
) -> list[LedgerEntry]:
    return [
        LedgerEntry(
            crous_id=tenant_file.crous_id,
            tenant_file_id=tenant_file.pk,
            kind=EntryKind.CHARGE,
            month=c.month,
            booked_on=c.due_on,
            amount=c.amount,
            label=_charge_label(c.month),
        )
        for c in charges_due(tenant_file=tenant_file, rent=rent, on=on)
        if c.month not in have
    ]


def local_today(tenant_file: TenantFile) -> date:
    return timezone.localdate(timezone=tenant_file.crous.time_zone)


def ledger_bring_up_to_date(*, tenant_file: TenantFile, on: date | None = None) -> int:
    """Adds the file's missing charges due by ``on`` (the Crous' today); returns how many."""
    if tenant_file.status not in CHARGED_STATUSES:
        return 0
    on = on or local_today(tenant_file)
    rent = tenant_file.unit.monthly_rent
    have = set(
        LedgerEntry.objects.filter(tenant_file=tenant_file, kind=EntryKind.CHARGE).values_list(
            "month", flat=True
        )
    )
    entries = _charge_entries(tenant_file, rent, on, have)
    # ignore_conflicts: the daily job may be adding the same month at the same moment.
    LedgerEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return len(entries)


def ledger_charges_generate(*, on: date | None = None, batch_size: int = 500) -> int:
    """The periodic job: brings every charged file's ledger up to date. Returns charges added.

    Without ``on``, each file is charged up to today in its Crous' time zone. Only files
    missing their latest charge are read: once the month's charges exist, a run costs one
    indexed query.
    """
    latest = on or (timezone.now() + timedelta(days=1)).date()  # no Crous is ahead of that
    this_month = month_start(latest)
    has_charge_for = lambda month: Exists(  # noqa: E731
        LedgerEntry.objects.filter(tenant_file=OuterRef("pk"), kind=EntryKind.CHARGE, month=month)
    )
    created = 0
    with scopes_disabled():
        files = (
            TenantFile.objects.filter(status__in=CHARGED_STATUSES, start_date__lte=latest)
            .annotate(last_month=TruncMonth("end_date", output_field=DateField()))
            .exclude(Q(end_date__gte=this_month) & has_charge_for(this_month))
            .exclude(Q(end_date__lt=this_month) & has_charge_for(OuterRef("last_month")))
            .select_related("crous", "unit")
            .only(
                "id",
                "crous_id",
                "crous__time_zone",
                "start_date",
                "end_date",
                "unit__monthly_rent",
                "status",
            )
            .order_by("pk")
        )
        batch: list[TenantFile] = []
        for tenant_file in files.iterator(chunk_size=batch_size):
            batch.append(tenant_file)
            if len(batch) >= batch_size:
                created += _generate_batch(batch, on)
                batch = []
        if batch:
            created += _generate_batch(batch, on)
    return created


def _generate_batch(files: list[TenantFile], on: date | None) -> int:
    have: dict[int, set[date]] = {}
    for file_id, month in LedgerEntry.objects.filter(
        tenant_file_id__in=[f.pk for f in files], kind=EntryKind.CHARGE
    ).values_list("tenant_file_id", "month"):
        have.setdefault(file_id, set()).add(month)
    entries: list[LedgerEntry] = []
    for tenant_file in files:
        day = on or local_today(tenant_file)
        entries += _charge_entries(
            tenant_file, tenant_file.unit.monthly_rent, day, have.get(tenant_file.pk, set())
        )
    LedgerEntry.objects.bulk_create(entries, ignore_conflicts=True, batch_size=1000)
    return len(entries)


# --- Balance and arrears ------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerSummary:
    charged: Decimal
    paid: Decimal

    @property
    def balance(self) -> Decimal:
        """What the student owes (negative: in credit)."""
        return self.charged - self.paid


def _sum(kind: str, **filters: object) -> Coalesce:
    return Coalesce(Sum("amount", filter=Q(kind=kind, **filters)), Value(ZERO), output_field=MONEY)


def ledger_summary(*, tenant_file: TenantFile) -> LedgerSummary:
    """Charges and payments of the file so far (one query)."""
    totals = LedgerEntry.objects.filter(tenant_file=tenant_file).aggregate(
        charged=_sum(EntryKind.CHARGE), paid=_sum(EntryKind.PAYMENT)
    )
    # SQLite sums decimals without their scale (Decimal("520")): two places for display.
    return LedgerSummary(
        charged=Decimal(totals["charged"]).quantize(CENT),
        paid=Decimal(totals["paid"]).quantize(CENT),
    )


def ledger_entries(*, tenant_file: TenantFile) -> QuerySet[LedgerEntry]:
    return (
        LedgerEntry.objects.filter(tenant_file=tenant_file)
        .select_related("created_by")
        .order_by("booked_on", "id")
    )


def tenant_files_arrears(
    *, tenant_file_ids: Iterable[int], on: date, paid_by: date | None = None
) -> dict[int, Decimal]:
    """Arrears of many files at ``on``: charges due by then minus payments made by then
    (or by ``paid_by``, to leave a grace period on recent charges while counting every
    payment), never below zero. One query whatever the number of files; reads every Crous
    (a trusted caller such as the renewal eligibility check passes the ids it may see)."""
    ids = list(tenant_file_ids)
    result = dict.fromkeys(ids, ZERO)
    paid_by = paid_by or on
    with scopes_disabled():
        rows = (
            LedgerEntry.objects.filter(tenant_file_id__in=ids, booked_on__lte=max(on, paid_by))
            .values("tenant_file_id")
            .order_by()
            .annotate(
                charged=_sum(EntryKind.CHARGE, booked_on__lte=on),
                paid=_sum(EntryKind.PAYMENT, booked_on__lte=paid_by),
            )
        )
        for row in rows:
            owed = Decimal(row["charged"] - row["paid"]).quantize(CENT)
            result[row["tenant_file_id"]] = max(owed, ZERO)
    return result


def tenant_file_arrears(*, tenant_file: TenantFile, on: date) -> Decimal:
    """What the file's student owes at ``on`` (0.00 when nothing or in credit)."""
    return tenant_files_arrears(tenant_file_ids=[tenant_file.pk], on=on)[tenant_file.pk]


def _file_total(kind: str, on: date) -> Subquery:
    return Subquery(
        LedgerEntry.objects.filter(tenant_file=OuterRef("pk"), kind=kind, booked_on__lte=on)
        .order_by()
        .values("tenant_file")
        .annotate(total=Sum("amount"))
        .values("total")[:1],
        output_field=MONEY,
    )


def files_in_arrears(*, on: date) -> QuerySet[TenantFile]:
    """Tenant files (of the viewer's scope) owing rent at ``on``, most owed first, with
    ``charged``, ``paid`` and ``arrears`` annotated: one query for any number of files."""
    return (
        TenantFile.objects.annotate(
            charged=Coalesce(_file_total(EntryKind.CHARGE, on), Value(ZERO), output_field=MONEY),
            paid=Coalesce(_file_total(EntryKind.PAYMENT, on), Value(ZERO), output_field=MONEY),
        )
        .annotate(arrears=F("charged") - F("paid"))
        .filter(arrears__gt=0)
        .select_related("crous", "student", "unit__residence")
        .order_by("-arrears", "pk")
    )
