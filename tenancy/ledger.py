"""The rent ledger: monthly charges, payments, balance, arrears, receipts.

Money is ``Decimal`` with two places throughout, rounded half-up once per charge.

Charges: one per month of the occupancy, due on the 1st (on the start day for the first
month), from the unit's monthly rent; the first and last months are pro-rated by days
occupied (``month_charge``). ``ledger_bring_up_to_date`` adds the charges due by a date to
one file; the daily job ``ledger_charges_generate`` does it for every file, in bulk. Both are
safe to run twice (one charge per month per file, a unique constraint).

Payments: recorded by staff (cheque, transfer…, with who and why in the history) or settled
once from an online gateway's callback (``online_payment_settle``, compare-and-swap). Each
payment queues a confirmation email through the outbox and issues the receipts of the months
it completes (FIFO: payments settle the oldest charges first).

Arrears, for staff lists and the renewal eligibility check: ``tenant_file_arrears`` (one
file) and ``tenant_files_arrears`` (many, one query).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
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
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_scopes import scopes_disabled

from crous_admin.errors import ApplicationError, ConflictError
from crous_admin.history import record_author
from notifications.models import Channel
from notifications.services import message_queue
from tenancy.agreements import parties_of, template_for
from tenancy.documents import document_issue
from tenancy.models import (
    OFFLINE_METHODS,
    DocumentKind,
    EntryKind,
    LedgerEntry,
    OnlinePayment,
    OnlinePaymentStatus,
    PaymentMethod,
    VerifiableDocument,
)
from tenancy.payments import get_gateway
from tenancy.payments.base import CallbackResult
from tenancy.pdf.documents import ReceiptData, render_receipt
from tenants.models import TenantFile, TenantFileStatus

if TYPE_CHECKING:
    from crous_admin.accounts.models import User

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=12, decimal_places=2)
CHARGED_STATUSES = (TenantFileStatus.ASSIGNED, TenantFileStatus.ACTIVE, TenantFileStatus.ENDED)
PAYMENT_CONFIRMED_TEMPLATE = "rent_payment_confirmed"


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


# --- Payments -----------------------------------------------------------------------------


def _queue_confirmation(
    entry: LedgerEntry, tenant_file: TenantFile, summary: LedgerSummary
) -> None:
    user = tenant_file.linked_user
    language = user.preferred_language if user else "fr"
    with override(language):  # the context is stored rendered: in the student's language
        method = str(entry.get_method_display())
    message_queue(
        crous=tenant_file.crous,
        recipient=tenant_file.student.email,
        channel=Channel.EMAIL,
        template_key=PAYMENT_CONFIRMED_TEMPLATE,
        language=language,
        context={
            "first_name": tenant_file.student.first_name,
            "amount": f"{entry.amount:.2f}".replace(".", ","),
            "paid_on": entry.booked_on.strftime("%d/%m/%Y"),
            "method": method,
            "balance": f"{summary.balance:.2f}".replace(".", ","),
            "site_url": settings.SITE_URL,
            "housing_path": reverse("tenants_portal:housing"),
        },
        # One email per payment whatever happens to the callback: the entry exists once.
        idempotency_key=f"rent-payment:{entry.pk}",
    )


def _after_payment(entry: LedgerEntry, tenant_file: TenantFile) -> None:
    tenant_file = TenantFile.objects.select_related(
        "crous", "student", "unit__residence", "linked_user"
    ).get(pk=tenant_file.pk)
    receipts_issue_due(tenant_file=tenant_file)
    _queue_confirmation(entry, tenant_file, ledger_summary(tenant_file=tenant_file))


@transaction.atomic
def payment_record(
    *,
    by: User | None,
    tenant_file: TenantFile,
    amount: Decimal,
    method: str,
    booked_on: date,
    reference: str = "",
    note: str = "",
) -> LedgerEntry:
    """Staff record a payment made by other means (cheque, transfer, cash…).

    Who recorded it, and ``note``, go to the entry's history; the student gets a
    confirmation and the receipts of the months it completes.
    """
    if method not in OFFLINE_METHODS:
        raise ApplicationError(
            _("Choose how the student paid: cheque, bank transfer, cash or other."),
            code="method_invalid",
            field="method",
        )
    if amount <= 0:
        raise ApplicationError(
            _("The amount must be more than zero."), code="amount_invalid", field="amount"
        )
    if tenant_file.status == TenantFileStatus.CANCELLED:
        raise ConflictError(_("This tenant file was cancelled."), code="file_cancelled")
    entry = LedgerEntry(
        crous_id=tenant_file.crous_id,
        tenant_file=tenant_file,
        kind=EntryKind.PAYMENT,
        booked_on=booked_on,
        amount=amount.quantize(CENT),
        label=str(PaymentMethod(method).label),
        method=method,
        reference=reference,
        created_by=by,
    )
    entry.full_clean(exclude=["tenant_file", "crous", "online_payment", "created_by"])
    # The months this payment settles must be on the ledger for its receipts.
    ledger_bring_up_to_date(tenant_file=tenant_file)
    record_author(entry, by, note or f"payment recorded ({method})")
    entry.save()
    _after_payment(entry, tenant_file)
    return entry


@transaction.atomic
def online_payment_start(
    *,
    user: User,
    tenant_file: TenantFile,
    return_url: str,
    callback_url: str,
    amount: Decimal | None = None,
) -> tuple[OnlinePayment, str]:
    """Opens a checkout at the configured gateway for what the student owes (or ``amount``);
    returns the pending payment and the URL to send the student to."""
    if tenant_file.linked_user_id != user.pk:
        raise ApplicationError(_("Not found."), code="not_found", status=404)
    if tenant_file.status not in CHARGED_STATUSES:
        raise ConflictError(_("This tenant file was cancelled."), code="file_cancelled")
    ledger_bring_up_to_date(tenant_file=tenant_file)
    owed = ledger_summary(tenant_file=tenant_file).balance
    if amount is None:
        amount = owed
    amount = amount.quantize(CENT)
    if amount <= 0:
        raise ConflictError(
            _("You owe nothing at the moment: there is nothing to pay."), code="nothing_to_pay"
        )
    if amount > max(owed, ZERO) + tenant_file.unit.monthly_rent:
        raise ApplicationError(
            _("You can pay at most what you owe plus one month's rent in advance."),
            code="amount_too_high",
            field="amount",
        )
    gateway = get_gateway()
    payment = OnlinePayment.objects.create(
        crous_id=tenant_file.crous_id,
        tenant_file=tenant_file,
        gateway=gateway.name,
        provider_reference=f"pending-{timezone.now().timestamp()}-{tenant_file.pk}",
        amount=amount,
        created_by=user,
    )
    checkout = gateway.create_checkout(
        payment_id=payment.pk,
        amount=amount,
        description=_("Rent, file %(id)s") % {"id": tenant_file.pk},
        return_url=return_url,
        callback_url=callback_url,
    )
    payment.provider_reference = checkout.provider_reference
    payment.save(update_fields=["provider_reference"])
    return payment, checkout.redirect_url


def online_payment_settle(*, gateway_name: str, result: CallbackResult) -> OnlinePayment | None:
    """Settles the payment a verified gateway callback is about, exactly once.

    Compare-and-swap on ``status=pending``: of two deliveries of the same callback (the
    provider's retry, the browser's return), one moves the row and records the payment, the
    other finds it settled and does nothing. Returns None for an unknown reference.
    """
    with scopes_disabled(), transaction.atomic():
        payment = (
            OnlinePayment.objects.filter(
                gateway=gateway_name, provider_reference=result.provider_reference
            )
            .select_related("tenant_file")
            .first()
        )
        if payment is None:
            return None
        succeeded = result.succeeded and result.amount == payment.amount
        changed = OnlinePayment.objects.filter(
            pk=payment.pk, status=OnlinePaymentStatus.PENDING
        ).update(
            status=OnlinePaymentStatus.SUCCEEDED if succeeded else OnlinePaymentStatus.FAILED,
            settled_at=timezone.now(),
        )
        payment.refresh_from_db()
        if changed and succeeded:
            tenant_file = payment.tenant_file
            entry = LedgerEntry.objects.create(
                crous_id=payment.crous_id,
                tenant_file=tenant_file,
                kind=EntryKind.PAYMENT,
                booked_on=timezone.localdate(),
                amount=payment.amount,
                label=str(PaymentMethod.ONLINE.label),
                method=PaymentMethod.ONLINE,
                reference=payment.provider_reference,
                online_payment=payment,
                created_by=payment.created_by,
            )
            _after_payment(entry, tenant_file)
        return payment


# --- Receipts -----------------------------------------------------------------------------


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
