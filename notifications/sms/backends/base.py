"""The SMS backend interface, shaped like Django's email backends.

A backend is built by ``notifications.sms.get_connection()`` from ``settings.SMS_BACKEND``,
may be used as a context manager (``open()``/``close()`` around a batch), and sends with
``send_messages()``. A provider failure raises ``SmsRetryableError`` (try again later:
timeouts, overload, 5xx, 429) or ``SmsPermanentError`` (trying again cannot help: invalid
number, rejected content); the outbox turns those into a retry or a failed message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from notifications.sms.segments import SmsLength, sms_length


@dataclass
class SmsMessage:
    to: str  # E.164, e.g. +33612345678
    body: str
    sender: str = ""  # alphanumeric sender name, e.g. the Crous' "CROUS BDX"
    idempotency_key: str = ""  # passed to providers that de-duplicate on it
    provider_message_id: str = ""  # set by the backend once the provider accepted it

    @property
    def length(self) -> SmsLength:
        return sms_length(self.body)


class SmsError(Exception):
    retryable = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SmsRetryableError(SmsError):
    """The provider could not take the SMS now; the same request may succeed later."""

    retryable = True


class SmsPermanentError(SmsError):
    """The provider refused this SMS for good (invalid number, rejected content…)."""


class BaseSmsBackend:
    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        self.fail_silently = fail_silently

    def open(self) -> bool | None:
        """Opens a reusable connection; returns True if it opened one."""
        return None

    def close(self) -> None:
        return None

    def __enter__(self) -> BaseSmsBackend:
        try:
            self.open()
        except Exception:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        """Sends each message, sets its ``provider_message_id``, returns how many went."""
        raise NotImplementedError("subclasses of BaseSmsBackend must override send_messages()")
