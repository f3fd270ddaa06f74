"""Ringing the doorbell: sending the delivery tasks of committed messages to the broker.

The tasks are named, not imported: ``notifications.tasks`` imports the services, and the
services must not import it back (a test keeps that so). The Celery app resolves the names.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from celery import current_app as celery_app
from django.utils import timezone

from notifications.policy import delivery_policy

if TYPE_CHECKING:
    from celery import Task

logger = logging.getLogger(__name__)


# Enough to ride out a broker blip, short enough not to hold a web request for long when the
# broker is down: the sweep delivers whatever could not be enqueued.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
# The tasks of notifications/tasks.py, by their Celery names.
DELIVER_MESSAGE = "notifications.tasks.deliver_message"
DELIVER_MESSAGES = "notifications.tasks.deliver_messages"


def schedule(message_ids: Sequence[int], not_before: datetime) -> None:
    """Rings the doorbell for messages due at ``not_before`` (runs after commit)."""
    policy = delivery_policy()
    delay = (not_before - timezone.now()).total_seconds()
    if delay <= 0:
        enqueue(message_ids)
    elif delay <= policy.max_countdown.total_seconds():
        enqueue(message_ids, countdown=delay)
    # Later than that: left to the sweep, never an ETA near the visibility timeout.


def enqueue(message_ids: Sequence[int], *, countdown: float | None = None) -> int:
    """Sends the delivery tasks of ``message_ids``; returns how many messages reached the
    broker.

    One message gets its own task (``deliver_message``: the lowest latency); several get one
    task per batch of ``NOTIFICATIONS_BATCH_SIZE`` (``deliver_messages``, ADR 0008). A broker
    failure is logged, not raised: the rows are committed and the sweep will enqueue them
    again once the broker is back.
    """
    from kombu.exceptions import KombuError

    size = delivery_policy().batch_size if len(message_ids) > 1 else 1
    done = 0
    for start in range(0, len(message_ids), size):
        batch = message_ids[start : start + size]
        try:
            if len(batch) == 1:
                # countdown=None is Celery's default (no delay); celery-types asks for a float.
                _task(DELIVER_MESSAGE).apply_async(
                    (batch[0],),
                    countdown=countdown,  # type: ignore[arg-type]
                    retry=True,
                    retry_policy=PUBLISH_RETRY_POLICY,
                )
            else:
                _task(DELIVER_MESSAGES).apply_async(
                    (list(batch),),
                    countdown=countdown,  # type: ignore[arg-type]
                    retry=True,
                    retry_policy=PUBLISH_RETRY_POLICY,
                )
        except (KombuError, OSError) as exc:
            logger.warning(
                "Broker unreachable (%s): %d of %d message(s) left for the outbox sweep.",
                exc,
                len(message_ids) - done,
                len(message_ids),
            )
            return done
        done += len(batch)
    return done


def _task(name: str) -> Task:
    """The registered task called ``name``, so that its options and the app's eager mode
    apply as if it had been imported.

    A process that has not imported its apps' task modules yet (a web process, before its
    first message) has them loaded by the Celery app, as a worker does at start.
    """
    if name not in celery_app.tasks:
        celery_app.autodiscover_tasks(force=True)
    return celery_app.tasks[name]
