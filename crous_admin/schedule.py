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
}
