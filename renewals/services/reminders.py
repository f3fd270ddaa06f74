"""Renewal reminders before a window closes, and each student's choice of SMS reminders."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_scopes import scopes_disabled

from crous_admin.history import record_author
from notifications.models import Channel
from notifications.services.queueing import MessageSpec, message_queue_bulk
from renewals.eligibility import eligibility_check, unpaid_rent_for, years_of_stay_for
from renewals.models import (
    ReminderKind,
    ReminderPreference,
    RenewalReminder,
    RenewalRequest,
    RenewalWindow,
    RequestStatus,
)
from renewals.services import localisation
from tenants.models import Student, TenantFile, TenantFileStatus

if TYPE_CHECKING:
    from crous_admin.accounts.models import User

logger = logging.getLogger(__name__)


# Reminders are worth sending for a day; after that the next one (or the page) says it.
REMINDER_DEADLINE = timedelta(hours=24)
# Blocked only by a rule the student can still fix: they get the reminders too.
REMINDABLE_BLOCKERS = {"dse_for_next_year", "no_unpaid_rent"}


def renewal_reminders_send(*, now: datetime | None = None, chunk: int = 500) -> int:
    """Reminds the tenants who have not asked yet, in every open window: once when it opens,
    once ``reminder_days_before_close`` days before it closes. Email always, SMS to those who
    opted in. Idempotent per window, file and kind (a unique row, and the outbox's keys).
    Returns the number of reminders recorded."""
    now = now or timezone.now()
    sent = 0
    with scopes_disabled():
        today = now.date()
        windows = [
            w
            for w in RenewalWindow.objects.select_related("crous").filter(
                opens_on__lte=today + timedelta(days=1), closes_on__gte=today - timedelta(days=1)
            )
            if w.is_open(now)
        ]
        for window in windows:
            kinds = [ReminderKind.OPENED]
            if now >= window.closing_reminder_at():
                kinds.append(ReminderKind.CLOSING)
            for kind in kinds:
                sent += _remind(window, kind, now=now, chunk=chunk)
    return sent


def _remind(window: RenewalWindow, kind: str, *, now: datetime, chunk: int) -> int:
    asked = RenewalRequest.objects.filter(window=window, tenant_file=OuterRef("pk")).exclude(
        status=RequestStatus.BLOCKED
    )
    reminded = RenewalReminder.objects.filter(window=window, tenant_file=OuterRef("pk"), kind=kind)
    candidates = (
        TenantFile.objects.filter(
            crous_id=window.crous_id,
            academic_year=window.academic_year - 1,
            status=TenantFileStatus.ACTIVE,
            linked_user__isnull=False,
        )
        .exclude(Exists(asked))
        .exclude(Exists(reminded))
        .select_related("student", "crous", "unit__residence")
        .order_by("pk")
    )
    total = 0
    ids = list(candidates.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        files = list(candidates.filter(pk__in=ids[start : start + chunk]))
        years = years_of_stay_for(files)
        unpaid = unpaid_rent_for(files, now=now)
        opted_in = set(
            ReminderPreference.objects.filter(
                student_id__in={f.student_id for f in files}, sms_opt_in=True
            ).values_list("student_id", flat=True)
        )
        rows, specs = [], []
        for tenant_file in files:
            check = eligibility_check(
                tenant_file=tenant_file,
                window=window,
                now=now,
                years=years[tenant_file.pk],
                unpaid_rent=unpaid[tenant_file.pk],
            )
            if not set(check.blocking_codes) <= REMINDABLE_BLOCKERS:
                continue
            sms = tenant_file.student_id in opted_in and bool(tenant_file.student.mobile_phone)
            rows.append(
                RenewalReminder(
                    crous_id=window.crous_id,
                    window=window,
                    tenant_file=tenant_file,
                    kind=kind,
                    sent_sms=sms,
                )
            )
            specs.extend(_reminder_specs(window, tenant_file, kind, sms=sms, now=now))
        with transaction.atomic():
            RenewalReminder.objects.bulk_create(rows, ignore_conflicts=True)
            message_queue_bulk(messages=specs)
        total += len(rows)
    if total:
        logger.info("Renewal window %s: %d %s reminder(s) queued.", window.pk, total, kind)
    return total


def _reminder_specs(
    window: RenewalWindow, tenant_file: TenantFile, kind: str, *, sms: bool, now: datetime
) -> list[MessageSpec]:
    student = tenant_file.student
    context = {
        "first_name": student.first_name,
        "kind": kind,
        "residence": tenant_file.unit.residence.name,
        "academic_year": window.academic_year_label,
        "closes_at": localisation.local(window.closes_at, window.crous),
        "site_url": settings.SITE_URL,
    }
    key = f"renewal-reminder:{window.pk}:{tenant_file.pk}:{kind}"
    common: dict[str, Any] = {
        "crous": window.crous,
        "template_key": "renewal_reminder",
        "language": settings.LANGUAGE_CODE,
        "context": context,
        "deadline": now + REMINDER_DEADLINE,
    }
    specs = [
        MessageSpec(
            recipient=student.email, channel=Channel.EMAIL, idempotency_key=f"{key}:email", **common
        )
    ]
    if sms:
        specs.append(
            MessageSpec(
                recipient=str(student.mobile_phone),
                channel=Channel.SMS,
                idempotency_key=f"{key}:sms",
                **common,
            )
        )
    return specs


# --- Preferences ------------------------------------------------------------------------------


@transaction.atomic
def reminder_preference_set(
    *, student: Student, sms_opt_in: bool, by: User | None
) -> ReminderPreference:
    preference, _created = ReminderPreference.objects.select_for_update(of=("self",)).get_or_create(
        student=student, defaults={"crous_id": student.crous_id}
    )
    if preference.sms_opt_in != sms_opt_in:
        preference.sms_opt_in = sms_opt_in
        record_author(preference, by, f"renewal reminders by SMS: {'on' if sms_opt_in else 'off'}")
        preference.save()
    return preference


def sms_opt_in_of(student: Student) -> bool:
    return ReminderPreference.objects.filter(student=student, sms_opt_in=True).exists()
