"""Rent payments: recorded by staff, or settled once from an online gateway's callback.

Staff record payments made by other means (cheque, transfer…, with who and why in the
history); an online payment is settled once from its gateway's callback
(``online_payment_settle``, compare-and-swap). Each payment queues a confirmation email through
the outbox and issues the receipts of the months it completes (tenancy/receipts.py).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_scopes import scopes_disabled

from crous_admin.errors import ApplicationError, ConflictError
from crous_admin.history import record_author
from notifications.models import Channel
from notifications.services import message_queue
from tenancy.ledger import (
    CENT,
    CHARGED_STATUSES,
    ZERO,
    LedgerSummary,
    ledger_bring_up_to_date,
    ledger_summary,
)
from tenancy.models import (
    OFFLINE_METHODS,
    EntryKind,
    LedgerEntry,
    OnlinePayment,
    OnlinePaymentStatus,
    PaymentMethod,
)
from tenancy.payments import get_gateway
from tenancy.payments.base import CallbackResult
from tenancy.receipts import receipts_issue_due
from tenants.models import TenantFile, TenantFileStatus

if TYPE_CHECKING:
    from crous_admin.accounts.models import User


PAYMENT_CONFIRMED_TEMPLATE = "rent_payment_confirmed"


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
