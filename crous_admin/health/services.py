from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone

from crous_admin.health.models import Heartbeat

# Beat sends a heartbeat every minute (crous_admin/schedule.py): three missed beats is an alarm.
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)


def heartbeat_record(*, name: str = "celery", worker: str = "", at: datetime | None = None) -> None:
    """Records one beat; safe to run twice (it only moves the time forward)."""
    at = at or timezone.now()
    updated = Heartbeat.objects.filter(name=name).update(
        beat_at=at, worker=worker[:255], count=F("count") + 1
    )
    if not updated:
        Heartbeat.objects.get_or_create(
            name=name, defaults={"beat_at": at, "worker": worker[:255], "count": 1}
        )


def heartbeat_is_fresh(*, name: str = "celery", now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return Heartbeat.objects.filter(name=name, beat_at__gte=now - HEARTBEAT_STALE_AFTER).exists()
