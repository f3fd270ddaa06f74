"""Reminders: when a window opens and N days before it closes, to tenants who have not asked;
email always, SMS to those who opted in; once per window, file and kind."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from notifications.models import Channel, Message
from renewals.models import ReminderKind, RenewalReminder
from renewals.services.reminders import reminder_preference_set, renewal_reminders_send
from renewals.services.submission import renewal_request_submit
from residences.tests.factories import UserFactory
from tenants.models import TenantFileStatus
from tenants.tests.factories import TenantFileFactory


def _at(time_machine, moment: str):
    time_machine.move_to(moment, tick=False)
    return timezone.now()


def _reminders(kind=None):
    qs = Message.objects.filter(template_key="renewal_reminder")
    return list(qs.filter(context__kind=kind) if kind else qs)


def test_the_opening_reminder_goes_once_to_each_tenant_who_has_not_asked(
    linked_student_file, bordeaux_window, time_machine
):
    # Given a second tenant who already asked, and a file of the year not linked yet
    asked = TenantFileFactory(
        crous=linked_student_file.crous,
        status=TenantFileStatus.ACTIVE,
        linked_user=UserFactory(),
        linked_at=timezone.now(),
    )
    TenantFileFactory(crous=linked_student_file.crous)
    _at(time_machine, "2027-03-15 00:30:00+01:00")
    renewal_request_submit(tenant_file=asked, by=asked.linked_user)

    # When the job runs twice in the first hour
    first = renewal_reminders_send()
    second = renewal_reminders_send()

    # Then the one tenant who has not asked got one email, no SMS (not opted in)
    assert (first, second) == (1, 0)
    (reminder,) = _reminders()
    assert reminder.recipient == linked_student_file.student.email
    assert reminder.channel == Channel.EMAIL
    assert RenewalReminder.objects.get().kind == ReminderKind.OPENED


def test_the_closing_reminder_goes_n_days_before_the_close_with_an_sms_to_those_who_opted_in(
    linked_student_file, bordeaux_window, time_machine
):
    bordeaux_window.reminder_days_before_close = 5
    bordeaux_window.save()
    reminder_preference_set(student=linked_student_file.student, sms_opt_in=True, by=None)
    _at(time_machine, "2027-03-16 10:00:00+01:00")
    renewal_reminders_send()

    _at(time_machine, "2027-04-25 23:59:59+02:00")  # 6 days before 1 May: not yet
    assert renewal_reminders_send() == 0
    _at(time_machine, "2027-04-26 00:00:00+02:00")  # 5 days before, local midnight
    assert renewal_reminders_send() == 1

    closing = _reminders("closing")
    assert sorted(m.channel for m in closing) == [Channel.EMAIL, Channel.SMS]
    assert (
        "1 mai 2027" in closing[0].context["closes_at"] or "May" in closing[0].context["closes_at"]
    )


def test_no_reminder_outside_a_window(linked_student_file, bordeaux_window, time_machine):
    _at(time_machine, "2027-03-14 23:59:59+01:00")

    assert renewal_reminders_send() == 0
    assert _reminders() == []


def test_a_tenant_blocked_only_by_the_dse_is_still_reminded_one_at_their_last_year_is_not(
    linked_student_file, bordeaux_window, time_machine
):
    bordeaux_window.dse_rule = True
    bordeaux_window.save()
    student = linked_student_file.student
    student.is_scholarship_holder = True
    student.save()
    # A second tenant, housed six years already (2021 to 2026): a seventh is not possible
    long_stay = TenantFileFactory(
        crous=linked_student_file.crous,
        status=TenantFileStatus.ACTIVE,
        linked_user=UserFactory(),
        linked_at=timezone.now(),
        start_date=date(2021, 9, 1),
    )
    _at(time_machine, "2027-03-20 10:00:00+01:00")

    assert renewal_reminders_send() == 1
    assert _reminders()[0].recipient == student.email
    assert long_stay.student.email not in {m.recipient for m in _reminders()}
