"""Fault injection for the outbox's email and SMS backends: tests and local drills only.

``notifications.faults.EmailBackend`` and ``notifications.sms.backends.faulty.SmsBackend``
wrap a real backend and, as ``settings.NOTIFICATIONS_FAULTS`` says (environment variable of
the same name, JSON), fail a share of the sends, answer slowly, or always fail::

    NOTIFICATIONS_FAULTS='{"failure_rate": 0.3, "seed": 7, "delay_seconds": 0.5,
                           "error": "retryable", "backend": "…filebased.SmsBackend"}'

* ``failure_rate`` (0 to 1): the share of sends that fail. Whether a send fails is drawn
  from ``seed``, the message's idempotency key and how many times this process has tried
  that message: the same run fails the same sends, and a message failed once is not
  doomed to fail again (so retries get it through, as with a real flaky provider).
* ``error``: ``retryable`` (a 503, a dropped SMTP connection), ``permanent`` (an invalid
  number or a refused recipient) or ``unexpected`` (an exception nobody mapped).
  ``failure_rate`` 1 fails every send.
* ``delay_seconds``: waited before each send, failed or not (a slow provider).
* ``backend``: the backend that really sends (default: the file backends).

A system check refuses these backends when ``DEBUG`` is false (``notifications/checks.py``).
"""

from __future__ import annotations

import hashlib
import smtplib
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.module_loading import import_string

FAULTY_BACKENDS = frozenset(
    {"notifications.faults.EmailBackend", "notifications.sms.backends.faulty.SmsBackend"}
)


class UnexpectedFault(RuntimeError):
    """What a backend raising an exception nobody mapped looks like."""


@dataclass(frozen=True)
class FaultPlan:
    failure_rate: float = 0.0
    seed: int = 0
    delay_seconds: float = 0.0
    error: str = "retryable"
    backend: str = ""

    @classmethod
    def from_settings(cls) -> FaultPlan:
        raw: dict[str, Any] = dict(getattr(settings, "NOTIFICATIONS_FAULTS", None) or {})
        plan = cls(
            failure_rate=min(max(float(raw.get("failure_rate", 0.0)), 0.0), 1.0),
            seed=int(raw.get("seed", 0)),
            delay_seconds=max(float(raw.get("delay_seconds", 0.0)), 0.0),
            error=str(raw.get("error", "retryable")),
            backend=str(raw.get("backend", "")),
        )
        if plan.error not in {"retryable", "permanent", "unexpected"}:
            raise ValueError(f"NOTIFICATIONS_FAULTS: unknown error kind {plan.error!r}.")
        return plan


class FaultDice:
    """Decides, reproducibly, which sends fail (shared by the email and SMS backends)."""

    _tries: Counter[str] = Counter()  # per process: how often each message was tried
    _lock = threading.Lock()

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan

    def fails(self, key: str) -> bool:
        if self.plan.delay_seconds:
            time.sleep(self.plan.delay_seconds)
        if self.plan.failure_rate <= 0:
            return False
        with self._lock:
            FaultDice._tries[key] += 1
            nth = FaultDice._tries[key]
        digest = hashlib.sha256(f"{self.plan.seed}:{key}:{nth}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.plan.failure_rate


class EmailBackend(BaseEmailBackend):
    """Django email backend that injects the faults of ``NOTIFICATIONS_FAULTS``."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self.plan = FaultPlan.from_settings()
        self.dice = FaultDice(self.plan)
        self.inner = import_string(
            self.plan.backend or "django.core.mail.backends.filebased.EmailBackend"
        )(fail_silently=fail_silently, **kwargs)

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        for email in email_messages:
            key = str(email.extra_headers.get("Message-ID") or id(email))
            if self.dice.fails(key):
                if self.plan.error == "permanent":
                    raise smtplib.SMTPRecipientsRefused(
                        dict.fromkeys(email.to, (550, b"Injected fault: no such mailbox"))
                    )
                if self.plan.error == "unexpected":
                    raise UnexpectedFault("Injected fault: an exception nobody mapped")
                raise smtplib.SMTPServerDisconnected("Injected fault: connection closed")
        return int(self.inner.send_messages(email_messages) or 0)
