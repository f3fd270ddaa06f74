"""Sending SMS, the way ``django.core.mail`` sends email.

``settings.SMS_BACKEND`` names the backend class (``notifications.sms.backends.*``):
``console`` and ``filebased`` (``SMS_FILE_PATH``, the embedded default) for development,
``locmem`` for tests (messages land in ``notifications.sms.outbox``), ``http`` for a real
provider. Business code does not call this module: it queues a message in the outbox
(``notifications.services.queueing.message_queue``), which calls ``send_sms`` when delivering.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from notifications.sms.backends.base import (
    BaseSmsBackend,
    SmsError,
    SmsMessage,
    SmsPermanentError,
    SmsRetryableError,
)
from notifications.sms.segments import SmsLength, sms_length, sms_segments

__all__ = [
    "BaseSmsBackend",
    "SmsError",
    "SmsLength",
    "SmsMessage",
    "SmsPermanentError",
    "SmsRetryableError",
    "get_connection",
    "outbox",
    "send_sms",
    "sms_length",
    "sms_segments",
]

# Filled by the locmem backend; tests empty it between runs.
outbox: list[SmsMessage] = []

DEFAULT_BACKEND = "notifications.sms.backends.filebased.SmsBackend"


def get_connection(
    backend: str | None = None, *, fail_silently: bool = False, **kwargs: Any
) -> BaseSmsBackend:
    """An instance of ``backend`` (default: ``settings.SMS_BACKEND``)."""
    klass = import_string(backend or getattr(settings, "SMS_BACKEND", DEFAULT_BACKEND))
    return klass(fail_silently=fail_silently, **kwargs)


def send_sms(
    *,
    to: str,
    body: str,
    sender: str = "",
    idempotency_key: str = "",
    fail_silently: bool = False,
    connection: BaseSmsBackend | None = None,
) -> SmsMessage:
    """Sends one SMS now and returns it, with the provider's message id when there is one.

    Raises ``SmsRetryableError`` or ``SmsPermanentError`` when the provider refuses it.
    """
    message = SmsMessage(to=to, body=body, sender=sender, idempotency_key=idempotency_key)
    connection = connection or get_connection(fail_silently=fail_silently)
    connection.send_messages([message])
    return message
