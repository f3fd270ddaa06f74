"""Writes of the outbox: queueing, delivering, sweeping and retrying messages.

Decision record — how a message is delivered, and what is guaranteed
====================================================================

Context
    Emails and SMS are promised to students ("a confirmation within 72 hours") and caused by
    business changes that must not be undone by a mail server being down, nor sent for a
    change that was rolled back. Celery's broker (Redis) is fast but not durable here: a
    restart without persistence empties its queues, and a worker killed mid-task holds its
    task invisibly for the broker's visibility timeout (an hour).

Decision
    * **Transactional outbox.** ``message_queue()`` writes a ``Message`` row in the caller's
      transaction and schedules its task with ``transaction.on_commit``: no commit, no row
      and no task; a commit, a row — even if the broker is unreachable at that moment.
    * **Idempotency key.** Unique per business event; queueing the same event again returns
      the existing message, so one event never yields two messages.
    * **Claim by compare-and-swap.** A worker may send only after
      ``UPDATE … SET status='sending' WHERE id=? AND status='pending' AND not_before<=now``
      changed one row; two workers (a task delivered twice, a sweep racing the original
      task) cannot both send. The claim carries a random token that every later write
      checks, so a worker that lost its claim cannot overwrite the new owner's outcome.
      The hot path (claim and read with ``RETURNING``, mark sent, attempt row) is SQL in
      ``notifications/statements.py``, measured faster than the ORM by the benchmark.
    * **Batches.** Messages queued together (``message_queue_bulk``, the sweep) get one task
      per ``NOTIFICATIONS_BATCH_SIZE`` ids (``message_deliver_batch``): one statement claims
      the batch, then each message is sent and marked sent on its own, with the guarantees
      below per message. A message queued alone keeps its own task. ADR 0008.
    * **Lease.** A claim older than ``NOTIFICATIONS_CLAIM_LEASE_SECONDS`` is presumed dead
      (worker killed, machine lost) and may be claimed again.
    * **Backoff in the database, not in the broker.** A retryable error puts the message
      back to ``pending`` with ``not_before`` = now + exponential backoff (clamped to the
      deadline). Short delays (≤ ``NOTIFICATIONS_MAX_COUNTDOWN_SECONDS``) also get a Celery
      countdown; longer ones never do (an ETA beyond the visibility timeout makes Redis
      deliver the task twice): the sweep picks them up.
    * **Sweep.** Every minute (crous_admin/schedule.py) the sweep enqueues again every
      pending message whose ``not_before`` passed more than a grace period ago (its task was
      lost, or it waited out a long backoff) and every expired claim. The broker is a
      doorbell; the table is the source of truth. A Redis outage delays messages, it never
      loses one.
    * **Give up loudly.** Past the deadline or the attempt budget, or on a permanent error
      (invalid address, template missing), the message is ``failed``: listed for staff,
      counted on the back-office outbox, and an alert email (itself an outbox message, with
      its own idempotency key) goes to the Crous' contact address.

Consequences
    * Delivery is **exactly-once up to the provider boundary, at-least-once across it.**
      If a worker dies (or the database is unreachable) after the provider accepted a
      message and before ``status='sent'`` is written, the claim expires and the message is
      sent again. The window is kept as small as we can: the row is marked sent right after
      the provider call returns, in one short transaction, before anything else (on
      PostgreSQL committed without waiting for the disk: a crash of the database server
      within a fraction of a second also resends, ADR 0008). Providers
      that de-duplicate get the idempotency key: ``Idempotency-Key`` header and
      ``reference`` of the HTTP SMS backend, ``metadata`` of django-anymail (for webhook
      matching), and a ``Message-ID`` derived from it so that mail clients show a duplicate
      once.
    * A message can be sent late (broker down for a day) but is never silently dropped; one
      still unsent past its deadline shows as *late* until it is sent or fails.
    * Every delivery attempt leaves a ``DeliveryAttempt`` row, including attempts cut short
      by a dead worker (recorded as *interrupted* when the message is claimed again).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from crous_admin.errors import ConflictError
from notifications import statements
from notifications.delivery import DeliveryError, deliver, recipient_normalized
from notifications.models import (
    SECRET_CONTEXT_PREFIX,
    AttemptOutcome,
    Channel,
    Message,
    MessageStatus,
    redact_context,
)
from notifications.policy import DeliveryPolicy, delivery_policy
from notifications.rendering import templates_check
from residences.models import Crous

if TYPE_CHECKING:
    from crous_admin.accounts.models import User

logger = logging.getLogger(__name__)

STAFF_ALERT_TEMPLATE = "staff_alert_message_failed"
# Enough to ride out a broker blip, short enough not to hold a web request for long when the
# broker is down: the sweep delivers whatever could not be enqueued.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
# Keeps ``IN (...)`` lists under every database's parameter limit.
CHUNK = 500


class DeliveryOutcome:
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"  # not due, already handled, or claimed by another worker


@dataclass(frozen=True)
class MessageSpec:
    """One message to queue (the arguments of ``message_queue``)."""

    crous: Crous
    recipient: str
    channel: str
    template_key: str
    language: str
    idempotency_key: str
    context: dict[str, Any] = field(default_factory=dict)
    deadline: datetime | None = None
    not_before: datetime | None = None


# --- Queueing --------------------------------------------------------------------------------


def message_queue(
    *,
    crous: Crous,
    recipient: str,
    channel: str,
    template_key: str,
    language: str,
    context: dict[str, Any],
    idempotency_key: str,
    deadline: datetime | None = None,
    not_before: datetime | None = None,
) -> Message:
    """Queues one message in the caller's transaction; it is delivered once that commits.

    Returns the existing message when ``idempotency_key`` was queued before (nothing new
    is sent). ``deadline`` bounds the retries (default: NOTIFICATIONS_DEFAULT_DEADLINE_SECONDS
    from now); ``not_before`` delays the first attempt. Raises ``ValueError`` for a
    programming error (unknown channel, language or template, key reused for another Crous).
    """
    spec = MessageSpec(
        crous=crous,
        recipient=recipient,
        channel=channel,
        template_key=template_key,
        language=language,
        context=context,
        idempotency_key=idempotency_key,
        deadline=deadline,
        not_before=not_before,
    )
    now = timezone.now()
    fields = _prepared(spec, now=now, policy=delivery_policy(), checked=set())
    # The outbox is infrastructure called by trusted services, often from inside a
    # student's or staff member's scope; the Crous it writes for is explicit.
    with scopes_disabled(), transaction.atomic():
        message, created = Message.objects.get_or_create(
            idempotency_key=fields.pop("idempotency_key"), defaults=fields
        )
        if created:
            transaction.on_commit(partial(_schedule, [message.pk], message.not_before))
        elif message.crous_id != crous.pk or message.channel != fields["channel"]:
            raise ValueError(
                f"Idempotency key {idempotency_key!r} already names message {message.pk} "
                f"of another Crous or channel: make keys specific to their event."
            )
    return message


def message_queue_bulk(*, messages: Iterable[MessageSpec]) -> list[Message]:
    """Queues many messages at once (a few queries per 500), in the caller's transaction.

    Same contract as ``message_queue`` for each item: returns the messages in the order
    given, existing ones for keys queued before.
    """
    specs = list(messages)
    if not specs:
        return []
    now, policy, checked = timezone.now(), delivery_policy(), set[tuple[str, str]]()
    prepared: dict[str, dict[str, Any]] = {}
    for spec in specs:
        fields = _prepared(spec, now=now, policy=policy, checked=checked)
        prepared.setdefault(fields["idempotency_key"], fields)
    keys = list(prepared)
    with scopes_disabled(), transaction.atomic():
        existing: set[str] = set()
        for chunk in _chunks(keys):
            existing.update(
                Message.objects.filter(idempotency_key__in=chunk).values_list(
                    "idempotency_key", flat=True
                )
            )
        new_keys = [key for key in keys if key not in existing]
        by_key: dict[str, Message] = {}
        try:
            # The usual case: every key is new. The database returns the new ids, so
            # nothing has to be read back (a third of a 50,000-message import's queueing).
            with transaction.atomic():
                created = Message.objects.bulk_create(
                    [Message(**prepared[key]) for key in new_keys], batch_size=CHUNK
                )
            if any(m.pk is None for m in created):  # a database that returns no ids
                raise IntegrityError("ids not returned")
            by_key.update((m.idempotency_key, m) for m in created)
            to_read = list(existing)
        except IntegrityError:
            # A concurrent transaction queued one of these keys meanwhile: insert what is
            # still missing, let the unique index keep one row per key, and read them all.
            Message.objects.bulk_create(
                [Message(**prepared[key]) for key in new_keys],
                batch_size=CHUNK,
                ignore_conflicts=True,
            )
            to_read = keys
        for chunk in _chunks(to_read):
            by_key.update(
                (m.idempotency_key, m)
                for m in Message.objects.filter(idempotency_key__in=chunk).select_related("crous")
            )
        for key in existing:
            message, fields = by_key[key], prepared[key]
            if message.crous_id != fields["crous"].pk or message.channel != fields["channel"]:
                raise ValueError(
                    f"Idempotency key {key!r} already names message {message.pk} of another "
                    "Crous or channel: make keys specific to their event."
                )
        due: dict[datetime, list[int]] = {}
        for key in new_keys:
            message = by_key[key]
            due.setdefault(message.not_before, []).append(message.pk)
        for not_before, ids in due.items():
            transaction.on_commit(partial(_schedule, ids, not_before))
    return [by_key[spec.idempotency_key.strip()] for spec in specs]


def _prepared(
    spec: MessageSpec, *, now: datetime, policy: DeliveryPolicy, checked: set[tuple[str, str]]
) -> dict[str, Any]:
    """The row's fields for ``spec``, normalised; ValueError on a programming error."""
    channel = Channel(spec.channel)
    key = spec.idempotency_key.strip()
    if not key or len(key) > 200:
        raise ValueError("An idempotency key is required and has at most 200 characters.")
    try:
        language = translation.get_supported_language_variant(spec.language)
    except LookupError as exc:
        raise ValueError(f"Unsupported language {spec.language!r}.") from exc
    if (channel, spec.template_key) not in checked:
        templates_check(channel=channel, template_key=spec.template_key)
        checked.add((channel, spec.template_key))
    # An invalid number is kept as given: the message fails visibly for staff, instead of
    # failing the business change that caused it.
    recipient = recipient_normalized(spec.recipient, channel=channel)
    return {
        "crous": spec.crous,
        "recipient": recipient,
        "channel": channel.value,
        "template_key": spec.template_key,
        "language": language,
        "context": spec.context or {},
        "idempotency_key": key,
        "status": MessageStatus.PENDING,
        "not_before": spec.not_before or now,
        "deadline": spec.deadline or now + policy.default_deadline,
        "created_at": now,
    }


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Enqueueing tasks ------------------------------------------------------------------------


def _schedule(message_ids: Sequence[int], not_before: datetime) -> None:
    """Rings the doorbell for messages due at ``not_before`` (runs after commit)."""
    policy = delivery_policy()
    delay = (not_before - timezone.now()).total_seconds()
    if delay <= 0:
        _enqueue(message_ids)
    elif delay <= policy.max_countdown.total_seconds():
        _enqueue(message_ids, countdown=delay)
    # Later than that: left to the sweep, never an ETA near the visibility timeout.


def _enqueue(message_ids: Sequence[int], *, countdown: float | None = None) -> int:
    """Sends the delivery tasks of ``message_ids``; returns how many messages reached the
    broker.

    One message gets its own task (``deliver_message``: the lowest latency); several get one
    task per batch of ``NOTIFICATIONS_BATCH_SIZE`` (``deliver_messages``, ADR 0008). A broker
    failure is logged, not raised: the rows are committed and the sweep will enqueue them
    again once the broker is back.
    """
    from kombu.exceptions import KombuError

    from notifications.tasks import deliver_message, deliver_messages

    size = delivery_policy().batch_size if len(message_ids) > 1 else 1
    done = 0
    for batch in _chunks(message_ids, size):
        try:
            if len(batch) == 1:
                # countdown=None is Celery's default (no delay); celery-types asks for a float.
                deliver_message.apply_async(
                    (batch[0],),
                    countdown=countdown,  # type: ignore[arg-type]
                    retry=True,
                    retry_policy=PUBLISH_RETRY_POLICY,
                )
            else:
                deliver_messages.apply_async(
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


# --- Delivering ------------------------------------------------------------------------------


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
        transaction.on_commit(partial(_enqueue, ids))
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
                transaction.on_commit(partial(_schedule, [message.pk], next_at))
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


def _alert_staff(message: Message) -> None:
    """Queues the "a message failed" email to the Crous' contact address (same transaction)."""
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
        },
        # One alert per failure: attempts only grow, so a message retried by staff that
        # fails again alerts again.
        idempotency_key=f"staff-alert:message-failed:{message.pk}:{message.attempts}",
    )


def _admin_url(message: Message) -> str:
    try:
        path = reverse("admin:notifications_message_change", args=[message.pk])
    except NoReverseMatch:
        return ""
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{path}"


# --- Sweeping --------------------------------------------------------------------------------


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
            for chunk in _chunks(lost):
                Message.objects.filter(pk__in=chunk, status=MessageStatus.PENDING).update(
                    not_before=now
                )
            transaction.on_commit(partial(_enqueue, lost + stale))
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
        for chunk in _chunks(sorted(set(message_ids))):
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
            transaction.on_commit(partial(_enqueue, retried))
    if retried:
        logger.info("%d message(s) put back in the queue by %s.", len(retried), by)
    return retried
