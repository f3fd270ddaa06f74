"""Writes each SMS to standard output (development)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import IO, Any

from notifications.sms.backends.base import BaseSmsBackend, SmsMessage


def format_sms(message: SmsMessage) -> str:
    """The readable form of one SMS, shared by the console and file backends."""
    length = message.length
    plural = "" if length.segments == 1 else "s"
    return (
        f"To: {message.to}\n"
        f"From: {message.sender}\n"
        f"Date: {datetime.now(tz=UTC).isoformat()}\n"
        f"Idempotency-Key: {message.idempotency_key}\n"
        f"Encoding: {length.encoding}, {length.units} units, {length.segments} segment{plural}\n"
        f"\n{message.body}\n"
    )


class SmsBackend(BaseSmsBackend):
    def __init__(self, *args: Any, stream: IO[str] | None = None, **kwargs: Any) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()
        super().__init__(*args, **kwargs)

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        with self._lock:
            for message in messages:
                self.stream.write(format_sms(message))
                self.stream.write("-" * 79 + "\n")
            self.stream.flush()
        return len(messages)
