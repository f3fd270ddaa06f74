from __future__ import annotations

from celery import shared_task

from crous_admin.health.services import heartbeat_record


@shared_task(bind=True, ignore_result=True)
def record_heartbeat(self) -> None:  # type: ignore[no-untyped-def]
    heartbeat_record(worker=self.request.hostname or "")
