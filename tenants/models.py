"""Students and their tenant files (one occupancy of one housing unit for a period).

A ``Student`` row belongs to one Crous: each Crous keeps its own record of the students it
houses (docs/adr/0002-per-crous-scoping.md). A student housed by two Crous over the years has
one record in each, both linked to the same user account.
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
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="student_records",
        verbose_name=_("user account"),
    )
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


class TenantFile(models.Model):
    """One student's occupancy of one housing unit of one Crous for a period.

    The tenant (activation) code, its attempts and its link to the student's account are
    added by the tenant-code feature; they live on this row because the code *is* the file's.
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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(crous="crous")
    history = HistoricalRecords()

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
        ]
        indexes = [
            models.Index(
                fields=["crous", "status", "academic_year"], name="tfile_crous_status_idx"
            ),
            models.Index(fields=["crous", "-academic_year", "-id"], name="tfile_crous_list_idx"),
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
