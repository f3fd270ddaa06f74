"""Putting messages back in the queue: the periodic sweep and staff retries of failed ones."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from crous_admin.errors import ConflictError
from notifications.models import Message, MessageStatus
from notifications.policy import delivery_policy
from notifications.services import dispatch
from notifications.services.queueing import chunks

if TYPE_CHECKING:
    from crous_admin.accounts.models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    pending: int
    reclaimable: int


def message_sweep(*, now: datetime | None = None) -> SweepResult:
    """Enqueues again every message whose task was lost or whose backoff has elapsed.

    * pending messages due for longer than the grace period (their on-commit task never
      ran: broker restarted empty, or down when they were queued; or a long backoff, which
      never gets a countdown);
    * messages claimed longer ago than the lease (worker killed mid-send).

    Safe to run concurrently and as often as wanted: the claim decides who sends.
    """
    policy = delivery_policy()
    now = now or timezone.now()
    with scopes_disabled():
        lost = list(
            Message.objects.filter(
                status=MessageStatus.PENDING, not_before__lte=now - policy.sweep_grace
            )
            .order_by("not_before")
            .values_list("pk", flat=True)[: policy.sweep_batch]
        )
        stale = list(
            Message.objects.filter(
                status=MessageStatus.SENDING, claimed_at__lt=now - policy.claim_lease
            )
            .order_by("claimed_at")
            .values_list("pk", flat=True)[: policy.sweep_batch]
        )
        if not (lost or stale):
            return SweepResult(0, 0)
        with transaction.atomic():
            # Due "now": the next sweeps leave them alone for one grace period, time enough
            # for the task enqueued here to run, instead of enqueueing a backlog every minute.
            for chunk in chunks(lost):
                Message.objects.filter(pk__in=chunk, status=MessageStatus.PENDING).update(
                    not_before=now
                )
            transaction.on_commit(partial(dispatch.enqueue, lost + stale))
    logger.info("Outbox sweep: %d pending and %d expired claims enqueued.", len(lost), len(stale))
    return SweepResult(len(lost), len(stale))


# --- Staff actions ---------------------------------------------------------------------------


def message_retry(*, message: Message, by: User | None) -> Message:
    """Puts a failed message back in the queue for an attempt now (``messages_retry``);
    ``ConflictError`` if it is not failed (any more)."""
    if not messages_retry(message_ids=[message.pk], by=by):
        raise ConflictError(
            _("Only failed messages can be retried; this one is %(status)s.")
            % {"status": message.get_status_display()},
            code="message_not_failed",
        )
    message.refresh_from_db()
    return message


def messages_retry(*, message_ids: Iterable[int], by: User | None) -> list[int]:
    """Puts the failed messages among ``message_ids`` back in the queue for an attempt now,
    and returns their ids; the others (pending, sent, or retried by someone else meanwhile)
    are left alone. Two queries per 500 ids, whatever their number.

    The deadline is not moved (it is the promise made to the student, and what *late*
    measures): a message past it gets this one attempt and fails again if that fails.
    """
    retried: list[int] = []
    with scopes_disabled(), transaction.atomic():
        for chunk in chunks(sorted(set(message_ids))):
            # Locked as read, so the ids returned are exactly the rows this call updates.
            failed = list(
                Message.objects.select_for_update(of=("self",))
                .filter(pk__in=chunk, status=MessageStatus.FAILED)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if failed:
                Message.objects.filter(pk__in=failed).update(
                    status=MessageStatus.PENDING, not_before=timezone.now(), claimed_at=None
                )
                retried += failed
        if retried:
            transaction.on_commit(partial(dispatch.enqueue, retried))
    if retried:
        logger.info("%d message(s) put back in the queue by %s.", len(retried), by)
    return retried
