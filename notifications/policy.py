"""The outbox's delivery policy: leases, grace periods and retry backoff, read from settings.

Every value has a default here so that only what an installation changes needs a setting;
``crous_admin/settings.py`` reads the ones operators (and the integration tests) tune from
the environment.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings


@dataclass(frozen=True)
class DeliveryPolicy:
    # A claim older than this is presumed dead (worker killed mid-send) and may be taken
    # again. It must outlast the task's hard time limit (60 s), or a live worker could lose
    # its claim while still sending.
    claim_lease: timedelta
    # How long a pending message may sit past its ``not_before`` before the sweep decides
    # its task was lost and enqueues another one.
    sweep_grace: timedelta
    # Retry backoff: base * 2 ** (attempt - 1), capped, with some jitter so that messages
    # failed together by a provider outage do not all come back in the same second.
    retry_base: timedelta
    retry_max_delay: timedelta
    retry_jitter: float
    max_attempts: int
    # Deadline of a message queued without one.
    default_deadline: timedelta
    # Retries due sooner than this are re-enqueued with a Celery countdown; later ones are
    # left to the sweep. Never near the broker's visibility timeout (1 h): a task with an ETA
    # past it is delivered twice.
    max_countdown: timedelta
    # Clock skew tolerated between the machine that set ``not_before`` and the worker.
    clock_tolerance: timedelta
    # Most messages one sweep enqueues (the sweep runs again a minute later).
    sweep_batch: int
    # Messages queued together (``message_queue_bulk``, the sweep) are delivered by one task
    # per this many: Celery's own cost per task is paid once per batch (ADR 0008).
    batch_size: int
    # A batch task sends for at most this long, then hands its unsent messages back to the
    # queue: far below the task's soft time limit (45 s) and the claim lease, so no
    # message of a batch waits long enough behind the others for its claim to expire.
    batch_time_budget: timedelta
    # PostgreSQL: whether "sent" (and its attempt row) waits for its own fsync. Off by default:
    # only a crash of the database server can then lose the last fraction of a second of
    # these marks, and those messages are sent again — the at-least-once the outbox already
    # promises at the provider boundary (ADR 0008). The embedded SQLite runs with
    # synchronous=NORMAL, the same trade-off.
    durable_sent_commit: bool
    # After this many attempts ended by an exception nobody mapped, staff get one alert while
    # the retries go on: an unknown error is rarely fixed by waiting, and the deadline
    # (72 hours for a renewal) is far too late to hear of it.
    alert_after_unexpected_errors: int

    def backoff(self, attempt: int, *, retry_after: float | None = None) -> timedelta:
        """The delay before attempt ``attempt + 1``, after ``attempt`` failed."""
        exponent = min(max(attempt - 1, 0), 30)
        delay = min(self.retry_base * (2**exponent), self.retry_max_delay)
        if self.retry_jitter:
            delay *= 1 - random.random() * self.retry_jitter  # noqa: S311 - not a secret
        if retry_after:
            delay = max(delay, timedelta(seconds=retry_after))
        return delay

    def next_attempt_at(
        self, *, attempt: int, now: datetime, deadline: datetime, retry_after: float | None = None
    ) -> datetime | None:
        """When to try again after a retryable error, or None to give up.

        The last retry is moved to the deadline itself rather than skipped, so a message
        gets every chance to arrive in time.
        """
        if attempt >= self.max_attempts or now >= deadline:
            return None
        return min(now + self.backoff(attempt, retry_after=retry_after), deadline)


def _seconds(name: str, default: float) -> timedelta:
    return timedelta(seconds=float(getattr(settings, name, default)))


def delivery_policy() -> DeliveryPolicy:
    """The policy from the current settings (read each time: tests override settings)."""
    return DeliveryPolicy(
        claim_lease=_seconds("NOTIFICATIONS_CLAIM_LEASE_SECONDS", 120),
        sweep_grace=_seconds("NOTIFICATIONS_SWEEP_GRACE_SECONDS", 120),
        retry_base=_seconds("NOTIFICATIONS_RETRY_BASE_SECONDS", 60),
        retry_max_delay=_seconds("NOTIFICATIONS_RETRY_MAX_DELAY_SECONDS", 6 * 3600),
        retry_jitter=float(getattr(settings, "NOTIFICATIONS_RETRY_JITTER", 0.1)),
        max_attempts=int(getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 20)),
        default_deadline=_seconds("NOTIFICATIONS_DEFAULT_DEADLINE_SECONDS", 72 * 3600),
        max_countdown=_seconds("NOTIFICATIONS_MAX_COUNTDOWN_SECONDS", 300),
        clock_tolerance=_seconds("NOTIFICATIONS_CLOCK_TOLERANCE_SECONDS", 2),
        sweep_batch=int(getattr(settings, "NOTIFICATIONS_SWEEP_BATCH", 10_000)),
        batch_size=max(1, int(getattr(settings, "NOTIFICATIONS_BATCH_SIZE", 100))),
        batch_time_budget=_seconds("NOTIFICATIONS_BATCH_TIME_BUDGET_SECONDS", 30),
        durable_sent_commit=bool(getattr(settings, "NOTIFICATIONS_DURABLE_SENT_COMMIT", False)),
        alert_after_unexpected_errors=max(
            1, int(getattr(settings, "NOTIFICATIONS_ALERT_AFTER_UNEXPECTED_ERRORS", 3))
        ),
    )
