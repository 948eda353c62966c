"""Property through HTTP: for every period, billed = recognized to date + deferred, and
the figures are the invoices' own (billed in the month of their date, recognized ratably
by day), the same in the three reports."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revledger.db import Database
from revledger.kit.calendar import months_between as months
from tests.conftest import make_tenant
from tests.metrics.helpers import Billing, other, sub
from tests.reports.helpers import DEFERRED, RECOGNIZED, WATERFALL, check_identities, report

BASE = date(2026, 1, 1)
counter = itertools.count()

subscription = st.tuples(
    st.integers(0, 400),  # start offset in days
    st.integers(1, 400),  # length in days
    st.integers(1, 10_000_000),  # amount_cents
)
single = st.tuples(
    st.sampled_from(["one-time", "refund"]),
    st.integers(0, 500),  # day offset
    st.integers(1, 1_000_000),
    st.sampled_from(["USD", "EUR"]),
)
month_offset = st.integers(0, 20)


def month_of(day: date) -> date:
    return day.replace(day=1)


def exact_recognized(invoices: list[tuple[date, date, int]], through: date) -> Fraction:
    """Σ of each subscription's amount × its days before the end of `through`'s month
    ÷ its days (cents, exact)."""
    cut = date(through.year + through.month // 12, through.month % 12 + 1, 1)
    total = Fraction(0)
    for start, end, cents in invoices:
        days = (min(end, cut) - start).days
        if days > 0:
            total += Fraction(cents * days, (end - start).days)
    return total


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(subscription, min_size=1, max_size=6),
    st.lists(single, max_size=4),
    month_offset,
    month_offset,
)
def test_billed_is_recognized_to_date_plus_deferred(
    database: Database, client: TestClient, subs: Any, singles: Any, a: int, b: int
) -> None:
    tenant = make_tenant(
        database, TestClient(client.app, raise_server_exceptions=False), f"p{next(counter)}"
    )
    billing = Billing(tenant, database)
    billing.customers("c", "r")
    billing.plan("p", 100, unit="day")
    items: list[dict[str, Any]] = []
    spans: list[tuple[date, date, int]] = []
    billed: dict[tuple[str, date], int] = {}  # (currency, month) -> cents
    for n, (offset, length, cents) in enumerate(subs):
        start = BASE + timedelta(days=offset)
        end = start + timedelta(days=length)
        items.append(sub(f"s{n}", "c", "p", f"sub{n}", str(start), str(end), cents))
        spans.append((start, end, cents))
        billed[("USD", month_of(start))] = billed.get(("USD", month_of(start)), 0) + cents
    for n, (kind, offset, cents, currency) in enumerate(singles):
        day = BASE + timedelta(days=offset)
        # refunds of a customer without one-time charges: negative schedules of their own
        customer = "r" if kind == "refund" else "c"
        items.append(other(f"o{n}", customer, kind, str(day), cents, currency=currency))
        signed = -cents if kind == "refund" else cents
        billed[(currency, month_of(day))] = billed.get((currency, month_of(day)), 0) + signed
    assert {r["import_status"] for r in billing.invoices(*items)} == {"inserted"}

    first, last = sorted(months(BASE, BASE + timedelta(days=620))[i] for i in (a, b))
    params = {"start_period": first.isoformat()[:7], "end_period": last.isoformat()[:7]}
    water = report(tenant.http, WATERFALL, **params)
    check_identities(water)
    recog = report(tenant.http, RECOGNIZED, **params)
    recognized_totals = {t["currency"]: t["recognized"] for t in recog["totals"]}
    singles_recognized: dict[tuple[str, date], int] = {}
    for kind, offset, cents, currency in singles:
        key = (currency, month_of(BASE + timedelta(days=offset)))
        singles_recognized[key] = singles_recognized.get(key, 0) + (
            -cents if kind == "refund" else cents
        )
    for s in water["summary"]:
        currency, period = s["currency"], date.fromisoformat(s["period_start"])
        cents = Decimal(100)
        # billed to date: the invoices dated up to the end of the period, exactly
        expected = sum(v for (c, m), v in billed.items() if c == currency and m <= period)
        assert Decimal(s["billed_to_date"]) * cents == expected, s
        # recognized to date: ratably by day, within half a cent per month touched
        exact = sum(
            (
                Fraction(v)
                for (c, m), v in singles_recognized.items()
                if c == currency and m <= period
            ),
            Fraction(0),
        )
        if currency == "USD":
            exact += exact_recognized(spans, period)
        slack = Fraction(len(spans) * 15, 2)
        assert abs(Fraction(Decimal(s["recognized_to_date"]) * cents) - exact) <= slack, s
        # the same figures in the other two reports
        assert recognized_totals.get(currency, {}).get(s["period"], "0.00") == s["recognized"]
    end = water["periods"][-1]["end_date"]
    deferred = {t["currency"]: t for t in report(tenant.http, DEFERRED, as_of=end)["totals"]}
    last_summary = {s["currency"]: s for s in water["summary"] if s["period_start"] == str(last)}
    assert set(deferred) == set(last_summary)
    for currency, s in last_summary.items():
        assert deferred[currency]["deferred"] == s["deferred"]
        assert deferred[currency]["billed"] == s["billed_to_date"]
