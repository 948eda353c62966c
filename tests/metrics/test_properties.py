"""Property: over any date range, the movements sum to MRR at its end minus MRR at its start."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revledger.db import Database
from revledger.metrics.rules import (
    Period,
    change_points,
    monthly_units,
    movements,
    mrr_on,
    segments,
)
from tests.metrics.helpers import Billing, other, sub

BASE = date(2024, 1, 1)
UNITS = ("day", "week", "month", "year")

invoice = st.tuples(
    st.integers(0, 2),  # subscription
    st.integers(0, 120),  # start offset
    st.integers(0, 60),  # length in days
    st.integers(0, 50_000),  # amount_cents
    st.sampled_from(UNITS),
    st.integers(1, 12),  # interval_count
)
history = st.lists(invoice, min_size=0, max_size=12)
cancels = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 150)), max_size=2)


@given(history, cancels, st.integers(0, 200), st.integers(0, 200))
def test_movements_sum_to_the_change_of_mrr(invoices, cancellations, a, b) -> None:  # type: ignore[no-untyped-def]
    periods = [
        Period(
            f"s{s}",
            BASE + timedelta(days=start),
            BASE + timedelta(days=start + length),
            monthly_units(amount, unit, count, Fraction(1)),
            unit,
            (n,),
        )
        for n, (s, start, length, amount, unit, count) in enumerate(invoices)
    ]
    cuts: dict[str, list[date]] = {}
    for s, day in cancellations:
        cuts.setdefault(f"s{s}", []).append(BASE + timedelta(days=day))
    points = change_points(segments(periods, cuts))
    start, end = sorted((BASE + timedelta(days=a), BASE + timedelta(days=b)))
    moved = sum(
        after - before for day, _kind, before, after in movements(points) if start < day <= end
    )
    assert moved == mrr_on(points, end) - mrr_on(points, start)
    assert all(total >= 0 for _day, total in points)


counter = itertools.count()
whole_cent_plan = st.sampled_from([("m", 1), ("q", 3), ("y", 12)])
api_invoice = st.tuples(
    st.integers(0, 2),  # customer
    st.integers(0, 1),  # subscription of that customer
    st.integers(0, 90),  # start offset
    st.integers(1, 120),  # length
    st.integers(0, 2_000),  # amount in units of the plan's months, so MRR is whole cents
    whole_cent_plan,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(api_invoice, min_size=1, max_size=10),
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 1), st.integers(0, 150)), max_size=2),
    st.integers(0, 200),
    st.integers(0, 200),
)
def test_movements_sum_through_the_api(
    tenant, database: Database, invoices, cancellations, a, b
) -> None:  # type: ignore[no-untyped-def]
    billing = Billing(tenant, database, source=f"src{next(counter)}")
    billing.customers("c0", "c1", "c2")
    for name, months in (("m", 1), ("q", 3), ("y", 12)):
        billing.plan(
            name,
            1000 * months,
            unit="month" if months < 12 else "year",
            count=months if months < 12 else 1,
        )
    items = []
    for n, (c, s, start, length, amount, (plan, months)) in enumerate(invoices):
        first = BASE + timedelta(days=start)
        items.append(
            sub(
                f"i{n}",
                f"c{c}",
                plan,
                f"c{c}s{s}",
                str(first),
                str(first + timedelta(days=length)),
                amount * months,
            )
        )
    for n, (c, s, day) in enumerate(cancellations):
        items.append(
            other(
                f"x{n}",
                f"c{c}",
                "cancellation",
                str(BASE + timedelta(days=day)),
                subscription_id=f"c{c}s{s}",
            )
        )
    assert {r["import_status"] for r in billing.invoices(*items)} == {"inserted"}
    billing.work()
    start, end = sorted((BASE + timedelta(days=a), BASE + timedelta(days=b)))
    series = billing.mrr(str(start), str(end), "week", source=billing.source)
    before = billing.mrr_on(str(start - timedelta(days=1)), source=billing.source)["mrr"]
    moved = sum(
        p[k] for p in series for k in ("new", "expansion", "contraction", "churn", "reactivation")
    )
    assert moved == series[-1]["mrr"] - before


@given(st.integers(-(10**18), 10**18))
def test_units_round_half_up_like_the_money_module(units: int) -> None:
    from decimal import Decimal

    from revledger.kit.rounding import round_half_up
    from revledger.metrics.rules import MRR_SCALE, units_to_minor

    assert units_to_minor(units) == int(round_half_up(Decimal(units) / MRR_SCALE))
