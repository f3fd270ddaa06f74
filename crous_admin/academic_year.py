"""Academic years, named by the calendar year they start in: 2026 is "2026-2027"."""

from __future__ import annotations

from datetime import date

from django.core.validators import MaxValueValidator, MinValueValidator

# An academic year starts on 1 September in every Crous.
START_MONTH = 9

academic_year_validators = [MinValueValidator(2000), MaxValueValidator(2100)]


def academic_year_of(day: date) -> int:
    return day.year if day.month >= START_MONTH else day.year - 1


def academic_year_label(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"


def academic_year_bounds(start_year: int) -> tuple[date, date]:
    """First and last day of the academic year (1 September to 31 August)."""
    return date(start_year, START_MONTH, 1), date(start_year + 1, START_MONTH - 1, 31)
