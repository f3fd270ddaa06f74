"""The tenant space: occupancy agreements, the rent ledger, online payments and the PDFs
(agreements, receipts, rent certificates) that anyone holding their code can verify.

Each row hangs off one tenant file (``tenants.TenantFile``) and belongs to one Crous
(``ScopedManager(crous="crous")``, docs/adr/0002-per-crous-scoping.md). Amounts are
``Decimal`` with two places, never floats (docs/tenant-space.md).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from residences.models import Crous

__all__ = [
    "OFFLINE_METHODS",
    "AgreementTemplate",
    "DocumentKind",
    "EntryKind",
    "LedgerEntry",
    "OccupancyAgreement",
    "OnlinePayment",
    "OnlinePaymentStatus",
    "PaymentMethod",
    "VerifiableDocument",
]

ZERO = Decimal("0.00")

DEFAULT_AGREEMENT_CLAUSES = _(
    "The Crous makes the housing unit described above available to the student, for the "
    "student's own use as their main residence during their studies, for the period "
    "stated. The monthly fee (rent and charges) is due on the first day of each month; "
    "the first and last months are charged for the days occupied. The student takes out "
    "home insurance, keeps the unit in good repair, and may not sublet it. Either party "
    "may end the agreement with one month's notice."
)
DEFAULT_HOUSE_RULES = _(
    "Quiet hours from 10 p.m. to 7 a.m. No smoking inside the buildings. Guests may stay "
    "no more than three nights a month. Common areas are kept clean by everyone. Report "
    "any damage to the residence's office without delay."
)


class AgreementTemplate(models.Model):
    """The texts of one Crous' occupancy agreements, edited by that Crous' staff.

    A Crous without a row uses the defaults above (``tenancy.agreements.template_for``).
    ``monthly_charges`` is the part of every unit's monthly rent that is charges, for the
    CAF rent certificate (residences.HousingUnit has one all-in rent).
    """

    crous = models.OneToOneField(
        Crous, on_delete=models.CASCADE, related_name="agreement_template", verbose_name=_("Crous")
    )
    clauses = models.TextField(_("agreement clauses"), default=DEFAULT_AGREEMENT_CLAUSES)
    house_rules = models.TextField(_("house rules"), default=DEFAULT_HOUSE_RULES)
    monthly_charges = models.DecimalField(
        _("monthly charges included in the rent (€)"),
        max_digits=7,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(crous="crous")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agreement template")
        verbose_name_plural = _("agreement templates")

    def __str__(self) -> str:
        return str(_("Agreement template of %(crous)s") % {"crous": self.crous})


class DocumentKind(models.TextChoices):
    AGREEMENT = "agreement", _("Occupancy agreement (to sign)")
    SIGNED_AGREEMENT = "signed_agreement", _("Signed occupancy agreement")
    RECEIPT = "receipt", _("Rent receipt")
    RENT_CERTIFICATE = "rent_certificate", _("Rent certificate")


def _document_path(instance: VerifiableDocument, filename: str) -> str:
    # A random name: MEDIA_ROOT must never be served as is, but a guessable name would be
    # one mistake away from a leak (docs/tenant-space.md).
    return f"tenant-documents/{instance.crous_id}/{uuid.uuid4().hex}.pdf"


class VerifiableDocument(models.Model):
    """One PDF issued to a tenant file, as stored: its bytes never change once written.

    ``code`` is printed on the PDF with the verification page's address; the page shows the
    document's kind, date, holder's initials and ``sha256`` (of the stored bytes), so that
    anyone holding a copy can check it is genuine and unchanged.
    """

    crous = models.ForeignKey(
        Crous, on_delete=models.PROTECT, related_name="+", verbose_name=_("Crous")
    )
    tenant_file = models.ForeignKey(
        "tenants.TenantFile",
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("tenant file"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    code = models.CharField(_("verification code"), max_length=12, unique=True)
    month = models.DateField(_("month"), null=True, blank=True)
    file = models.FileField(_("PDF"), upload_to=_document_path, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    holder_initials = models.CharField(_("holder's initials"), max_length=12)
    issued_at = models.DateTimeField(_("issued at"))

    objects = ScopedManager(crous="crous")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("verifiable document")
        verbose_name_plural = _("verifiable documents")
        ordering = ["-issued_at", "-id"]
        constraints = [
            # One receipt per month of a file: issuing receipts is safe to run twice.
            models.UniqueConstraint(
                fields=["tenant_file", "month"],
                condition=Q(kind="receipt"),
                name="document_one_receipt_per_month",
            )
        ]
        indexes = [models.Index(fields=["tenant_file", "kind"], name="document_file_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code_display}"

    @property
    def code_display(self) -> str:
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


class OccupancyAgreement(models.Model):
    """The agreement of one tenant file: the PDF to sign, then how and when it was signed.

    ``document_sha256`` is the hash of the exact PDF the student was shown and signed;
    ``signed_document`` is that PDF followed by the signature page, stored for download.
    """

    crous = models.ForeignKey(
        Crous, on_delete=models.PROTECT, related_name="+", verbose_name=_("Crous")
    )
    tenant_file = models.OneToOneField(
        "tenants.TenantFile",
        on_delete=models.PROTECT,
        related_name="agreement",
        verbose_name=_("tenant file"),
    )
    document = models.ForeignKey(
        VerifiableDocument,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("agreement to sign"),
    )
    document_sha256 = models.CharField(_("SHA-256 of the agreement signed"), max_length=64)
    monthly_rent = models.DecimalField(_("monthly rent (€)"), max_digits=7, decimal_places=2)
    # The texts as generated: the signed copy repeats them even if the template changed since.
    clauses = models.TextField(_("agreement clauses"))
    house_rules = models.TextField(_("house rules"))
    # What the document states (student, unit, period, rent, texts), hashed: a change before
    # signing regenerates the agreement (tenancy.agreements.agreement_prepare).
    terms_digest = models.CharField(_("digest of the terms"), max_length=64)
    generated_at = models.DateTimeField(_("generated at"))
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by (account)"),
    )
    signed_name = models.CharField(_("name typed to sign"), max_length=300, blank=True)
    signed_ip = models.GenericIPAddressField(_("signed from IP address"), null=True, blank=True)
    consent_text = models.TextField(_("consent statement"), blank=True)
    signed_document = models.ForeignKey(
        VerifiableDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed agreement"),
    )

    objects = ScopedManager(crous="crous")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("occupancy agreement")
        verbose_name_plural = _("occupancy agreements")
        ordering = ["-generated_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True)
                | (Q(signed_document__isnull=False) & ~Q(signed_name="")),
                name="agreement_signature_complete",
            )
        ]

    def __str__(self) -> str:
        return str(_("Agreement of file %(id)s") % {"id": self.tenant_file_id})

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class EntryKind(models.TextChoices):
    CHARGE = "charge", _("Rent charge")
    PAYMENT = "payment", _("Payment")


class PaymentMethod(models.TextChoices):
    ONLINE = "online", _("Online payment")
    CHEQUE = "cheque", _("Cheque")
    TRANSFER = "transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


OFFLINE_METHODS = (
    PaymentMethod.CHEQUE,
    PaymentMethod.TRANSFER,
    PaymentMethod.CASH,
    PaymentMethod.OTHER,
)


class LedgerEntry(models.Model):
    """One line of a tenant file's rent ledger: a monthly charge or a payment.

    Amounts are positive; ``kind`` gives the direction. The balance is charges minus
    payments (``tenancy.ledger``). A charge's ``month`` is the first day of the month it
    covers, ``booked_on`` the day it is due; a payment's ``booked_on`` is the day it was made.
    """

    crous = models.ForeignKey(
        Crous, on_delete=models.PROTECT, related_name="+", verbose_name=_("Crous")
    )
    tenant_file = models.ForeignKey(
        "tenants.TenantFile",
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("tenant file"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=EntryKind.choices)
    month = models.DateField(_("month"), null=True, blank=True)
    booked_on = models.DateField(_("date"))
    amount = models.DecimalField(
        _("amount (€)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    label = models.CharField(_("label"), max_length=200)
    method = models.CharField(
        _("payment method"), max_length=10, choices=PaymentMethod.choices, blank=True
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    online_payment = models.OneToOneField(
        "tenancy.OnlinePayment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entry",
        verbose_name=_("online payment"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedManager(crous="crous")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["booked_on", "id"]
        constraints = [
            # The monthly job and "bring up to date" may race: one charge per month per file.
            models.UniqueConstraint(
                fields=["tenant_file", "month"],
                condition=Q(kind="charge"),
                name="ledger_one_charge_per_month",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind="payment", month__isnull=True)
                | Q(kind="charge", month__isnull=False),
                name="ledger_month_iff_charge",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant_file", "kind", "booked_on"], name="ledger_file_kind_idx"),
            models.Index(fields=["crous", "kind", "booked_on"], name="ledger_crous_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.get_kind_display()} {self.amount} €"


class OnlinePaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class OnlinePayment(models.Model):
    """One attempt to pay rent through a payment gateway (``tenancy/payments/``).

    Created pending when the student starts a checkout; the gateway's signed callback (or
    return) settles it once: ``tenancy.rent_payments.online_payment_settle`` moves it out of
    ``pending`` by compare-and-swap, so a callback delivered twice records one payment.
    """

    crous = models.ForeignKey(
        Crous, on_delete=models.PROTECT, related_name="+", verbose_name=_("Crous")
    )
    tenant_file = models.ForeignKey(
        "tenants.TenantFile",
        on_delete=models.PROTECT,
        related_name="online_payments",
        verbose_name=_("tenant file"),
    )
    gateway = models.CharField(_("gateway"), max_length=20)
    provider_reference = models.CharField(_("provider reference"), max_length=100)
    amount = models.DecimalField(
        _("amount (€)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OnlinePaymentStatus.choices,
        default=OnlinePaymentStatus.PENDING,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    objects = ScopedManager(crous="crous")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "provider_reference"], name="payment_reference_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.provider_reference} {self.amount} € ({self.status})"
