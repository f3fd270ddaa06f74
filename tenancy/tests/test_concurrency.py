"""The same callback, or the same signature, arriving many times at once (PostgreSQL only).

A payment settles by compare-and-swap on its status and an agreement is signed under a row
lock: whatever the interleaving, one delivery records the payment (one ledger entry, one
confirmation) and one submission signs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django_scopes import scopes_disabled

from crous_admin.errors import ApplicationError
from crous_admin.testing.concurrency import all_at_once
from notifications.models import Message
from tenancy.agreements import agreement_prepare, agreement_sign
from tenancy.ledger import ledger_bring_up_to_date
from tenancy.models import EntryKind, OnlinePayment
from tenancy.payments.base import CallbackResult
from tenancy.rent_payments import online_payment_settle

THREADS = 12


def _all_at_once(work: Callable[[], str]) -> list[str]:
    return all_at_once(lambda _i: work(), threads=THREADS, refusals=(ApplicationError,))


def test_a_callback_delivered_many_times_at_once_records_one_payment(
    postgresql_only, linked_student_file
):
    ledger_bring_up_to_date(tenant_file=linked_student_file, on=date(2026, 9, 2))
    payment = OnlinePayment.objects.create(
        crous=linked_student_file.crous,
        tenant_file=linked_student_file,
        gateway="fake",
        provider_reference="fake_concurrent",
        amount=Decimal("260.00"),
        created_by=linked_student_file.linked_user,
    )
    result = CallbackResult("fake_concurrent", True, Decimal("260.00"))

    outcomes = _all_at_once(
        lambda: online_payment_settle(gateway_name="fake", result=result).status
    )

    assert Counter(outcomes) == {"succeeded": THREADS}
    entries = linked_student_file.ledger_entries.filter(kind=EntryKind.PAYMENT)
    assert entries.count() == 1
    assert entries.get().online_payment_id == payment.pk
    assert Message.objects.filter(template_key="rent_payment_confirmed").count() == 1


def test_one_of_many_simultaneous_signatures_signs(postgresql_only, linked_student_file):
    agreement = agreement_prepare(tenant_file=linked_student_file)
    student = linked_student_file.student

    def sign() -> str:
        with scopes_disabled():  # the scope is per thread: a request would open the student's
            return _sign()

    def _sign() -> str:
        agreement_sign(
            tenant_file=linked_student_file,
            user=linked_student_file.linked_user,
            consent=True,
            typed_name=f"{student.first_name} {student.last_name}",
            document_sha256=agreement.document_sha256,
            ip="203.0.113.9",
        )
        return "signed"

    outcomes = _all_at_once(sign)

    assert Counter(outcomes) == {"signed": 1, "agreement_already_signed": THREADS - 1}
    assert linked_student_file.documents.filter(kind="signed_agreement").count() == 1
