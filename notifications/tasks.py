"""Celery tasks of the outbox: thin, id in, the service decides (notifications/services/)."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from notifications.services.sending import message_deliver, message_deliver_batch
from notifications.services.sweep import message_sweep


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


@shared_task(
    bind=True,
    ignore_result=True,
    # As above. A retry runs the whole batch again: what was sent is skipped by the claim;
    # what this run still held waits for its lease to expire, and the sweep.
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    retry_backoff_max=120,
    max_retries=5,
)
def deliver_messages(self, message_ids: list[int]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """One task for a batch of messages queued together (ADR 0008)."""
    return message_deliver_batch(message_ids=message_ids, worker=self.request.hostname or "")


@shared_task(ignore_result=True)
def sweep_outbox() -> dict[str, int]:
    result = message_sweep()
    return {"pending": result.pending, "reclaimable": result.reclaimable}
