"""Demo renewal windows: the published examples, plausible dates elsewhere, and one window
open around the day the demo is seeded so that ``make run`` shows a renewal at once.

Windows are for the academic year after the current one (renewing into it), in the spring
of that calendar year: Bordeaux 15 March – 1 May, Paris 15 March – 29 April (as published),
Versailles with the DSE rule for scholarship holders, overseas Crous a little earlier.
Bordeaux, Versailles and Lille also get a *demo* window opening a week before the seeding
day and closing four weeks after it, unless it would overlap their spring window (seeding
in March–May: the spring window is then the open one). Idempotent: a window already there,
or one that would overlap, is left alone.
"""

from __future__ import annotations

from datetime import date, timedelta

from django_scopes import scopes_disabled

from crous_admin.errors import ConflictError
from renewals.models import RenewalWindow
from renewals.services import renewal_window_create
from residences.models import Crous

# (opens month, day), (closes month, day), DSE rule, days before close for the reminder.
PUBLISHED = {
    "bordeaux": ((3, 15), (5, 1), False),
    "paris": ((3, 15), (4, 29), False),
    "versailles": ((3, 1), (4, 30), True),
}
OVERSEAS = {"reunion", "martinique", "guadeloupe", "guyane"}
ELSEWHERE = ((4, 1), (5, 15), False)
OVERSEAS_DATES = ((3, 1), (4, 15), False)
DEMO_OPEN_NOW = ("bordeaux", "versailles", "lille")


def seed_renewal_windows(*, crous_by_code: dict[str, Crous], current_year: int, today: date) -> int:
    """Creates the missing demo windows for renewals into ``current_year + 1``; returns how
    many it created."""
    year = current_year + 1
    created = 0
    with scopes_disabled():
        for code, crous in crous_by_code.items():
            (om, od), (cm, cd), dse = PUBLISHED.get(
                code, OVERSEAS_DATES if code in OVERSEAS else ELSEWHERE
            )
            created += _window(crous, year, date(year, om, od), date(year, cm, cd), dse)
            if code in DEMO_OPEN_NOW:
                created += _window(
                    crous, year, today - timedelta(days=7), today + timedelta(days=28), dse
                )
    return created


def _window(crous: Crous, year: int, opens_on: date, closes_on: date, dse_rule: bool) -> int:
    if RenewalWindow.objects.filter(crous=crous, academic_year=year, opens_on=opens_on).exists():
        return 0
    try:
        renewal_window_create(
            by=None,
            crous=crous,
            academic_year=year,
            opens_on=opens_on,
            closes_on=closes_on,
            dse_rule=dse_rule,
        )
    except ConflictError:  # overlaps a window already there: that one is the demo's
        return 0
    return 1
