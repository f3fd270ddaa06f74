"""Renewal windows, renewal requests, the reminders sent about them and the SMS opt-in.

A *window* is the period, set by each Crous for one academic year, in which its tenants ask
to keep their housing for that year. Its dates are calendar days in the Crous' own time zone:
it opens at local midnight of ``opens_on`` and closes at the end of ``closes_on`` (23:59:59
local, inclusive). A *request* is one tenant file's renewal in one window: one row per file
and window, whatever the number of clicks, tabs or API retries (a unique constraint).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from crous_admin.academic_year import academic_year_label, academic_year_validators
from residences.models import Crous
from tenants.models import Student, TenantFile

DEFAULT_PROMISE_HOURS = 72
DEFAULT_MAX_YEARS_OF_STAY = 5  # one study cycle
DEFAULT_EXCEPTIONAL_YEARS = 1  # "a 6th by exception"


class RenewalWindow(models.Model):
    """The period in which a Crous' tenants ask to renew for ``academic_year``."""

    crous = models.ForeignKey(
        Crous, on_delete=models.PROTECT, related_name="renewal_windows", verbose_name=_("Crous")
    )
    academic_year = models.PositiveSmallIntegerField(
        _("renewal for academic year"),
        validators=academic_year_validators,
        help_text=_("Start year of the academic year the renewal is for: 2027 for 2027-2028."),
    )
    opens_on = models.DateField(_("opens on"), help_text=_("At midnight, in the Crous' time zone."))
    closes_on = models.DateField(
        _("closes on"), help_text=_("Inclusive: until 23:59:59 in the Crous' time zone.")
    )
    promise_hours = models.PositiveSmallIntegerField(
        _("confirmation promised within (hours)"),
        default=DEFAULT_PROMISE_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
    )
    dse_rule = models.BooleanField(
        _("scholarship holders need their DSE for that year"),
        default=False,
        help_text=_(
            "When set, a scholarship holder's renewal is blocked until their DSE (Dossier "
            "Social Étudiant) for the academic year of the renewal is submitted."
        ),
    )
    max_years_of_stay = models.PositiveSmallIntegerField(
        _("maximum years of stay"),
        default=DEFAULT_MAX_YEARS_OF_STAY,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    exceptional_years = models.PositiveSmallIntegerField(
        _("extra years by exception"),
        default=DEFAULT_EXCEPTIONAL_YEARS,
        validators=[MaxValueValidator(3)],
        help_text=_("Years beyond the maximum that staff may grant case by case."),
    )
    reminder_days_before_close = models.PositiveSmallIntegerField(
        _("closing reminder (days before)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager(crous="crous")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("renewal window")
        verbose_name_plural = _("renewal windows")
        ordering = ["-academic_year", "crous__name", "opens_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="renewal_window_dates_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["crous", "academic_year", "opens_on"], name="rwindow_crous_idx"),
            models.Index(fields=["opens_on", "closes_on"], name="rwindow_dates_idx"),
        ]

    def __str__(self) -> str:
        return _("%(crous)s — renewal for %(year)s (%(start)s to %(end)s)") % {
            "crous": self.crous.name if self.crous_id else "?",
            "year": academic_year_label(self.academic_year),
            "start": self.opens_on.isoformat(),
            "end": self.closes_on.isoformat(),
        }

    @property
    def academic_year_label(self) -> str:
        return academic_year_label(self.academic_year)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(str(self.crous.time_zone))

    def local_midnight(self, day: date) -> datetime:
        # Local midnight exists on every day of every French zone (DST moves at 2 or 3 am).
        return datetime.combine(day, time.min, tzinfo=self.zone)

    @property
    def opens_at(self) -> datetime:
        return self.local_midnight(self.opens_on)

    @property
    def ends_before(self) -> datetime:
        """The first instant after the window: midnight after ``closes_on``, local time."""
        return self.local_midnight(self.closes_on + timedelta(days=1))

    @property
    def closes_at(self) -> datetime:
        """The last second of the window (23:59:59 local), as shown to people."""
        # In UTC: arithmetic between two datetimes of one zone is wall-clock arithmetic.
        return (self.ends_before.astimezone(UTC) - timedelta(seconds=1)).astimezone(self.zone)

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.ends_before

    def state(self, now: datetime) -> str:
        if now < self.opens_at:
            return "upcoming"
        if now >= self.ends_before:
            return "closed"
        return "open"

    def closing_reminder_at(self) -> datetime:
        return self.local_midnight(self.closes_on - timedelta(days=self.reminder_days_before_close))


class RequestStatus(models.TextChoices):
    BLOCKED = "blocked", _("Blocked (not eligible)")
    SUBMITTED = "submitted", _("Submitted, awaiting decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


DECIDED_STATUSES = (RequestStatus.APPROVED, RequestStatus.REFUSED)


class RequestSource(models.TextChoices):
    PORTAL = "portal", _("Student pages")
    API = "api", _("API")


class RenewalRequest(models.Model):
    """One tenant file's renewal in one window, from the student's click to staff's decision.

    The confirmation email and SMS are outbox messages (``email_message``/``sms_message``):
    when each was delivered is their ``sent_at``, read from the outbox, never copied.
    ``confirmed_at`` is set by the tracking job once both are delivered (so it stops looking
    at this row), ``escalated_at`` once it alerted the Crous about a late or failed one.
    """

    crous = models.ForeignKey(
        Crous, on_delete=models.PROTECT, related_name="renewal_requests", verbose_name=_("Crous")
    )
    window = models.ForeignKey(
        RenewalWindow, on_delete=models.PROTECT, related_name="requests", verbose_name=_("window")
    )
    tenant_file = models.ForeignKey(
        TenantFile,
        on_delete=models.PROTECT,
        related_name="renewal_requests",
        verbose_name=_("tenant file"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.BLOCKED
    )
    source = models.CharField(
        _("made on"), max_length=8, choices=RequestSource.choices, default=RequestSource.PORTAL
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # What the check said at the last attempt: [{"code", "passed", "blocking", "message"}…].
    eligibility = models.JSONField(
        _("eligibility check"), default=list, blank=True, encoder=DjangoJSONEncoder
    )
    blocked_reasons = models.JSONField(_("blocking rules"), default=list, blank=True)
    needs_exception = models.BooleanField(
        _("needs an exception"),
        default=False,
        help_text=_("Beyond the maximum years of stay: approving grants the exception."),
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact mobile phone"), max_length=20, blank=True)
    first_attempt_at = models.DateTimeField(_("first attempt at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    confirmation_deadline = models.DateTimeField(
        _("confirmation due by"), null=True, blank=True, db_index=True
    )
    email_message = models.ForeignKey(
        "notifications.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmation email"),
    )
    sms_message = models.ForeignKey(
        "notifications.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmation SMS"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("late confirmation escalated at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    refusal_reason = models.TextField(_("refusal reason"), blank=True)

    objects = ScopedManager(crous="crous")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("renewal request")
        verbose_name_plural = _("renewal requests")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # Double click, two tabs, an API retry: one request per file and window.
            models.UniqueConstraint(
                fields=["window", "tenant_file"], name="renewal_request_one_per_file_and_window"
            ),
            models.CheckConstraint(
                condition=Q(status=RequestStatus.BLOCKED) | Q(submitted_at__isnull=False),
                name="renewal_request_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.REFUSED) | ~Q(refusal_reason=""),
                name="renewal_request_refusal_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["window", "status"], name="rrequest_window_status_idx"),
            models.Index(fields=["crous", "-submitted_at"], name="rrequest_crous_list_idx"),
            # The tracking job's question: submitted, neither confirmed nor escalated yet.
            models.Index(
                fields=["confirmation_deadline"],
                condition=Q(
                    confirmed_at__isnull=True,
                    escalated_at__isnull=True,
                    submitted_at__isnull=False,
                ),
                name="rrequest_unconfirmed_idx",
            ),
        ]

    def __str__(self) -> str:
        return _("Renewal request %(id)s — file %(file)s (%(status)s)") % {
            "id": self.pk,
            "file": self.tenant_file_id,
            "status": self.get_status_display(),
        }

    @property
    def blocked_by_dse(self) -> bool:
        return "dse_for_next_year" in (self.blocked_reasons or [])


class ReminderKind(models.TextChoices):
    OPENED = "opened", _("The window has opened")
    CLOSING = "closing", _("The window closes soon")


class RenewalReminder(models.Model):
    """One reminder sent to one tenant file about one window: at most one per kind."""

    crous = models.ForeignKey(Crous, on_delete=models.PROTECT, related_name="+")
    window = models.ForeignKey(RenewalWindow, on_delete=models.CASCADE, related_name="reminders")
    tenant_file = models.ForeignKey(TenantFile, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=ReminderKind.choices)
    sent_sms = models.BooleanField(_("SMS too"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager(crous="crous")

    class Meta:
        verbose_name = _("renewal reminder")
        verbose_name_plural = _("renewal reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["window", "tenant_file", "kind"], name="renewal_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.window_id}/{self.tenant_file_id}: {self.kind}"


class ReminderPreference(models.Model):
    """A student's consent to renewal reminders by SMS (the confirmation SMS needs none:
    it answers the student's own request). See docs/adr/0010-renewal-reminders-opt-in.md."""

    student = models.OneToOneField(
        Student,
        on_delete=models.CASCADE,
        related_name="renewal_reminder_preference",
        verbose_name=_("student"),
    )
    crous = models.ForeignKey(Crous, on_delete=models.PROTECT, related_name="+")
    sms_opt_in = models.BooleanField(_("renewal reminders by SMS"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(crous="crous")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("renewal reminder preference")
        verbose_name_plural = _("renewal reminder preferences")

    def __str__(self) -> str:
        return f"{self.student_id}: sms={self.sms_opt_in}"
