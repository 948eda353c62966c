"""MRR from invoice history: pure calculations, no database (docs/metrics.md).

Exact amounts. A subscription's monthly value is `amount_cents × k / (12 × interval_count)`
with k = 12 (month), 1 (year), 52 (week: a week is 12/52 of a month) or 365 (day: 12/365),
times an exchange rate. It is kept as an integer number of *units* of 1/MRR_SCALE of a
minor unit of the reporting currency. MRR_SCALE = 12 × lcm(1..12) × 100, so the value of
every plan with an interval_count up to 12 (and many more) is an exact whole number of
units, and so is its conversion at any rate with at most two decimals; a rate with more
decimals is rounded half-up to a unit (3·10⁻⁸ of a cent), never further. Sums of units are
exact; amounts leave the API as whole minor units, rounded half-up once, at the very end.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from revledger.kit.currencies import minor_unit
from revledger.kit.rounding import divide_half_up

MRR_SCALE = 33_264_000  # 12 * 27720 * 100
MONTH_FACTOR = {"day": 365, "week": 52, "month": 12, "year": 1}
MOVEMENT_TYPES = ("new", "expansion", "contraction", "churn", "reactivation")


def units_to_minor(units: int) -> int:
    """Units -> whole minor units, half away from zero: the one rounding of every amount."""
    return divide_half_up(units, MRR_SCALE)


def monthly_units(amount_cents: int, unit: str, count: int, factor: Fraction) -> int:
    """An invoice's monthly value in units (`factor`: reporting minor units per invoice
    minor unit, positive; amounts are never negative). Exact when representable, else
    rounded half-up to one unit."""
    num = amount_cents * MONTH_FACTOR[unit] * MRR_SCALE * factor.numerator
    den = 12 * count * factor.denominator
    return divide_half_up(num, den)


class Rates:
    """Exchange rates of one workspace into its reporting currency, by currency and day."""

    def __init__(self, reporting: str, rows: Iterable[tuple[str, date, str]]) -> None:
        self.reporting = reporting
        by_currency: dict[str, list[tuple[date, Fraction]]] = {}
        for currency, day, rate in rows:
            by_currency.setdefault(currency, []).append((day, Fraction(Decimal(rate))))
        self._days: dict[str, list[date]] = {}
        self._rates: dict[str, list[Fraction]] = {}
        for currency, pairs in by_currency.items():
            pairs.sort()
            self._days[currency] = [d for d, _ in pairs]
            shift = Fraction(10) ** (minor_unit(reporting) - minor_unit(currency))
            self._rates[currency] = [r * shift for _, r in pairs]
        self._one = Fraction(1)

    def factor(self, currency: str, day: date) -> Fraction | None:
        """Reporting minor units per minor unit of `currency`: the latest rate on or before
        `day`, or None when there is none (the caller reports it, never guesses)."""
        if currency == self.reporting:
            return self._one
        days = self._days.get(currency)
        if not days:
            return None
        i = bisect_right(days, day)
        return self._rates[currency][i - 1] if i else None


class Period(NamedTuple):
    """One `subscription` invoice: [start, end) at `units` a month, on `plan`."""

    subscription: str
    start: date
    end: date
    units: int
    plan: str | None
    order: tuple[object, ...]  # ties between equal starts: later invoice date, then id
    issued: date | None = None  # the invoice's `date` (workspace day); None: start


class Segment(NamedTuple):
    subscription: str
    start: date
    end: date
    units: int
    plan: str | None


def segments(periods: Sequence[Period], cancellations: dict[str, list[date]]) -> list[Segment]:
    """Non-overlapping segments per subscription.

    On a day, a subscription's value is that of the covering period with the latest
    start (the newest period counts from its start_date). A cancellation on day c ends
    every period of its subscription that is not a restart at c (a period starting on c
    itself included: it then counts for nothing). A period is a restart, which the
    cancellation does not touch, when its invoice is dated after the cancellation.
    """
    by_sub: dict[str, list[Period]] = {}
    for p in periods:
        by_sub.setdefault(p.subscription, []).append(p)
    out: list[Segment] = []
    for sub, plist in by_sub.items():
        cuts = sorted(cancellations.get(sub, ()))
        clipped = []
        for p in plist:
            issued = p.issued
            end = min(
                [p.end, *(c for c in cuts if c >= p.start and (issued is None or issued <= c))]
            )
            if end > p.start:
                clipped.append((p.start, end, p))
        if not clipped:
            continue
        clipped.sort(key=lambda t: (t[0], t[2].order))
        if all(clipped[i][0] >= clipped[i - 1][1] for i in range(1, len(clipped))):
            # no overlap (the usual renewals): the periods are the segments
            last: Segment | None = None
            for start, end, p in clipped:
                if (
                    last is not None
                    and last.end == start
                    and last.units == p.units
                    and last.plan == p.plan
                ):
                    last = Segment(sub, last.start, end, p.units, p.plan)
                    continue
                if last is not None:
                    out.append(last)
                last = Segment(sub, start, end, p.units, p.plan)
            if last is not None:
                out.append(last)
            continue
        bounds = sorted({t[0] for t in clipped} | {t[1] for t in clipped})
        heap: list[tuple[object, ...]] = []
        i = 0
        current: Segment | None = None
        for b_index in range(len(bounds) - 1):
            b, nxt = bounds[b_index], bounds[b_index + 1]
            while i < len(clipped) and clipped[i][0] <= b:
                start, end, p = clipped[i]
                heapq.heappush(heap, (_neg(start), _Rev(p.order), i, end, p))
                i += 1
            while heap and heap[0][3] <= b:  # type: ignore[operator]
                heapq.heappop(heap)
            if not heap:
                if current is not None:
                    out.append(current)
                    current = None
                continue
            top: Period = heap[0][4]  # type: ignore[assignment]
            if (
                current is not None
                and current.end == b
                and current.units == top.units
                and current.plan == top.plan
            ):
                current = Segment(sub, current.start, nxt, top.units, top.plan)
            else:
                if current is not None:
                    out.append(current)
                current = Segment(sub, b, nxt, top.units, top.plan)
        if current is not None:
            out.append(current)
    return out


def _neg(day: date) -> int:
    return -day.toordinal()


class _Rev:
    """Reverses the order of a tuple inside a min-heap (the latest invoice wins a tie)."""

    __slots__ = ("key",)

    def __init__(self, key: tuple[object, ...]) -> None:
        self.key = key

    def __lt__(self, other: _Rev) -> bool:
        return self.key > other.key  # type: ignore[operator]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Rev) and self.key == other.key


def change_points(segs: Iterable[Segment]) -> list[tuple[date, int]]:
    """[(day, total units from that day on)] at every day the total changes."""
    deltas: dict[date, int] = {}
    for s in segs:
        deltas[s.start] = deltas.get(s.start, 0) + s.units
        deltas[s.end] = deltas.get(s.end, 0) - s.units
    out: list[tuple[date, int]] = []
    total = 0
    for day in sorted(deltas):
        d = deltas[day]
        if d == 0:
            continue
        total += d
        out.append((day, total))
    return out


def movements(points: Iterable[tuple[date, int]]) -> list[tuple[date, str, int, int]]:
    """(day, type, before, after) for each change of a customer's MRR."""
    out = []
    before = 0
    had = False
    for day, after in points:
        if after == before:
            continue
        if before == 0:
            kind = "reactivation" if had else "new"
        elif after == 0:
            kind = "churn"
        elif after > before:
            kind = "expansion"
        else:
            kind = "contraction"
        out.append((day, kind, before, after))
        if after > 0:
            had = True
        before = after
    return out


def mrr_on(points: Sequence[tuple[date, int]], day: date) -> int:
    """The total of change points on `day` (0 before the first)."""
    value = 0
    for d, total in points:
        if d > day:
            break
        value = total
    return value
