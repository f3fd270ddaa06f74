"""Writes each SMS to its own readable file in ``settings.SMS_FILE_PATH`` (development).

Like Django's file email backend, but one file per SMS, written under a temporary name and
renamed, so that anything counting the files never sees half of one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from notifications.sms.backends.base import BaseSmsBackend, SmsMessage
from notifications.sms.backends.console import format_sms


class SmsBackend(BaseSmsBackend):
    def __init__(self, *args: Any, file_path: str | Path | None = None, **kwargs: Any) -> None:
        path = file_path or getattr(settings, "SMS_FILE_PATH", None)
        if not path:
            raise ImproperlyConfigured("The file SMS backend needs SMS_FILE_PATH to be set.")
        self.file_path = Path(path)
        try:
            self.file_path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ImproperlyConfigured(
                f"Could not create the SMS directory {self.file_path}: {exc}"
            ) from exc
        super().__init__(*args, **kwargs)

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        for message in messages:
            name = f"{datetime.now(tz=UTC):%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:8]}"
            temporary = self.file_path / f".{name}.tmp"
            temporary.write_text(format_sms(message), encoding="utf-8")
            os.replace(temporary, self.file_path / f"{name}.sms.txt")
            message.provider_message_id = f"file:{name}"
        return len(messages)
