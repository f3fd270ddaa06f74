"""The outbox's writes, by what they do: queueing (``queueing``), ringing the doorbell
(``dispatch``), delivering (``sending``), and putting messages back (``sweep``).

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
      sent again. The window is the provider's whole answer time plus the commit of the
      mark (docs/notifications.md): the row is marked sent right after the provider call
      returns, in one short transaction, before anything else (on
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

from notifications.services.queueing import MessageSpec, message_queue, message_queue_bulk

# The outbox's entry point for the other apps; everything else is imported from its module.
__all__ = ["MessageSpec", "message_queue", "message_queue_bulk"]
