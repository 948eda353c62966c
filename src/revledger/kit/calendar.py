"""Calendar and accounting-period arithmetic: months, Zuora's period names, intervals.

An accounting period is a calendar month, identified by its first day. Dates that
decide a period stay within the years 1900–2999 (a guard against typos, and far from
the calendar's ends); the `Open-Ended` period of schedules waiting for a manual
distribution is a date beyond them, so no period name can ever name it.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from revledger.errors import field_error

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MIN_YEAR, MAX_YEAR = 1900, 2999
OPEN_ENDED = date(9999, 12, 1)
"""The first day of Zuora's `Open-Ended` period: where unscheduled amounts wait."""
OPEN_ENDED_NAME = "Open-Ended"
INTERVAL_UNITS = ("day", "week", "month", "year")
"""The units of a plan's billing interval."""
RECOGNITION_RULES = ("daily", "monthly", "on_date", "manual")
"""How an amount may be spread over periods (the rules themselves: recognition/rules.py)."""

_NAME = re.compile(r"([A-Za-z]{3})'(\d{4})")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(start: date) -> date:
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def month_end(start: date) -> date:
    """The last day of the month starting on `start`."""
    return next_month(start) - timedelta(days=1)


def minus_month(day: date) -> date:
    """The same day a month earlier, or that month's last day when it is shorter."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def bucket_end(day: date, interval: str) -> date:
    """The last day of the day, ISO week, month, quarter or year that holds `day`."""
    if interval == "day":
        return day
    if interval == "week":  # ISO weeks, Monday to Sunday
        return day + timedelta(days=6 - day.weekday())
    if interval == "month":
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if interval == "quarter":
        month = ((day.month - 1) // 3) * 3 + 3
        return date(day.year, month, calendar.monthrange(day.year, month)[1])
    return date(day.year, 12, 31)


def month_index(start: date) -> int:
    """Months since year 0: consecutive months have consecutive indexes."""
    return start.year * 12 + start.month - 1


def from_index(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Month starts from `first`'s month to `last`'s month, inclusive."""
    return [from_index(i) for i in range(month_index(first), month_index(last) + 1)]


def period_name(start: date) -> str:
    """Zuora's name for a monthly period: `Oct'2013`."""
    return f"{MONTHS[start.month - 1]}'{start.year}"


def parse_period(text: str) -> date:
    """`Oct'2013` (any case) or `2013-10` -> the period's first day; ValueError otherwise."""
    value = text.strip()
    match = _NAME.fullmatch(value)
    if match:
        month = match.group(1).capitalize()
        if month in MONTHS and MIN_YEAR <= int(match.group(2)) <= MAX_YEAR:
            return date(int(match.group(2)), MONTHS.index(month) + 1, 1)
    match = _YEAR_MONTH.fullmatch(value)
    if match and 1 <= int(match.group(2)) <= 12 and MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        return date(int(match.group(1)), int(match.group(2)), 1)
    raise ValueError(
        f"'{text}' is not a period: use a name like Mar'2026 or 2026-03 "
        f"(years {MIN_YEAR}–{MAX_YEAR})"
    )


def period_param(name: str, value: str) -> date:
    """A request parameter naming a period -> its first day; a validation error naming
    the parameter otherwise."""
    try:
        return parse_period(value)
    except ValueError as exc:
        raise field_error(name, str(exc)) from None


def check_year(day: date) -> date:
    """A date that decides a period, within the years 1900–2999; ValueError otherwise."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(f"must be in the years {MIN_YEAR}–{MAX_YEAR}")
    return day
