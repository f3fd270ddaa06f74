"""Backends for tests: SMS providers that fail or are slow, an SMTP server that drops once.

``SlowFileSmsBackend`` is used by the integration tests' worker processes: it waits
``SMS_TEST_DELAY`` seconds (environment) *before* writing, so a worker killed during the wait
has not delivered anything.
"""

from __future__ import annotations

import os
import smtplib
import time
from collections.abc import Sequence

from django.core.mail.backends.locmem import EmailBackend as LocmemEmailBackend

from notifications.sms.backends.base import (
    BaseSmsBackend,
    SmsMessage,
    SmsPermanentError,
    SmsRetryableError,
)
from notifications.sms.backends.filebased import SmsBackend as FileSmsBackend


class RetryableFailureSmsBackend(BaseSmsBackend):
    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        raise SmsRetryableError("SMS provider answered 503: try again later")


class PermanentFailureSmsBackend(BaseSmsBackend):
    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        raise SmsPermanentError("SMS provider answered 400: unknown destination number")


class SlowFileSmsBackend(FileSmsBackend):
    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        time.sleep(float(os.environ.get("SMS_TEST_DELAY", "0")))
        return super().send_messages(messages)


class SlowAnswerFileSmsBackend(FileSmsBackend):
    """The provider takes the SMS at once (the file is written) but answers only
    ``SMS_TEST_DELAY`` seconds later: a worker killed meanwhile leaves a delivered SMS that
    is not marked sent — the at-least-once window, made wide enough to hit."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        sent = super().send_messages(messages)
        time.sleep(float(os.environ.get("SMS_TEST_DELAY", "0")))
        return sent


class ByNumberSmsBackend(BaseSmsBackend):
    """Refuses numbers ending in 00 for good, answers 503 to those ending in 11, and keeps the
    others in memory: one batch, three outcomes."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        from notifications.sms.backends.locmem import SmsBackend as LocmemSmsBackend

        for message in messages:
            if message.to.endswith("00"):
                raise SmsPermanentError("SMS provider answered 400: unknown destination number")
            if message.to.endswith("11"):
                raise SmsRetryableError("SMS provider answered 503: try again later")
        return LocmemSmsBackend().send_messages(messages)


class FlakyEmailBackend(LocmemEmailBackend):
    """Drops the connection on the first email it is given, then delivers like locmem.

    ``tried`` keeps the Message-ID header of every email handed to it, delivered or not.
    """

    tried: list[str] = []

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        for email in email_messages:
            FlakyEmailBackend.tried.append(email.message()["Message-ID"])
        if len(FlakyEmailBackend.tried) == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)
