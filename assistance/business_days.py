"""Business days of a Crous: weekdays that are not French public holidays where it is.

Holidays come from the ``holidays`` package, for the Crous' subdivision
(``Crous.holiday_subdivision``: mainland, Alsace ``6AE`` and Moselle ``57`` with Good Friday
and 26 December, the overseas departments with their abolition-of-slavery days…). Every
computation happens in the Crous' own time zone: Réunion's day ends four hours before Paris'.

The rule for a due time (docs/assistance.md): the day a ticket arrives does not count; the
answer is due by the end (local midnight) of the *n*-th business day after it. A ticket
written on Friday at 15:00 with a target of 2 business days is due on Tuesday at 24:00; one
written on Saturday the same.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import holidays

if TYPE_CHECKING:
    from residences.models import Crous


@lru_cache(maxsize=256)
def _holidays_of(subdivision: str, year: int) -> frozenset[date]:
    calendar = holidays.France(subdiv=subdivision or None, years=year)
    return frozenset(calendar)


def is_business_day(day: date, *, subdivision: str = "") -> bool:
    return day.weekday() < 5 and day not in _holidays_of(subdivision, day.year)


def add_business_days(day: date, days: int, *, subdivision: str = "") -> date:
    """The ``days``-th business day after ``day`` (``day`` itself never counts)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = day
    left = days
    while left:
        current += timedelta(days=1)
        if is_business_day(current, subdivision=subdivision):
            left -= 1
    return current


def _zone(crous: Crous) -> ZoneInfo:
    return ZoneInfo(str(crous.time_zone))


def due_at(start: datetime, *, crous: Crous, days: int | None = None) -> datetime:
    """When an answer to a ticket that arrived at ``start`` is due (an aware datetime): local
    midnight at the end of the ``days``-th business day after the arrival day (default: the
    Crous' ``assistance_target_business_days``)."""
    zone = _zone(crous)
    target = crous.assistance_target_business_days if days is None else days
    arrival_day = start.astimezone(zone).date()
    last_day = add_business_days(arrival_day, target, subdivision=crous.holiday_subdivision)
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)


def business_days_between(start: datetime, end: datetime, *, crous: Crous) -> float:
    """Business time elapsed from ``start`` to ``end``, in business days (fractions of the
    business days' 24 hours; weekends and holidays do not count). Used for first-response
    times: an answer on Monday 09:00 to a message of Friday 17:00 took 0.7 business days."""
    if end <= start:
        return 0.0
    zone = _zone(crous)
    subdivision = crous.holiday_subdivision
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    total = 0.0
    day = local_start.date()
    while day <= local_end.date():
        if is_business_day(day, subdivision=subdivision):
            day_start = datetime.combine(day, time.min, tzinfo=zone)
            day_end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
            overlap = min(day_end, local_end) - max(day_start, local_start)
            if overlap.total_seconds() > 0:
                total += overlap.total_seconds() / (day_end - day_start).total_seconds()
        day += timedelta(days=1)
    return total


def business_days_from_today(days: int, *, crous: Crous, now: datetime) -> date:
    """The local date ``days`` business days after today in the Crous (for estimates)."""
    today = now.astimezone(_zone(crous)).date()
    return add_business_days(today, days, subdivision=crous.holiday_subdivision)
