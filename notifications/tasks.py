"""Celery tasks of the outbox: thin, id in, the service decides (notifications/services.py)."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from notifications.services import message_deliver, message_sweep


@shared_task(
    bind=True,
    ignore_result=True,
    # The database briefly unreachable: try again soon. Short countdowns only; whatever
    # gives up here is still pending in the table, and the sweep enqueues it again.
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    retry_backoff_max=120,
    max_retries=5,
)
def deliver_message(self, message_id: int) -> str:  # type: ignore[no-untyped-def]
    return message_deliver(message_id=message_id, worker=self.request.hostname or "")


@shared_task(ignore_result=True)
def sweep_outbox() -> dict[str, int]:
    result = message_sweep()
    return {"pending": result.pending, "reclaimable": result.reclaimable}
