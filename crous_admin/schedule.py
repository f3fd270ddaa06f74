"""Every periodic job of the system, in one place.

django-celery-beat copies these entries into its database tables when ``celery beat`` starts,
so staff can see (and pause) them in the back-office; edit them here, not there. Run exactly
one beat process per installation: two would enqueue every job twice.
"""

from __future__ import annotations

from datetime import timedelta

BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Proves the whole chain beat -> broker -> worker -> database is alive; the health page
    # reports it stale after HEARTBEAT_STALE_AFTER. One minute keeps that signal fresh for
    # the cost of one UPDATE.
    "health-heartbeat": {
        "task": "crous_admin.health.tasks.record_heartbeat",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
    # The outbox's safety net (notifications/services.py): enqueues again the messages whose
    # task was lost (Redis restarted empty or down at commit), whose long retry backoff has
    # elapsed, or whose worker died mid-send (claim lease expired). Every minute bounds that
    # extra delay to about a minute plus the grace period, for two indexed queries when there
    # is nothing to do; a late run is skipped (expires) since the next one does the same work.
    "notifications-sweep": {
        "task": "notifications.tasks.sweep_outbox",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
    # Rent charges (tenancy/ledger.py): each tenant file gets the month's charge on the 1st,
    # in its Crous' time zone. Every hour, so that a Crous whose 1st begins (Réunion before
    # Paris, Martinique after) is charged within the hour, and a missed run is caught up by
    # the next; safe to run twice (one charge per month and file, a unique constraint).
    # Students' and staff pages also bring a file up to date when they open it.
    "tenancy-monthly-charges": {
        "task": "tenancy.tasks.generate_monthly_charges",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3000},
    },
    # Assistance (assistance/services.py, ``ticket_escalate``): alerts a Crous when a ticket
    # passes its due time. Due times fall at local midnights, so every 15 minutes alerts
    # within a quarter of an hour; each ticket is claimed by compare-and-swap, so a late or
    # doubled run alerts nobody twice.
    "assistance-escalate-overdue": {
        "task": "assistance.tasks.escalate_overdue_tickets",
        "schedule": timedelta(minutes=15),
        "options": {"expires": 14 * 60},
    },
    # The 72-hour renewal confirmation promise (renewals/services.py): finds confirmations
    # failed, unsent past their deadline or sent late, and alerts the Crous once per
    # request. Every ten minutes: a problem is seen well within the hour for one indexed
    # query over the unconfirmed requests only.
    "renewals-track-confirmations": {
        "task": "renewals.tasks.track_renewal_confirmations",
        "schedule": timedelta(minutes=10),
        "options": {"expires": 540},
    },
    # Renewal reminders (window opened, N days before it closes), idempotent per window,
    # file and kind. Hourly: a window opens at local midnight in each Crous' own time zone,
    # so the "opened" reminder leaves within the hour wherever the Crous is.
    "renewals-send-reminders": {
        "task": "renewals.tasks.send_renewal_reminders",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3300},
    },
}
