"""The delivery hot path in SQL: claim a due message (or a batch of them) and read it, load its
Crous, mark it sent, log the attempt.

Why not the ORM here: every delivery runs these four statements and little else. Built by
the ORM, each cost about 0.4 ms of query compilation on the benchmark machine — together
more than rendering and writing the email itself — and the claim needed a second query to
read the row it had just claimed (bench/notifications_drain.py measured the drain 1.8× faster
this way). In a batch (ADR 0008) the claim and the Crous are one statement each for the whole
batch, and on PostgreSQL "mark sent" and the attempt row are one statement per message (a
data-modifying CTE: one round trip instead of BEGIN, UPDATE, INSERT, COMMIT). Everything else
in the outbox (queueing, retries, failures, the sweep, screens) uses the ORM.

Portability: the statements are plain SQL run on PostgreSQL and SQLite alike; values go
through each field's ``get_db_prep_value`` and rows come back through ``Model.objects.raw()``,
so types are converted exactly as the ORM converts them. ``UPDATE … RETURNING`` needs
PostgreSQL or SQLite ≥ 3.35; on an older SQLite the claim falls back to the ORM.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from notifications.models import AttemptOutcome, DeliveryAttempt, Message, MessageStatus
from residences.models import Crous

ATTEMPT_COLUMNS = ("message_id", "number", "at", "outcome", "error", "duration_ms", "worker")


@dataclass(frozen=True)
class _Statements:
    claim_due: str
    crous: str
    mark_sent: str
    insert_attempt: str


@cache
def _statements(vendor: str) -> _Statements:
    q = connection.ops.quote_name
    message, attempt = q(Message._meta.db_table), q(DeliveryAttempt._meta.db_table)
    # S608 below: the names come from the models' metadata; every value is a bound parameter.
    return _Statements(
        # The compare-and-swap: only a pending, due row changes, and only one worker's
        # statement can change it; RETURNING reads the row as claimed.
        claim_due=(
            f"UPDATE {message} SET {q('status')} = %s, {q('claim_token')} = %s, "  # noqa: S608
            f"{q('claimed_at')} = %s, {q('attempts')} = {q('attempts')} + 1 "
            f"WHERE {q('id')} = %s AND {q('status')} = %s AND {q('not_before')} <= %s "
            "RETURNING *"
        ),
        crous=f"SELECT * FROM {q(Crous._meta.db_table)} WHERE {q('id')} = %s",  # noqa: S608
        # Only the claim's owner may record the outcome (see services.sending._record_success).
        mark_sent=(
            f"UPDATE {message} SET {q('status')} = %s, {q('sent_at')} = %s, "  # noqa: S608
            f"{q('provider_message_id')} = %s, {q('last_error')} = %s, "
            f"{q('claim_token')} = NULL, {q('claimed_at')} = NULL "
            f"WHERE {q('id')} = %s AND {q('claim_token')} = %s"
        ),
        insert_attempt=(
            f"INSERT INTO {attempt} ({', '.join(q(c) for c in ATTEMPT_COLUMNS)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(ATTEMPT_COLUMNS))})"
        ),
    )


def _prep(model: type[Any], field: str, value: Any) -> Any:
    return model._meta.get_field(field).get_db_prep_value(value, connection)


def claim_due(
    *, message_id: int, token: uuid.UUID, now: datetime, due_by: datetime
) -> Message | None:
    """Claims ``message_id`` if it is pending and due by ``due_by``; returns it as claimed."""
    # Django sets this flag from the same server capability as UPDATE … RETURNING.
    if not connection.features.can_return_columns_from_insert:
        claimed = Message.objects.filter(
            pk=message_id, status=MessageStatus.PENDING, not_before__lte=due_by
        ).update(
            status=MessageStatus.SENDING,
            claim_token=token,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
        return Message.objects.get(pk=message_id) if claimed else None
    rows = list(
        Message.objects.raw(
            _statements(connection.vendor).claim_due,
            [
                MessageStatus.SENDING.value,
                _prep(Message, "claim_token", token),
                _prep(Message, "claimed_at", now),
                message_id,
                MessageStatus.PENDING.value,
                _prep(Message, "not_before", due_by),
            ],
        )
    )
    return rows[0] if rows else None


@cache
def _claim_due_batch_sql(vendor: str, count: int) -> str:
    # The same compare-and-swap as ``claim_due`` over a list of ids: one statement claims
    # every row of the batch that is still pending and due, under one token; rows another
    # worker holds, already sent or not yet due are left out of RETURNING.
    q = connection.ops.quote_name
    head = _statements(vendor).claim_due.split(" WHERE ", 1)[0]
    ids = ", ".join(["%s"] * count)
    return (
        f"{head} WHERE {q('id')} IN ({ids}) AND {q('status')} = %s "
        f"AND {q('not_before')} <= %s RETURNING *"
    )


def claim_due_batch(
    *, message_ids: Sequence[int], token: uuid.UUID, now: datetime, due_by: datetime
) -> list[Message]:
    """Claims, in one statement, those of ``message_ids`` that are pending and due by
    ``due_by``; returns them as claimed, in id order."""
    if not message_ids:
        return []
    if not connection.features.can_return_columns_from_insert:
        Message.objects.filter(
            pk__in=message_ids, status=MessageStatus.PENDING, not_before__lte=due_by
        ).update(
            status=MessageStatus.SENDING,
            claim_token=token,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
        return list(Message.objects.filter(pk__in=message_ids, claim_token=token).order_by("pk"))
    rows = Message.objects.raw(
        _claim_due_batch_sql(connection.vendor, len(message_ids)),
        [
            MessageStatus.SENDING.value,
            _prep(Message, "claim_token", token),
            _prep(Message, "claimed_at", now),
            *message_ids,
            MessageStatus.PENDING.value,
            _prep(Message, "not_before", due_by),
        ],
    )
    return sorted(rows, key=lambda message: message.pk)


def crous_of(message: Message) -> Crous:
    """Loads the message's Crous and caches it on the message (``message.crous``)."""
    (crous,) = Crous.objects.raw(_statements(connection.vendor).crous, [message.crous_id])
    message.crous = crous
    return crous


def _mark_sent_sql(vendor: str, *, with_context: bool) -> str:
    q = connection.ops.quote_name
    sql = _statements(vendor).mark_sent
    if with_context:
        # The secret values wiped in the same statement (see models.SECRET_CONTEXT_PREFIX).
        sql = sql.replace(" WHERE ", f", {q('context')} = %s WHERE ", 1)
    return sql


def _mark_sent_params(
    *,
    message_id: int,
    token: uuid.UUID,
    sent_at: datetime,
    provider_message_id: str,
    context: dict[str, Any] | None,
) -> list[Any]:
    return [
        MessageStatus.SENT.value,
        _prep(Message, "sent_at", sent_at),
        provider_message_id[:255],
        "",
        *([] if context is None else [_prep(Message, "context", context)]),
        message_id,
        _prep(Message, "claim_token", token),
    ]


def mark_sent(
    *,
    message_id: int,
    token: uuid.UUID,
    sent_at: datetime,
    provider_message_id: str,
    context: dict[str, Any] | None = None,
) -> bool:
    """``sent`` if ``token`` still holds the claim; False when another worker took it over.

    ``context``, when given, replaces the message's context (secrets wiped).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _mark_sent_sql(connection.vendor, with_context=context is not None),
            _mark_sent_params(
                message_id=message_id,
                token=token,
                sent_at=sent_at,
                provider_message_id=provider_message_id,
                context=context,
            ),
        )
        return cursor.rowcount == 1


@cache
def _mark_sent_with_attempt_sql(vendor: str, *, with_context: bool) -> str:
    # PostgreSQL: the UPDATE in a data-modifying CTE feeds the INSERT, so one statement
    # (one round trip, atomic on its own) marks the message sent and records its attempt,
    # and records nothing when the claim was lost (the UPDATE returned no row).
    q = connection.ops.quote_name
    attempt = q(DeliveryAttempt._meta.db_table)
    columns = ", ".join(q(c) for c in ATTEMPT_COLUMNS)
    values = ", ".join(["%s"] * (len(ATTEMPT_COLUMNS) - 1))
    return (
        f"WITH sent AS ({_mark_sent_sql(vendor, with_context=with_context)} "  # noqa: S608
        f"RETURNING {q('id')}) "
        f"INSERT INTO {attempt} ({columns}) SELECT {q('id')}, {values} FROM sent"
    )


def mark_sent_with_attempt(
    *,
    message_id: int,
    token: uuid.UUID,
    sent_at: datetime,
    provider_message_id: str,
    context: dict[str, Any] | None,
    number: int,
    at: datetime,
    duration_ms: int,
    worker: str,
    durable: bool = True,
) -> bool:
    """Marks the message sent and records its successful attempt, both or neither: False,
    and nothing written, when ``token`` no longer holds the claim.

    PostgreSQL: one statement; with ``durable=False`` its commit does not wait for the disk
    (a crash of the database server, not of the worker, may then forget the last fraction of
    a second of such marks, and those messages are sent again: ADR 0008). Elsewhere:
    ``mark_sent`` and ``record_attempt`` in one short transaction.
    """
    mark = {
        "message_id": message_id,
        "token": token,
        "sent_at": sent_at,
        "provider_message_id": provider_message_id,
        "context": context,
    }
    attempt = {
        "number": number,
        "at": at,
        "outcome": AttemptOutcome.SENT,
        "duration_ms": duration_ms,
        "worker": worker,
    }
    if connection.vendor != "postgresql":
        with transaction.atomic():
            if not mark_sent(**mark):
                return False
            record_attempt(message_id=message_id, **attempt)
            return True
    sql = _mark_sent_with_attempt_sql(connection.vendor, with_context=context is not None)
    params = [*_mark_sent_params(**mark), *_attempt_params(**attempt)]
    with connection.cursor() as cursor:
        if durable or connection.in_atomic_block or not _client_side_binding(cursor):
            # Inside a caller's transaction a SET LOCAL would reach its other writes too.
            cursor.execute(sql, params)
            return cursor.rowcount == 1
        # Asynchronous commit for this statement's own transaction only (ADR 0008): visible
        # to every other session at once, on disk within 3 × wal_writer_delay instead of
        # waiting for its fsync (about 4 ms on the benchmark machine, more than sending the
        # message). Both statements go in one round trip and run as one implicit
        # transaction, which ends the SET LOCAL and rolls back as a whole on an error.
        cursor.execute(f"SET LOCAL synchronous_commit TO OFF; {sql}", params)
        cursor.nextset()
        return cursor.rowcount == 1


def _client_side_binding(cursor: Any) -> bool:
    """Several statements in one ``execute`` need psycopg's client-side binding (Django's
    default; not with the ``server_side_binding`` option)."""
    import psycopg

    return isinstance(cursor.cursor, psycopg.ClientCursor)


def _attempt_params(
    *, number: int, at: datetime, outcome: str, error: str = "", duration_ms: int, worker: str
) -> list[Any]:
    return [number, _prep(DeliveryAttempt, "at", at), outcome, error, duration_ms, worker[:255]]


def record_attempt(
    *,
    message_id: int,
    number: int,
    at: datetime,
    outcome: str,
    error: str = "",
    duration_ms: int = 0,
    worker: str = "",
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            _statements(connection.vendor).insert_attempt,
            [
                message_id,
                *_attempt_params(
                    number=number,
                    at=at,
                    outcome=outcome,
                    error=error,
                    duration_ms=duration_ms,
                    worker=worker,
                ),
            ],
        )
