"""Properties: every journal entry balances, the trial balance sums to zero, and the
batches of a closed period add up to exactly what the period holds (nothing sent twice,
nothing lost) — over random invoices, revenue records, closes and reopens, through HTTP."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revledger.db import Database
from tests.conftest import make_tenant
from tests.journal.helpers import Books, net, totals
from tests.metrics.helpers import sub

BASE = date(2026, 1, 1)
CURRENCIES = ("USD", "EUR", "JPY")
counter = itertools.count()

invoice = st.tuples(
    st.just("invoice"),
    st.sampled_from(("subscription", "one-time", "refund")),
    st.integers(0, 150),  # start offset in days
    st.integers(0, 200),  # length in days
    st.integers(0, 1_000_000),  # amount_cents
    st.sampled_from(CURRENCIES),
)
update = st.tuples(st.just("update"), st.integers(0, 5), st.integers(0, 1_000_000))
record = st.tuples(
    st.just("revenue"),
    st.integers(0, 200),  # day offset
    st.integers(-5_000_000, 5_000_000).filter(lambda n: n != 0),  # thousandths
    st.sampled_from(CURRENCIES),
)
data = st.one_of(invoice, update, record)
rounds = st.lists(
    st.tuples(
        st.lists(data, max_size=3),
        st.integers(0, 2),  # periods to close, earliest open first
        st.integers(0, 2),  # periods to reopen, latest closed first
    ),
    min_size=1,
    max_size=4,
)


def _day(offset: int) -> str:
    return str(BASE + timedelta(days=offset))


def _apply(books: Books, step: tuple[Any, ...], posted: list[dict[str, Any]], n: int) -> None:
    kind = step[0]
    if kind == "invoice":
        _, itype, start, length, amount, currency = step
        item = sub(
            f"i{n}", "c1", "p1", f"s{n % 3}", _day(start), _day(start + length), amount, currency
        )
        if itype != "subscription":
            item = {**item, "type": itype, "plan_id": None, "subscription_id": None}
        posted.append(item)
        result = books.invoices(item)
        assert result[0]["import_status"] == "inserted", result
    elif kind == "update" and posted:
        _, which, amount = step
        item = {**posted[which % len(posted)], "amount_cents": amount}
        result = books.invoices(item)
        assert result[0]["import_status"] in ("updated", "unchanged"), result
    elif kind == "revenue":
        _, day, milli, currency = step
        amount = Decimal(milli).scaleb(-3)
        if currency == "JPY":
            amount = Decimal(milli // 1000 or 1)
        books.revenue(f"r{n}", str(amount), _day(day), currency=currency)


def _close_or_reopen(books: Books, kind: str, times: int) -> None:
    for _ in range(times):
        status = "open" if kind == "close" else "closed"
        periods = books.get("/api/v1/accounting-periods", status=status)["data"]
        if not periods:
            return
        target = periods[0] if kind == "close" else periods[-1]
        response = books.http.post(f"/api/v1/accounting-periods/{target['id']}/{kind}")
        assert response.status_code == 200, response.text


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rounds)
def test_entries_balance_and_batches_add_up(
    database: Database, client: TestClient, steps: list[tuple[list[Any], int, int]]
) -> None:
    tenant = make_tenant(database, TestClient(client.app), f"prop{next(counter)}")
    books = Books(tenant, database)
    books.customers("c1")
    books.plan("p1", 10_000)
    posted: list[dict[str, Any]] = []
    n = itertools.count()
    for posts, closes, reopens in steps:
        for step in posts:
            _apply(books, step, posted, next(n))
        _close_or_reopen(books, "close", closes)
        _close_or_reopen(books, "reopen", reopens)
    _close_or_reopen(books, "close", 1)  # a reopened period is closed again

    # every journal entry balances, per currency
    for entry in books.entries():
        debit, credit = totals(entry["lines"]).get(entry["currency"], (Decimal(0), Decimal(0)))
        assert debit == credit, entry
        assert Decimal(entry["total_debit"]) == Decimal(entry["total_credit"]) == debit
        assert {x["currency"] for x in entry["lines"]} <= {entry["currency"]}

    periods = books.get("/api/v1/accounting-periods")["data"]
    for period in periods:
        if period["status"] == "closed" or period is periods[-1]:
            # the trial balance through a period sums to zero in every currency
            tb = books.trial_balance(period["name"])
            for total in tb["totals"]:
                assert Decimal(total["difference"]) == 0, tb
                assert total["debit"] == total["credit"], tb
        batches = books.batches(period=period["name"])
        lines = [x for b in batches for x in books.batch(b["id"])["data"]["lines"]]
        for b in batches:
            for total in b["totals"]:
                assert total["debit"] == total["credit"], b
        if period["status"] == "closed":
            # what was sent for a closed period is exactly what it holds
            held = [x for e in books.entries(period=period["name"]) for x in e["lines"]]
            assert net(lines) == net(held), period["name"]
            assert totals(lines) == totals(held), period["name"]
