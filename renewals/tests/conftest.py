"""Fixtures of the renewals tests: SMS in memory, a Bordeaux window, a clock inside it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from notifications import sms
from renewals.tests.factories import RenewalWindowFactory

#: Inside the Bordeaux window (15 March – 1 May 2027), Paris time.
INSIDE = "2027-04-02 10:00:00+02:00"


@pytest.fixture(autouse=True)
def _sms_in_memory(settings) -> Iterator[None]:
    settings.SMS_BACKEND = "notifications.sms.backends.locmem.SmsBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def bordeaux_window(bordeaux):
    """Bordeaux, renewals into 2027-2028: 15 March – 1 May 2027, 72-hour promise."""
    return RenewalWindowFactory(
        crous=bordeaux, academic_year=2027, opens_on=date(2027, 3, 15), closes_on=date(2027, 5, 1)
    )


@pytest.fixture
def inside_window(time_machine):
    time_machine.move_to(INSIDE, tick=False)
