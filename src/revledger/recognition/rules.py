"""Pure recognition calculations: months, period names and how an amount is spread.

Rules (issue 4, Zuora's recognition models):
- `daily`: ratably by day over [start, end): a month's share is amount × its days in
  the range ÷ the range's days.
- `monthly`: equal shares per calendar month the range touches.
- `on_date`: everything in the month of one date.
- `manual`: nothing is spread; the amount waits in the `Open-Ended` period until the
  API distributes it.
Every share but the last is rounded half-up to the currency's minor unit and the last
takes the rest (kit.rounding.split_exact), so the parts sum exactly to the amount.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from revledger.kit.rounding import split_exact

RULES = ("daily", "monthly", "on_date", "manual")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
OPEN_ENDED_NAME = "Open-Ended"
MIN_YEAR, MAX_YEAR = 1900, 2999
MAX_PERIODS = 250
"""Zuora: a schedule spans at most 250 accounting periods."""

_NAME = re.compile(r"([A-Za-z]{3})'(\d{4})")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(start: date) -> date:
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def month_end(start: date) -> date:
    """The last day of the month starting on `start`."""
    return next_month(start) - timedelta(days=1)


def months_between(first: date, last: date) -> list[date]:
    """Month starts from `first`'s month to `last`'s month, inclusive."""
    out = []
    current = month_start(first)
    while current <= last:
        out.append(current)
        current = next_month(current)
    return out


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


def check_year(day: date) -> date:
    """Dates that decide a period stay within 1900–2999, as revenue records' do (a guard
    against typos, and far from the calendar's ends)."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(f"must be in the years {MIN_YEAR}–{MAX_YEAR}")
    return day


def spread(rule: str, amount: int, start: date, end: date, quantum: int) -> dict[date, int]:
    """How `amount` (ledger units) falls into months under `rule` over [start, end).

    `on_date` (and any rule over an empty range) puts everything in `start`'s month;
    `manual` returns nothing (the caller keeps it in Open-Ended). Every month the range
    touches is there, even when its share rounds to zero.
    """
    if rule == "manual":
        return {}
    if rule == "on_date" or end <= start:
        return {month_start(start): amount}
    months = months_between(start, end - timedelta(days=1))
    if rule == "monthly":
        weights = [1] * len(months)
    else:
        weights = [(min(next_month(m), end) - max(m, start)).days for m in months]
    parts = split_exact(amount, weights, quantum)
    return dict(zip(months, parts, strict=True))


def kept_before(rule: str, amount: int, start: date, end: date, cut: date, quantum: int) -> int:
    """The part of a schedule spread over [start, end) that belongs before `cut` (a
    cancellation's date): the rest, from `cut` on, is what the cancellation reverses."""
    if cut <= start:
        return 0
    if cut >= end:
        return amount
    if rule == "daily":
        parts = split_exact(amount, [(cut - start).days, (end - cut).days], quantum)
        return parts[0]
    shares = spread(rule, amount, start, end, quantum)
    # monthly: every month the part before the cut touches keeps its whole share
    return sum(v for m, v in shares.items() if m < cut)
