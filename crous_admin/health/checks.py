"""Health checks shown at /health/ (django-health-check 4)."""

from __future__ import annotations

import dataclasses

from django.db import connections
from health_check.base import HealthCheck
from health_check.exceptions import ServiceWarning

from crous_admin.health.services import HEARTBEAT_STALE_AFTER, heartbeat_is_fresh


@dataclasses.dataclass
class CeleryHeartbeat(HealthCheck):
    """Warns when no worker has run beat's heartbeat job lately: beat, broker or workers down."""

    def run(self) -> None:
        try:
            fresh = heartbeat_is_fresh()
        finally:
            # Checks run in a thread pool: close this thread's connection rather than leave
            # it open for the life of the process.
            connections.close_all()
        if not fresh:
            minutes = int(HEARTBEAT_STALE_AFTER.total_seconds() // 60)
            raise ServiceWarning(f"No Celery heartbeat in the last {minutes} minutes.")
