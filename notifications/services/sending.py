"""Delivering messages: the claim, the provider call, and the outcome recorded at once."""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from notifications import statements
from notifications.delivery import DeliveryError, UnexpectedDeliveryError, deliver
from notifications.models import (
    SECRET_CONTEXT_PREFIX,
    AttemptOutcome,
    Channel,
    Message,
    MessageStatus,
    redact_context,
)
from notifications.policy import DeliveryPolicy, delivery_policy
from notifications.services import dispatch
from notifications.services.queueing import message_queue
from residences.models import Crous

logger = logging.getLogger(__name__)


STAFF_ALERT_TEMPLATE = "staff_alert_message_failed"


class DeliveryOutcome:
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"  # not due, already handled, or claimed by another worker


@dataclass(frozen=True)
class _Claim:
    token: uuid.UUID
    at: datetime
    interrupted_since: datetime | None  # set when we took over a dead worker's claim


def _claim(message_id: int, policy: DeliveryPolicy) -> tuple[_Claim, Message] | None:
    """Takes the message for this worker, or None if it is not due or someone holds it."""
    now = timezone.now()
    token = uuid.uuid4()
    # The ordinary case, one statement: pending and due -> sending, won by exactly one worker.
    message = statements.claim_due(
        message_id=message_id, token=token, now=now, due_by=now + policy.clock_tolerance
    )
    if message is not None:
        statements.crous_of(message)
        return _Claim(token, now, None), message
    taken = _take_over_expired([message_id], policy, now=now)
    return taken[0] if taken else None


def _take_over_expired(
    message_ids: Sequence[int], policy: DeliveryPolicy, *, now: datetime
) -> list[tuple[_Claim, Message]]:
    """Claims those of ``message_ids`` whose claim has outlived its lease (a dead worker's).

    Each is taken over by compare-and-swap on that claim's token, so two workers reclaiming
    at once cannot both win. The rare path: a query, then two per message taken over.
    """
    stale = Message.objects.filter(
        pk__in=message_ids, status=MessageStatus.SENDING, claimed_at__lt=now - policy.claim_lease
    ).values_list("pk", "claim_token", "claimed_at")
    taken = []
    for message_id, stale_token, stale_at in stale:
        token = uuid.uuid4()
        if Message.objects.filter(
            pk=message_id, status=MessageStatus.SENDING, claim_token=stale_token
        ).update(claim_token=token, claimed_at=now, attempts=F("attempts") + 1):
            message = Message.objects.select_related("crous").get(pk=message_id)
            taken.append((_Claim(token, now, stale_at), message))
    return taken


def message_deliver(*, message_id: int, worker: str = "") -> str:
    """Delivers one message if it is due and nobody else holds it; safe to run any number
    of times. Returns a ``DeliveryOutcome``."""
    policy = delivery_policy()
    with scopes_disabled():
        claimed = _claim(message_id, policy)
        if claimed is None:
            return DeliveryOutcome.SKIPPED
        claim, message = claimed
        _record_interrupted(message, claim)
        return _send_claimed(message, claim, policy, worker)


def message_deliver_batch(*, message_ids: Sequence[int], worker: str = "") -> dict[str, int]:
    """Delivers those of ``message_ids`` that are due and free, one after the other; safe to
    run any number of times, at once on several workers. Returns outcome counts
    (``DeliveryOutcome`` → number of messages).

    The guarantees are ``message_deliver``'s, per message (ADR 0008):

    * one statement claims every message of the batch still pending and due, under one
      token and one lease; those another worker holds are left out, expired claims are
      taken over one by one as ``message_deliver`` does;
    * each message is marked sent (with its attempt row) right after its own provider call
      returns, in its own short transaction: a crash mid-batch can resend at most the one
      message whose call was in flight;
    * a provider error retries or fails that message alone;
    * past ``NOTIFICATIONS_BATCH_TIME_BUDGET_SECONDS`` the messages not yet sent are handed
      back (pending, due now, attempt count restored) and enqueued again, so that none waits
      behind the others until its lease expires.
    """
    policy = delivery_policy()
    outcomes: Counter[str] = Counter()
    started = time.monotonic()
    ids = list(dict.fromkeys(message_ids))
    with scopes_disabled():
        now = timezone.now()
        claim = _Claim(uuid.uuid4(), now, None)
        claimed = [
            (claim, message)
            for message in statements.claim_due_batch(
                message_ids=ids, token=claim.token, now=now, due_by=now + policy.clock_tolerance
            )
        ]
        if len(claimed) < len(ids):
            # Rows not claimed are sent, failed, not due, held by a live worker — or held by
            # a dead one, whose lease has expired: those are ours too.
            rest = set(ids) - {message.pk for _, message in claimed}
            claimed += _take_over_expired(sorted(rest), policy, now=now)
        outcomes[DeliveryOutcome.SKIPPED] = len(ids) - len(claimed)
        if not claimed:
            return dict(+outcomes)  # counts of zero left out
        # What rendering needs, loaded once per batch: each Crous (one query for all).
        crous_by_id = Crous.objects.in_bulk({message.crous_id for _, message in claimed})
        for message_claim, message in claimed:
            message.crous = crous_by_id[message.crous_id]
            _record_interrupted(message, message_claim)
        for position, (message_claim, message) in enumerate(claimed):
            # The first message always goes: every task makes progress, whatever the budget.
            if position and time.monotonic() - started > policy.batch_time_budget.total_seconds():
                outcomes[DeliveryOutcome.SKIPPED] += _hand_back(claimed[position:])
                break
            outcomes[_send_claimed(message, message_claim, policy, worker)] += 1
    return dict(+outcomes)  # counts of zero left out


def _record_interrupted(message: Message, claim: _Claim) -> None:
    if claim.interrupted_since is None:
        return
    statements.record_attempt(
        message_id=message.pk,
        number=max(message.attempts - 1, 1),
        at=claim.interrupted_since,
        outcome=AttemptOutcome.INTERRUPTED,
        error="The worker stopped before this attempt finished; claimed again once "
        "its lease had expired.",
    )


def _hand_back(claimed: Sequence[tuple[_Claim, Message]]) -> int:
    """Releases claims not used (time budget spent) and enqueues their messages again."""
    ids: list[int] = []
    with transaction.atomic():
        for claim, message in claimed:
            # Only while still ours; the attempt never started, so it does not count.
            if Message.objects.filter(
                pk=message.pk, status=MessageStatus.SENDING, claim_token=claim.token
            ).update(
                status=MessageStatus.PENDING,
                not_before=timezone.now(),
                claim_token=None,
                claimed_at=None,
                attempts=F("attempts") - 1,
            ):
                ids.append(message.pk)
        transaction.on_commit(partial(dispatch.enqueue, ids))
    logger.info("Batch time budget spent: %d message(s) handed back to the queue.", len(ids))
    return len(claimed)


def _send_claimed(message: Message, claim: _Claim, policy: DeliveryPolicy, worker: str) -> str:
    """The provider call for a claimed message, then its outcome recorded at once."""
    started = time.monotonic()
    try:
        provider_id = deliver(message)
    except DeliveryError as exc:
        return _record_failure(message, claim, exc, policy, worker, _ms_since(started))
    return _record_success(message, claim, provider_id, worker, _ms_since(started), policy)


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _record_success(
    message: Message,
    claim: _Claim,
    provider_id: str,
    worker: str,
    duration_ms: int,
    policy: DeliveryPolicy | None = None,
) -> str:
    policy = policy or delivery_policy()
    sent_at = timezone.now()
    secrets = any(str(key).startswith(SECRET_CONTEXT_PREFIX) for key in message.context or {})
    context = redact_context(message.context) if secrets else None
    # Written first and alone, right after the provider's answer: the shorter this window,
    # the rarer a resend after a crash (see the decision record above). One statement on
    # PostgreSQL, one short transaction of two elsewhere.
    if statements.mark_sent_with_attempt(
        message_id=message.pk,
        token=claim.token,
        sent_at=sent_at,
        provider_message_id=provider_id,
        context=context,
        number=message.attempts,
        at=claim.at,
        duration_ms=duration_ms,
        worker=worker,
        durable=policy.durable_sent_commit,
    ):
        return DeliveryOutcome.SENT
    # Our lease expired while the provider was answering and another worker took the
    # message over. It was sent: say so, unless the other worker is sending too.
    note = "Sent after the claim had expired: another worker may have sent it too."
    logger.warning("Message %s: %s", message.pk, note)
    with transaction.atomic():
        Message.objects.filter(
            pk=message.pk, status__in=[MessageStatus.PENDING, MessageStatus.FAILED]
        ).update(
            status=MessageStatus.SENT,
            sent_at=sent_at,
            provider_message_id=provider_id[:255],
            last_error="",
            claim_token=None,
            claimed_at=None,
        )
        if context is not None:
            Message.objects.filter(pk=message.pk).update(context=context)
        statements.record_attempt(
            message_id=message.pk,
            number=message.attempts,
            at=claim.at,
            outcome=AttemptOutcome.SENT,
            error=note,
            duration_ms=duration_ms,
            worker=worker,
        )
    return DeliveryOutcome.SENT


def _record_failure(
    message: Message,
    claim: _Claim,
    exc: DeliveryError,
    policy: DeliveryPolicy,
    worker: str,
    duration_ms: int,
) -> str:
    now = timezone.now()
    error = str(exc)[:2000] or type(exc).__name__
    next_at = (
        policy.next_attempt_at(
            attempt=message.attempts,
            now=now,
            deadline=message.deadline,
            retry_after=exc.retry_after,
        )
        if exc.retryable
        else None
    )
    released = {"last_error": error, "claim_token": None, "claimed_at": None}
    mine = Message.objects.filter(pk=message.pk, claim_token=claim.token)
    with transaction.atomic():
        if next_at is not None:
            updated = mine.update(status=MessageStatus.PENDING, not_before=next_at, **released)
            outcome = AttemptOutcome.RETRY
            if updated:
                transaction.on_commit(partial(dispatch.schedule, [message.pk], next_at))
                if (
                    isinstance(exc, UnexpectedDeliveryError)
                    and message.attempts >= policy.alert_after_unexpected_errors
                ):
                    message.last_error = error
                    _alert_staff(message, still_retrying=True)
        else:
            updated = mine.update(status=MessageStatus.FAILED, **released)
            outcome = AttemptOutcome.FAILED
            if updated:
                message.status, message.last_error = MessageStatus.FAILED, error
                _alert_staff(message)
        statements.record_attempt(
            message_id=message.pk,
            number=message.attempts,
            at=claim.at,
            outcome=outcome,
            error=error,
            duration_ms=duration_ms,
            worker=worker,
        )
    log: Callable[..., None] = logger.warning if outcome == AttemptOutcome.RETRY else logger.error
    log("Message %s attempt %s: %s (%s)", message.pk, message.attempts, outcome, error)
    return DeliveryOutcome.RETRY if outcome == AttemptOutcome.RETRY else DeliveryOutcome.FAILED


def _alert_staff(message: Message, *, still_retrying: bool = False) -> None:
    """Queues the "a message failed" email to the Crous' contact address (same transaction).

    ``still_retrying``: the message keeps being retried after unexpected errors; it gets one
    such alert in its life, whatever the number of attempts and workers — the alert's
    idempotency key is the compare-and-swap: the unique key lets exactly one insert through.
    """
    if message.template_key == STAFF_ALERT_TEMPLATE:
        # An alert about an alert would loop; the back-office counts it as failed anyway.
        logger.error("Staff alert %s could not be delivered: %s", message.pk, message.last_error)
        return
    crous = message.crous
    message_queue(
        crous=crous,
        recipient=crous.contact_email,
        channel=Channel.EMAIL,
        template_key=STAFF_ALERT_TEMPLATE,
        language=settings.LANGUAGE_CODE,
        context={
            "message_id": message.pk,
            "template_key": message.template_key,
            "channel": message.channel,
            "recipient": message.recipient,
            "attempts": message.attempts,
            "last_error": message.last_error,
            "created_at": message.created_at,
            "deadline": message.deadline,
            "admin_url": _admin_url(message),
            "still_retrying": still_retrying,
        },
        # One alert per failure: attempts only grow, so a message retried by staff that
        # fails again alerts again.
        idempotency_key=(
            f"staff-alert:message-unexpected-errors:{message.pk}"
            if still_retrying
            else f"staff-alert:message-failed:{message.pk}:{message.attempts}"
        ),
    )


def _admin_url(message: Message) -> str:
    try:
        path = reverse("admin:notifications_message_change", args=[message.pk])
    except NoReverseMatch:
        return ""
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{path}"
