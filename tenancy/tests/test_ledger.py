"""The rent ledger: charges pro-rated by days, payments, balance, arrears and receipts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crous_admin.errors import ApplicationError
from notifications.models import Message
from residences.tests.factories import HousingUnitFactory
from tenancy.ledger import (
    files_in_arrears,
    ledger_bring_up_to_date,
    ledger_charges_generate,
    ledger_summary,
    month_charge,
    tenant_file_arrears,
    tenant_files_arrears,
)
from tenancy.models import DocumentKind, EntryKind, LedgerEntry
from tenancy.receipts import months_fully_paid
from tenancy.rent_payments import payment_record
from tenants.models import TenantFileStatus
from tenants.tests.factories import TenantFileFactory

RENT = Decimal("300.00")


@pytest.fixture(autouse=True)
def _early_november():
    # Recording a payment brings the ledger up to today: September to November are due.
    with time_machine.travel("2026-11-05 12:00:00+01:00"):
        yield


@pytest.fixture
def file_mid_month(bordeaux):
    """A stay from 15 September 2026 to 10 June 2027 at 300 € a month."""
    return TenantFileFactory(
        crous=bordeaux,
        unit=HousingUnitFactory(residence__crous=bordeaux, monthly_rent=RENT),
        start_date=date(2026, 9, 15),
        end_date=date(2027, 6, 10),
        status=TenantFileStatus.ACTIVE,
    )


def test_first_and_last_months_are_charged_for_the_days_occupied():
    start, end = date(2026, 9, 15), date(2027, 6, 10)

    # 16 of September's 30 days, 10 of June's 30 days, all of October.
    assert month_charge(rent=RENT, month=date(2026, 9, 1), start=start, end=end) == Decimal(
        "160.00"
    )
    assert month_charge(rent=RENT, month=date(2027, 6, 1), start=start, end=end) == Decimal(
        "100.00"
    )
    assert month_charge(rent=RENT, month=date(2026, 10, 1), start=start, end=end) == RENT
    assert month_charge(rent=RENT, month=date(2027, 7, 1), start=start, end=end) == Decimal("0.00")


def test_pro_rating_rounds_half_up_to_the_cent_and_stays_decimal():
    # 1 day of February 2027 (28 days) at 405 €: 14.4642… → 14.46
    charge = month_charge(
        rent=Decimal("405.00"),
        month=date(2027, 2, 1),
        start=date(2027, 2, 28),
        end=date(2027, 6, 30),
    )
    assert charge == Decimal("14.46")
    assert isinstance(charge, Decimal)


def test_bringing_a_ledger_up_to_date_adds_the_months_due_once(file_mid_month):
    added = ledger_bring_up_to_date(tenant_file=file_mid_month, on=date(2026, 11, 1))
    again = ledger_bring_up_to_date(tenant_file=file_mid_month, on=date(2026, 11, 1))

    charges = LedgerEntry.objects.filter(tenant_file=file_mid_month, kind=EntryKind.CHARGE)
    assert (added, again) == (3, 0)
    assert [(c.month, c.booked_on, c.amount) for c in charges.order_by("month")] == [
        (date(2026, 9, 1), date(2026, 9, 15), Decimal("160.00")),
        (date(2026, 10, 1), date(2026, 10, 1), RENT),
        (date(2026, 11, 1), date(2026, 11, 1), RENT),
    ]


def test_the_whole_stay_is_charged_with_the_last_month_pro_rated(file_mid_month):
    ledger_bring_up_to_date(tenant_file=file_mid_month, on=date(2027, 12, 31))

    summary = ledger_summary(tenant_file=file_mid_month)
    # 160 + 8 full months (Oct–May) + 100
    assert summary.charged == Decimal("2660.00")
    assert summary.balance == Decimal("2660.00")


def test_a_month_is_not_charged_before_its_first_day(file_mid_month):
    ledger_bring_up_to_date(tenant_file=file_mid_month, on=date(2026, 9, 30))

    assert file_mid_month.ledger_entries.count() == 1


def test_the_periodic_job_charges_every_current_file_once_with_constant_queries(bordeaux):
    files = [TenantFileFactory(crous=bordeaux, status=TenantFileStatus.ACTIVE) for _ in range(5)]
    TenantFileFactory(crous=bordeaux, status=TenantFileStatus.CANCELLED)

    with CaptureQueriesContext(connection) as first:
        added = ledger_charges_generate(on=date(2026, 10, 3))
    with CaptureQueriesContext(connection) as second:
        again = ledger_charges_generate(on=date(2026, 10, 3))

    assert added == 2 * len(files)  # September and October of each current file
    assert again == 0
    # files to charge, their existing months, one bulk insert (+ savepoint on some backends)
    assert len(first.captured_queries) <= 5
    # once charged, a run reads the (empty) list of files missing their month and stops
    assert len(second.captured_queries) == 1


def test_the_periodic_job_charges_each_crous_by_its_local_date(bordeaux):
    reunion_file = TenantFileFactory(
        crous__code="reunion", crous__time_zone="Indian/Reunion", status=TenantFileStatus.ACTIVE
    )
    paris_file = TenantFileFactory(crous=bordeaux, status=TenantFileStatus.ACTIVE)

    # 21:30 UTC on 30 September: already 1 October in Réunion (UTC+4), not in Bordeaux.
    with time_machine.travel("2026-09-30 21:30:00+00:00", tick=False):
        ledger_charges_generate()

    assert reunion_file.ledger_entries.count() == 2
    assert paris_file.ledger_entries.count() == 1


def test_a_payment_by_cheque_is_recorded_with_its_author_and_confirmed_by_email(
    file_mid_month, bordeaux_officer
):
    ledger_bring_up_to_date(tenant_file=file_mid_month, on=date(2026, 10, 5))

    entry = payment_record(
        by=bordeaux_officer,
        tenant_file=file_mid_month,
        amount=Decimal("160"),
        method="cheque",
        booked_on=date(2026, 10, 2),
        reference="CHQ 0042",
        note="cheque handed in at the residence office",
    )

    history = entry.history.get()
    assert history.history_user == bordeaux_officer
    assert history.history_change_reason == "cheque handed in at the residence office"
    assert ledger_summary(tenant_file=file_mid_month).balance == 2 * RENT  # October, November
    message = Message.objects.get(idempotency_key=f"rent-payment:{entry.pk}")
    assert message.template_key == "rent_payment_confirmed"
    assert message.recipient == file_mid_month.student.email


def test_an_online_method_cannot_be_recorded_by_staff(file_mid_month, bordeaux_officer):
    with pytest.raises(ApplicationError) as refused:
        payment_record(
            by=bordeaux_officer,
            tenant_file=file_mid_month,
            amount=Decimal("10"),
            method="online",
            booked_on=date(2026, 10, 2),
        )
    assert refused.value.code == "method_invalid"


def test_payments_settle_the_oldest_months_first_and_each_paid_month_gets_one_receipt(
    file_mid_month, bordeaux_officer
):
    ledger_bring_up_to_date(tenant_file=file_mid_month, on=date(2026, 11, 5))

    def pay(amount: str, day: date) -> None:
        payment_record(
            by=bordeaux_officer,
            tenant_file=file_mid_month,
            amount=Decimal(amount),
            method="transfer",
            booked_on=day,
        )

    pay("200.00", date(2026, 10, 3))  # September (160) and 40 of October
    pay("260.00", date(2026, 11, 3))  # the rest of October

    receipts = file_mid_month.documents.filter(kind=DocumentKind.RECEIPT).order_by("month")
    assert [(r.month) for r in receipts] == [date(2026, 9, 1), date(2026, 10, 1)]
    assert months_fully_paid(tenant_file=file_mid_month)[1] == (
        date(2026, 10, 1),
        RENT,
        date(2026, 11, 3),
    )
    # Issuing again issues nothing: one receipt per month.
    pay("0.01", date(2026, 11, 4))
    assert receipts.count() == 2


def test_arrears_count_what_was_due_and_unpaid_by_the_date(file_mid_month, bordeaux_officer):
    ledger_bring_up_to_date(tenant_file=file_mid_month, on=date(2026, 11, 5))
    payment_record(
        by=bordeaux_officer,
        tenant_file=file_mid_month,
        amount=Decimal("500.00"),
        method="transfer",
        booked_on=date(2026, 11, 2),
    )

    assert tenant_file_arrears(tenant_file=file_mid_month, on=date(2026, 10, 20)) == Decimal(
        "460.00"
    )
    assert tenant_file_arrears(tenant_file=file_mid_month, on=date(2026, 11, 5)) == Decimal(
        "260.00"
    )
    # Before any charge, and in credit, the arrears are zero, never negative.
    assert tenant_file_arrears(tenant_file=file_mid_month, on=date(2026, 9, 1)) == Decimal("0.00")


def test_bulk_arrears_answer_every_file_in_one_query(bordeaux, django_assert_num_queries):
    owing = TenantFileFactory(crous=bordeaux, status=TenantFileStatus.ACTIVE)
    clear = TenantFileFactory(crous=bordeaux, status=TenantFileStatus.ACTIVE)
    ledger_bring_up_to_date(tenant_file=owing, on=date(2026, 9, 2))

    with django_assert_num_queries(1):  # one aggregate grouped by file
        arrears = tenant_files_arrears(tenant_file_ids=[owing.pk, clear.pk], on=date(2026, 9, 2))

    assert arrears == {owing.pk: Decimal("260.00"), clear.pk: Decimal("0.00")}


@pytest.mark.parametrize("files", [1, 8])
def test_the_arrears_list_costs_one_query_whatever_the_number_of_files(
    bordeaux, files, django_assert_num_queries
):
    for _ in range(files):
        ledger_bring_up_to_date(
            tenant_file=TenantFileFactory(crous=bordeaux, status=TenantFileStatus.ACTIVE),
            on=date(2026, 10, 2),
        )
    TenantFileFactory(crous=bordeaux, status=TenantFileStatus.ACTIVE)  # owes nothing yet

    with django_assert_num_queries(1):  # files with charged/paid sums and relations joined
        listed = list(files_in_arrears(on=date(2026, 10, 2)))

    assert len(listed) == files
    assert all(f.arrears == Decimal("520.00") for f in listed)
    assert listed[0].student.last_name
