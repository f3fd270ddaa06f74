"""Queueing messages in the outbox: one row per business event, its doorbell rung after commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from notifications.delivery import recipient_normalized
from notifications.models import Channel, Message, MessageStatus
from notifications.policy import DeliveryPolicy, delivery_policy
from notifications.rendering import templates_check
from notifications.services import dispatch
from residences.models import Crous

# Keeps ``IN (...)`` lists under every database's parameter limit.
CHUNK = 500


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
            transaction.on_commit(partial(dispatch.schedule, [message.pk], message.not_before))
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
        for chunk in chunks(keys):
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
        for chunk in chunks(to_read):
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
            transaction.on_commit(partial(dispatch.schedule, ids, not_before))
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


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
