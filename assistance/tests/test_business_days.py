"""Business-day arithmetic: weekends, French public holidays, Alsace-Moselle and overseas."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistance.business_days import (
    add_business_days,
    business_days_between,
    due_at,
    is_business_day,
)
from residences.models import HolidaySubdivision
from residences.tests.factories import CrousFactory


def test_friday_plus_one_business_day_is_monday():
    assert add_business_days(date(2026, 3, 13), 1) == date(2026, 3, 16)


def test_saturday_counts_from_monday():
    assert add_business_days(date(2026, 3, 14), 1) == date(2026, 3, 16)
    assert add_business_days(date(2026, 3, 14), 2) == date(2026, 3, 17)


def test_zero_business_days_is_the_same_day():
    assert add_business_days(date(2026, 3, 14), 0) == date(2026, 3, 14)


def test_easter_monday_is_skipped_everywhere_in_france():
    # Thursday 2 April 2026 + 2: Friday 3, (weekend), Monday 6 is Easter Monday -> Tuesday 7.
    assert add_business_days(date(2026, 4, 2), 2) == date(2026, 4, 7)


def test_good_friday_is_a_business_day_in_bordeaux_but_not_in_alsace_moselle():
    good_friday = date(2026, 4, 3)

    assert is_business_day(good_friday)
    assert not is_business_day(good_friday, subdivision=HolidaySubdivision.MOSELLE)
    assert not is_business_day(good_friday, subdivision=HolidaySubdivision.ALSACE)
    # Thursday 2 April + 1 business day: Friday in Bordeaux, Tuesday 7 in Strasbourg.
    assert add_business_days(date(2026, 4, 2), 1) == good_friday
    assert add_business_days(date(2026, 4, 2), 1, subdivision="6AE") == date(2026, 4, 7)


def test_26_december_is_a_holiday_in_alsace_moselle_only():
    # 2025: Wednesday 24, Thursday 25 (Christmas everywhere), Friday 26 (Saint Stephen's
    # day in Alsace-Moselle only).
    assert is_business_day(date(2025, 12, 26))
    assert not is_business_day(date(2025, 12, 26), subdivision=HolidaySubdivision.MOSELLE)
    assert add_business_days(date(2025, 12, 24), 1) == date(2025, 12, 26)
    assert add_business_days(date(2025, 12, 24), 1, subdivision="57") == date(2025, 12, 29)


def test_reunion_20_december_abolition_day_is_a_holiday_there_only():
    # 20 December 2027 is a Monday.
    assert is_business_day(date(2027, 12, 20))
    assert not is_business_day(date(2027, 12, 20), subdivision=HolidaySubdivision.REUNION)
    assert add_business_days(date(2027, 12, 17), 1, subdivision="974") == date(2027, 12, 21)


@pytest.mark.django_db
def test_due_time_is_local_midnight_after_the_nth_business_day_of_the_crous():
    crous = CrousFactory(time_zone="Europe/Paris", assistance_target_business_days=2)
    # Friday 13 March 2026, 15:00 in Paris (14:00 UTC): Monday and Tuesday count.
    due = due_at(datetime(2026, 3, 13, 14, 0, tzinfo=UTC), crous=crous)

    assert due == datetime(2026, 3, 17, 23, 0, tzinfo=UTC)  # Wednesday 00:00 in Paris


@pytest.mark.django_db
def test_due_time_follows_the_crous_time_zone_and_its_holidays():
    reunion = CrousFactory(
        code="reunion",
        time_zone="Indian/Reunion",
        holiday_subdivision=HolidaySubdivision.REUNION,
        assistance_target_business_days=1,
    )
    # Friday 17 December 2027 at 21:30 UTC is already Saturday 01:30 in Réunion: the
    # arrival day is Saturday; Monday 20 is the abolition day; the answer is due by the
    # end of Tuesday 21, local time (UTC+4).
    due = due_at(datetime(2027, 12, 17, 21, 30, tzinfo=UTC), crous=reunion)

    assert due == datetime(2027, 12, 21, 20, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_due_time_across_the_dst_change_stays_at_local_midnight():
    crous = CrousFactory(assistance_target_business_days=1)
    # Friday 27 March 2026 (UTC+1); clocks go forward on Sunday 29: due Monday 24:00 UTC+2.
    due = due_at(datetime(2026, 3, 27, 10, 0, tzinfo=UTC), crous=crous)

    assert due == datetime(2026, 3, 30, 22, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_business_days_between_skips_the_weekend():
    crous = CrousFactory()
    friday_evening = datetime(2026, 3, 13, 17, 0, tzinfo=UTC)  # 18:00 Paris
    monday_morning = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)  # 09:00 Paris

    elapsed = business_days_between(friday_evening, monday_morning, crous=crous)

    assert elapsed == pytest.approx((6 + 9) / 24)


@pytest.mark.django_db
def test_business_days_between_skips_a_holiday():
    crous = CrousFactory()
    # Thursday 30 April 2026 12:00 Paris to Monday 4 May 12:00: Friday 1 May is a holiday.
    elapsed = business_days_between(
        datetime(2026, 4, 30, 10, 0, tzinfo=UTC),
        datetime(2026, 5, 4, 10, 0, tzinfo=UTC),
        crous=crous,
    )

    assert elapsed == pytest.approx(1.0)


@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=40),
    subdivision=st.sampled_from(["", "57", "6AE", "971", "972", "973", "974", "976"]),
)
def test_adding_n_business_days_lands_on_a_business_day_after_exactly_n_of_them(
    start, days, subdivision
):
    end = add_business_days(start, days, subdivision=subdivision)

    between = [
        start + timedelta(days=i)
        for i in range(1, (end - start).days + 1)
        if is_business_day(start + timedelta(days=i), subdivision=subdivision)
    ]
    assert len(between) == days
    assert days == 0 or is_business_day(end, subdivision=subdivision)
