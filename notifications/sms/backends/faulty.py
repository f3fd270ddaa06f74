"""An SMS backend that injects faults (``NOTIFICATIONS_FAULTS``): tests and local drills only.

See ``notifications/faults.py`` for the settings; refused when ``DEBUG`` is false.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.module_loading import import_string

from notifications.faults import FaultDice, FaultPlan, UnexpectedFault
from notifications.sms.backends.base import (
    BaseSmsBackend,
    SmsMessage,
    SmsPermanentError,
    SmsRetryableError,
)


class SmsBackend(BaseSmsBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = FaultPlan.from_settings()
        self.dice = FaultDice(self.plan)
        self.inner: BaseSmsBackend = import_string(
            self.plan.backend or "notifications.sms.backends.filebased.SmsBackend"
        )(fail_silently=self.fail_silently)

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        for message in messages:
            if self.dice.fails(message.idempotency_key or message.to):
                if self.plan.error == "permanent":
                    raise SmsPermanentError("Injected fault: SMS provider answered 400")
                if self.plan.error == "unexpected":
                    raise UnexpectedFault("Injected fault: an exception nobody mapped")
                raise SmsRetryableError("Injected fault: SMS provider answered 503")
        return self.inner.send_messages(messages)
