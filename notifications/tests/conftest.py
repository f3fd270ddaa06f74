"""Fixtures of the outbox's tests: SMS kept in memory, a predictable retry policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from notifications import sms


@pytest.fixture(autouse=True)
def _sms_in_memory(settings) -> Iterator[None]:
    settings.SMS_BACKEND = "notifications.sms.backends.locmem.SmsBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _retries_without_jitter(settings) -> None:
    # Exact delays to assert on; the jitter itself is tested on the policy.
    settings.NOTIFICATIONS_RETRY_JITTER = 0
