"""Sends SMS through a provider's HTTP API: one JSON POST per SMS.

Settings: ``SMS_HTTP_URL`` (the endpoint), ``SMS_HTTP_TOKEN`` (sent as a bearer token) and
``SMS_HTTP_TIMEOUT`` (seconds, connect and read). The request body is
``{"to", "from", "text", "reference"}`` and the idempotency key also goes in an
``Idempotency-Key`` header, so a provider that de-duplicates never sends the same SMS twice
when we had to ask again. The answer's ``id`` (or ``message_id``) is kept as the provider's
message id. Most SMS providers (OVHcloud, Brevo, Twilio…) take a request of this shape, or
need a small subclass overriding ``payload()`` and ``provider_id()``.

How failures are read:

* no answer (timeout, connection refused or reset), 408, 425, 429 and every 5xx: the
  provider may take the same request later → ``SmsRetryableError`` (honouring
  ``Retry-After`` when given);
* 401 and 403: our credentials are wrong or expired. Retryable too, on purpose: the fix is
  on our side (a new token) and the messages should go out once it is in place, instead of
  all failing at once and flooding staff with alerts;
* any other 4xx (invalid number, rejected sender or content): ``SmsPermanentError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from notifications.sms.backends.base import (
    BaseSmsBackend,
    SmsError,
    SmsMessage,
    SmsPermanentError,
    SmsRetryableError,
)

RETRYABLE_STATUSES = frozenset({401, 403, 408, 425, 429})


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max((parsedate_to_datetime(value) - timezone.now()).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None


def _excerpt(response: requests.Response) -> str:
    return " ".join(response.text.split())[:200]


class SmsBackend(BaseSmsBackend):
    def __init__(
        self,
        *args: Any,
        url: str | None = None,
        token: str | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.url = url or getattr(settings, "SMS_HTTP_URL", "")
        self.token = token if token is not None else getattr(settings, "SMS_HTTP_TOKEN", "")
        self.timeout = float(timeout or getattr(settings, "SMS_HTTP_TIMEOUT", 10.0))
        if not self.url:
            raise ImproperlyConfigured("The HTTP SMS backend needs SMS_HTTP_URL to be set.")
        self.session: requests.Session | None = None

    def open(self) -> bool | None:
        if self.session is not None:
            return False
        self.session = requests.Session()
        if self.token:
            self.session.headers["Authorization"] = f"Bearer {self.token}"
        return True

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def payload(self, message: SmsMessage) -> dict[str, Any]:
        return {
            "to": message.to,
            "from": message.sender,
            "text": message.body,
            "reference": message.idempotency_key,
        }

    def provider_id(self, response: requests.Response) -> str:
        try:
            data = response.json()
        except ValueError:
            return ""
        if not isinstance(data, dict):
            return ""
        return str(data.get("id") or data.get("message_id") or "")

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        opened = self.open()
        sent = 0
        try:
            for message in messages:
                try:
                    self._send(message)
                except SmsError:
                    if not self.fail_silently:
                        raise
                else:
                    sent += 1
        finally:
            if opened:
                self.close()
        return sent

    def _send(self, message: SmsMessage) -> None:
        assert self.session is not None
        headers = {"Idempotency-Key": message.idempotency_key} if message.idempotency_key else {}
        try:
            response = self.session.post(
                self.url, json=self.payload(message), headers=headers, timeout=self.timeout
            )
        except requests.Timeout as exc:
            raise SmsRetryableError(f"SMS provider timed out after {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            raise SmsRetryableError(f"SMS provider unreachable: {exc}") from exc

        status = response.status_code
        if 200 <= status < 300:
            message.provider_message_id = self.provider_id(response)
            return
        detail = f"SMS provider answered {status}: {_excerpt(response)}".rstrip(": ")
        if status >= 500 or status in RETRYABLE_STATUSES:
            raise SmsRetryableError(detail, retry_after=_retry_after(response))
        raise SmsPermanentError(detail)
