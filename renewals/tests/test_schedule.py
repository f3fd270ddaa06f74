"""The renewals jobs are declared in the one schedule and name tasks that exist."""

from __future__ import annotations

from crous_admin import celery_app
from crous_admin.schedule import BEAT_SCHEDULE


def test_the_tracking_and_reminder_jobs_are_scheduled_and_registered():
    celery_app.loader.import_default_modules()
    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}

    assert {
        "renewals.tasks.track_renewal_confirmations",
        "renewals.tasks.send_renewal_reminders",
    } <= tasks
    assert tasks <= set(celery_app.tasks)


def test_the_jobs_run_as_tasks(db):
    from renewals.tasks import send_renewal_reminders, track_renewal_confirmations

    assert track_renewal_confirmations() == {"confirmed": 0, "escalated": 0}
    assert send_renewal_reminders() == 0
