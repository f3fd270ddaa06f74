"""Crous, their residences and housing units, and who works for which Crous.

Every model here carries a per-Crous ``ScopedManager`` (see ``crous_admin/scoping.py``):
querying one outside a scope raises, so no code path can forget the Crous filter.
Crous, residences and units are the public catalogue (dimension ``catalog_crous``: staff see
their Crous, everybody else the whole catalogue); staff memberships are private (``crous``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords
from timezone_field import TimeZoneField

from crous_admin.accounts.roles import Role


class HolidaySubdivision(models.TextChoices):
    """Subdivisions of France known to ``holidays.France`` whose public holidays differ."""

    MAINLAND = "", _("Mainland France")
    ALSACE = "6AE", _("Alsace")
    MOSELLE = "57", _("Moselle")
    GUADELOUPE = "971", _("Guadeloupe")
    MARTINIQUE = "972", _("Martinique")
    GUYANE = "973", _("French Guiana")
    REUNION = "974", _("Réunion")
    MAYOTTE = "976", _("Mayotte")
    NEW_CALEDONIA = "NC", _("New Caledonia")
    FRENCH_POLYNESIA = "PF", _("French Polynesia")


sms_sender_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9 .\-]{0,10}$",
    _("An SMS sender name has 1 to 11 letters, digits, spaces, dots or dashes."),
)


class Crous(models.Model):
    """A regional Crous and the settings its staff set for it."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    time_zone = TimeZoneField(_("time zone"), default="Europe/Paris")
    contact_email = models.EmailField(_("contact email"))
    sms_sender_name = models.CharField(
        _("SMS sender name"), max_length=11, validators=[sms_sender_validator]
    )
    code_validity_days = models.PositiveSmallIntegerField(
        _("tenant code validity (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    code_max_attempts = models.PositiveSmallIntegerField(
        _("wrong tenant codes before blocking"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    code_block_hours = models.PositiveSmallIntegerField(
        _("code entry block (hours)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
    )
    assistance_target_business_days = models.PositiveSmallIntegerField(
        _("Assistance answer target (business days)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    holiday_subdivision = models.CharField(
        _("public holidays of"),
        max_length=8,
        choices=HolidaySubdivision.choices,
        default=HolidaySubdivision.MAINLAND,
        blank=True,
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager(catalog_crous="pk")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Crous")
        verbose_name_plural = _("Crous")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code_validity_days__gte=1), name="crous_code_validity_positive"
            ),
            models.CheckConstraint(
                condition=Q(code_max_attempts__gte=1), name="crous_code_attempts_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Residence(models.Model):
    crous = models.ForeignKey(
        Crous, on_delete=models.PROTECT, related_name="residences", verbose_name=_("Crous")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=255)
    postal_code = models.CharField(
        _("postal code"),
        max_length=5,
        validators=[RegexValidator(r"^\d{5}$", _("A French postal code has 5 digits."))],
    )
    city = models.CharField(_("city"), max_length=120, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager(catalog_crous="crous")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("residence")
        verbose_name_plural = _("residences")
        ordering = ["crous__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["crous", "code"], name="residence_code_unique_in_crous")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


class UnitType(models.TextChoices):
    ROOM = "room", _("Room")
    STUDIO_T1 = "t1", _("Studio T1")
    STUDIO_T1BIS = "t1bis", _("Studio T1bis")
    FLAT_T2 = "t2", _("T2 flat")
    SHARED_T2 = "t2_shared", _("Room in a shared T2 flat")


class UnitStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    OCCUPIED = "occupied", _("Occupied")
    UNAVAILABLE = "unavailable", _("Unavailable (works, closed)")


class HousingUnit(models.Model):
    residence = models.ForeignKey(
        Residence, on_delete=models.PROTECT, related_name="units", verbose_name=_("residence")
    )
    number = models.CharField(_("number"), max_length=20)
    unit_type = models.CharField(_("type"), max_length=12, choices=UnitType.choices)
    surface_m2 = models.DecimalField(
        _("surface (m²)"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("5.0"))],
    )
    monthly_rent = models.DecimalField(
        _("monthly rent (€)"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    apl_eligible = models.BooleanField(_("APL eligible"), default=True)
    status = models.CharField(
        _("status"), max_length=12, choices=UnitStatus.choices, default=UnitStatus.AVAILABLE
    )

    objects = ScopedManager(catalog_crous="residence__crous")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("housing unit")
        verbose_name_plural = _("housing units")
        ordering = ["residence_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["residence", "number"], name="unit_number_unique_in_residence"
            ),
            models.CheckConstraint(condition=Q(monthly_rent__gte=0), name="unit_rent_not_negative"),
        ]
        indexes = [
            models.Index(fields=["status", "residence"], name="unit_status_residence_idx"),
            models.Index(fields=["monthly_rent"], name="unit_rent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.residence.name} — {self.number}"


class StaffMembership(models.Model):
    """A staff member's role in one Crous, or the national role (no Crous: sees them all)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_memberships",
        verbose_name=_("user"),
    )
    crous = models.ForeignKey(
        Crous,
        on_delete=models.CASCADE,
        related_name="staff_memberships",
        null=True,
        blank=True,
        verbose_name=_("Crous"),
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)

    objects = ScopedManager(crous="crous")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "crous", "role"], name="membership_unique_role_in_crous"
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role=Role.NATIONAL_ADMIN),
                name="membership_one_national_role",
            ),
            models.CheckConstraint(
                condition=(Q(role=Role.NATIONAL_ADMIN, crous__isnull=True))
                | (~Q(role=Role.NATIONAL_ADMIN) & Q(crous__isnull=False)),
                name="membership_crous_iff_not_national",
            ),
        ]

    def __str__(self) -> str:
        where = self.crous.name if self.crous_id else _("all Crous")
        return f"{self.user} — {self.get_role_display()} ({where})"


# Staff invitations have their own module (residences/staff_invitations/).
from residences.staff_invitations.models import StaffInvitation  # noqa: E402, F401
