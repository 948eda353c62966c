"""Pure recognition calculations: how an amount is spread over periods.

Rules (issue 4, Zuora's recognition models):
- `daily`: ratably by day over [start, end): a month's share is amount × its days in
  the range ÷ the range's days.
- `monthly`: equal shares per calendar month the range touches.
- `on_date`: everything in the month of one date.
- `manual`: nothing is spread; the amount waits in the `Open-Ended` period until the
  API distributes it.
Every share but the last is rounded half-up to the currency's minor unit and the last
takes the rest (kit.rounding.split_exact), so the parts sum exactly to the amount.

Schedules and events are shown by number: `RS-00000001`, `RE-00000001`
(`schedule_number`, `event_number`; `parse_schedule_number`, `parse_event_number` read
them back).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from revledger.kit.calendar import month_start, months_between, next_month
from revledger.kit.rounding import split_exact

MAX_PERIODS = 250
"""Zuora: a schedule spans at most 250 accounting periods."""


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


# --- numbers ------------------------------------------------------------------------------


def schedule_number(number: int) -> str:
    """A schedule's number as shown: `RS-00000001`."""
    return f"RS-{number:08d}"


def event_number(number: int) -> str:
    """An event's number as shown: `RE-00000001`."""
    return f"RE-{number:08d}"


def parse_schedule_number(text: str, *, loose: bool = False) -> int | None:
    """The number `schedule_number` wrote, or None when `text` is not one.

    Exact by default (`RS-` and eight digits, as in a schedule's path). `loose` also
    takes any case, 1 to 15 digits and surrounding whitespace (`rs-42 `), as the
    journal's filters do."""
    return _parse_number("RS", text, loose)


def parse_event_number(text: str, *, loose: bool = False) -> int | None:
    """The number `event_number` wrote, or None; `loose` as in `parse_schedule_number`."""
    return _parse_number("RE", text, loose)


_LOOSE_NUMBER = {prefix: re.compile(rf"{prefix}-(\d{{1,15}})", re.I) for prefix in ("RS", "RE")}


def _parse_number(prefix: str, text: str, loose: bool) -> int | None:
    if loose:
        match = _LOOSE_NUMBER[prefix].fullmatch(text.strip())
        return int(match.group(1)) if match else None
    if len(text) == 11 and text.startswith(f"{prefix}-") and text[3:].isdigit():
        return int(text[3:])
    return None
