"""Students and their tenant files (one occupancy of one housing unit for a period).

A ``Student`` row belongs to one Crous: each Crous keeps its own record of the students it
houses (docs/adr/0002-per-crous-scoping.md). A student housed by two Crous over the years has
one record in each. A student's *account* is linked to a tenant file, not to the record:
the tenant code links one account to one file (docs/adr/0006-tenant-code-links-account-to-file.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from crous_admin.academic_year import academic_year_label, academic_year_validators
from residences.models import Crous, HousingUnit
from tenants.ine import normalize_ine, validate_ine


class Student(models.Model):
    crous = models.ForeignKey(
        Crous, on_delete=models.PROTECT, related_name="students", verbose_name=_("Crous")
    )
    ine = models.CharField(_("INE"), max_length=11, validators=[validate_ine])
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    email = models.EmailField(_("email address"))
    mobile_phone = PhoneNumberField(_("mobile phone"), blank=True)
    is_scholarship_holder = models.BooleanField(_("scholarship holder"), default=False)
    dse_submitted_for = models.PositiveSmallIntegerField(
        _("DSE submitted for academic year"),
        null=True,
        blank=True,
        validators=academic_year_validators,
        help_text=_("Start year of the academic year the DSE covers: 2027 for 2027-2028."),
    )
    is_campus_france = models.BooleanField(_("Campus France"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager(crous="crous")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["crous", "ine"], name="student_ine_unique_in_crous"),
        ]
        indexes = [
            models.Index(fields=["crous", "last_name"], name="student_crous_name_idx"),
            models.Index(fields=["ine"], name="student_ine_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name.upper()} {self.first_name} ({self.ine})"

    def clean(self) -> None:
        super().clean()
        self.ine = normalize_ine(self.ine)
        self.email = self.email.strip().lower()

    @property
    def dse_submitted_for_label(self) -> str:
        return academic_year_label(self.dse_submitted_for) if self.dse_submitted_for else ""


class TenantFileStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned (account not linked yet)")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")
    CANCELLED = "cancelled", _("Cancelled")


CURRENT_STATUSES = (TenantFileStatus.ASSIGNED, TenantFileStatus.ACTIVE)


class CodeDelivery(models.TextChoices):
    EMAIL = "email", _("By email")
    HAND_OVER = "hand_over", _("Handed over by the residence")


class TenantFile(models.Model):
    """One student's occupancy of one housing unit of one Crous for a period.

    It carries the tenant (activation) code — only its keyed HMAC (tenants/codes.py) — and
    the account the code linked to it. The code stays the file's for the whole occupation,
    renewals included; re-issuing one replaces the HMAC, so the old code stops working.
    """

    crous = models.ForeignKey(
        Crous, on_delete=models.PROTECT, related_name="tenant_files", verbose_name=_("Crous")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="tenant_files", verbose_name=_("student")
    )
    unit = models.ForeignKey(
        HousingUnit,
        on_delete=models.PROTECT,
        related_name="tenant_files",
        verbose_name=_("housing unit"),
    )
    academic_year = models.PositiveSmallIntegerField(
        _("academic year"), validators=academic_year_validators
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=TenantFileStatus.choices,
        default=TenantFileStatus.ASSIGNED,
    )
    code_hmac = models.CharField(_("tenant code (HMAC)"), max_length=64, blank=True, default="")
    code_issued_at = models.DateTimeField(_("code issued at"), null=True, blank=True)
    code_expires_at = models.DateTimeField(_("code expires at"), null=True, blank=True)
    code_delivery = models.CharField(
        _("code delivery"), max_length=12, choices=CodeDelivery.choices, blank=True, default=""
    )
    code_handed_over_at = models.DateTimeField(_("code handed over at"), null=True, blank=True)
    code_handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("code handed over by"),
    )
    linked_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="linked_tenant_files",
        verbose_name=_("linked account"),
    )
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(crous="crous")
    history = HistoricalRecords(excluded_fields=["code_hmac"])

    class Meta:
        verbose_name = _("tenant file")
        verbose_name_plural = _("tenant files")
        ordering = ["-academic_year", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="tenant_file_period_ordered"
            ),
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(status__in=CURRENT_STATUSES),
                name="tenant_file_one_current_per_unit",
                violation_error_message=_("This housing unit already has a current tenant file."),
            ),
            # A code identifies its file: the HMAC is looked up on every attempt.
            models.UniqueConstraint(
                fields=["code_hmac"], condition=~Q(code_hmac=""), name="tenant_file_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(linked_user__isnull=True) | Q(linked_at__isnull=False),
                name="tenant_file_linked_at_set",
            ),
        ]
        indexes = [
            models.Index(
                fields=["crous", "status", "academic_year"], name="tfile_crous_status_idx"
            ),
            models.Index(fields=["crous", "-academic_year", "-id"], name="tfile_crous_list_idx"),
            # The national list (no Crous filter) in its default order: without it every page
            # sorts all 300k files.
            models.Index(fields=["-academic_year", "-id"], name="tfile_list_idx"),
            models.Index(fields=["linked_user"], name="tfile_linked_user_idx"),
        ]

    def __str__(self) -> str:
        return _("File %(id)s — %(student)s, %(year)s") % {
            "id": self.pk,
            "student": self.student,
            "year": academic_year_label(self.academic_year),
        }

    @property
    def academic_year_label(self) -> str:
        return academic_year_label(self.academic_year)


class CodeEntryGuard(models.Model):
    """Wrong tenant codes counted against an account or a tenant file, and the block they earn.

    One row per key (``account:<user id>`` or ``file:<tenant file id>``), so that one
    attempt reads every counter it touches in one query and writes them in one statement
    (tenants/code_redemption.py). Not per-Crous scoped: it holds no personal data and is only
    read by the redemption service and, for one file, by staff screens through a selector.
    """

    key = models.CharField(_("key"), max_length=40, unique=True)
    failures = models.PositiveSmallIntegerField(_("wrong codes"), default=0)
    first_failure_at = models.DateTimeField(_("first wrong code at"), null=True, blank=True)
    blocked_until = models.DateTimeField(_("blocked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("code entry guard")
        verbose_name_plural = _("code entry guards")

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"

    @staticmethod
    def account_key(user_id: int) -> str:
        return f"account:{user_id}"

    @staticmethod
    def file_key(tenant_file_id: int) -> str:
        return f"file:{tenant_file_id}"
