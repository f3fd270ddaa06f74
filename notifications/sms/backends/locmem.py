"""Keeps SMS in ``notifications.sms.outbox`` (tests), like Django's locmem email backend."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from typing import Any

from notifications.sms.backends.base import BaseSmsBackend, SmsMessage


class SmsBackend(BaseSmsBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from notifications import sms

        super().__init__(*args, **kwargs)
        if not hasattr(sms, "outbox"):
            sms.outbox = []

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        from notifications import sms

        for message in messages:
            message.provider_message_id = f"locmem:{uuid.uuid4().hex}"
            sms.outbox.append(copy.copy(message))
        return len(messages)
