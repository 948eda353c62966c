"""Regressions from the issue-3 review: large amounts, failing customers isolated, far
dates, cancellations on a period's first day, ISO 4217 exponents, missing rates in meta.

Every number below is computed by hand, in minor units."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from revledger.db import Database
from revledger.kit.sql import is_sqlite_url
from revledger.metrics import jobs
from revledger.metrics import repository as metrics_repo
from revledger.metrics.rules import MRR_SCALE
from tests.conftest import Tenant
from tests.metrics.helpers import Billing, other, sub

IDR_MONTHLY = 150_000_000_000  # IDR 1,500,000,000.00 a month


def _status(billing: Billing) -> dict[str, Any]:
    response = billing.http.get("/api/v1/metrics/status")
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def test_two_large_idr_customers_are_exact(billing: Billing) -> None:
    """2 × 150,000,000,000 minor units: 9.98·10¹⁸ units, beyond a BIGINT. PostgreSQL
    stores NUMERIC(38,0); on SQLite each day's row still fits 64 bits and the totals are
    summed exactly in Python."""
    response = billing.http.patch("/api/v1/workspace", json={"reporting_currency": "IDR"})
    assert response.status_code == 200, response.text
    billing.customers("c1", "c2")
    billing.plan("m", 100, currency="IDR")
    billing.invoices(
        sub("i1", "c1", "m", "s1", "2024-01-01", "2024-03-01", IDR_MONTHLY, currency="IDR"),
        sub("i2", "c2", "m", "s2", "2024-01-02", "2024-03-02", IDR_MONTHLY, currency="IDR"),
    )
    assert billing.work() == 2
    assert _status(billing)["failed_customers"] == []
    jan, feb, mar = billing.mrr("2024-01-01", "2024-03-31")
    assert jan["mrr"] == 300_000_000_000 and jan["new"] == 300_000_000_000
    assert jan["customers"] == 2
    assert feb["mrr"] == 300_000_000_000
    assert mar["mrr"] == 0 and mar["churn"] == -300_000_000_000
    response = billing.http.get("/api/v1/metrics/summary", params={"date": "2024-02-15"})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["mrr"] == 300_000_000_000
    assert data["arr"] == 3_600_000_000_000
    assert data["arpa"] == IDR_MONTHLY
    assert data["net_mrr_retention"] == "1.0000"
    response = billing.http.get(
        "/api/v1/metrics/movements", params={"start_date": "2024-01-01", "end_date": "2024-01-31"}
    )
    assert [m["after"] for m in response.json()["data"]] == [IDR_MONTHLY, IDR_MONTHLY]
    response = billing.http.get(f"/api/v1/customers/{billing.source_id}/c1")
    assert response.status_code == 200, response.text


def test_units_come_back_as_exact_ints(billing: Billing, database: Database) -> None:
    """An amount whose units need all 63 bits comes back as the same int, never a float
    (SQLAlchemy's Numeric goes through float on SQLite)."""
    billing.customers("c1")
    billing.plan("m", 100)
    amount = 277_000_000_003  # × 33,264,000 = 9,214,128,099,792,000 units... per month
    billing.invoices(sub("i1", "c1", "m", "s1", "2024-01-01", "2024-02-01", amount))
    billing.work()
    assert billing.mrr_on("2024-01-15")["mrr"] == amount
    with database.session() as session:
        rows = metrics_repo.movements_page(
            session,
            billing.tenant.workspace_id,
            date(2024, 1, 1),
            date(2024, 2, 1),
            None,
            None,
            None,
            10,
        )
    assert (type(rows[0].after_units), rows[0].after_units) == (int, amount * MRR_SCALE)
    assert all(type(r.before_units) is int for r in rows)


def test_amount_cents_is_capped_with_a_clear_error(billing: Billing) -> None:
    billing.customers("c1")
    billing.plan("m", 100)
    result = billing.invoices(
        sub("big", "c1", "m", "s1", "2024-01-01", "2024-02-01", 10**13),
        sub("max", "c1", "m", "s2", "2024-01-01", "2024-02-01", 10**13 - 1),
    )
    assert result[0]["import_status"] == "error"
    assert result[0]["import_error"].startswith("Invalid amount_cents '10000000000000': ")
    assert result[0]["import_error"].endswith("must be below 10^13 (at most 9999999999999)")
    assert result[1]["import_status"] == "inserted"
    billing.work()
    status = _status(billing)
    assert status["pending_customers"] == 0
    if is_sqlite_url(billing.database.url):
        # beyond 64 bits of units: SQLite cannot store it; reported, never rounded
        assert [f["customer_id"] for f in status["failed_customers"]] == ["c1"]
    else:
        assert status["failed_customers"] == []
        assert billing.mrr_on("2024-01-15")["mrr"] == 10**13 - 1


def _fail_customers_with(monkeypatch: pytest.MonkeyPatch, amount: int) -> None:
    """Make the recalculation of any customer with a movement of `amount` a month hit a
    real database error (a NOT NULL violation) inside the worker's transaction."""
    original = metrics_repo.insert_rows

    def insert_rows(session: Any, table: Any, columns: Any, rows: list[Any]) -> None:
        if table.name == "mrr_movements" and any(r[6] == amount * MRR_SCALE for r in rows):
            session.execute(
                text(
                    "INSERT INTO metrics_state (workspace_id, last_recalculated_at)"
                    " VALUES (NULL, NULL)"
                )
            )
        original(session, table, columns, rows)

    monkeypatch.setattr(metrics_repo, "insert_rows", insert_rows)


def test_a_failing_customer_never_stops_the_others(
    billing: Billing, other_tenant: Tenant, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_billing = Billing(other_tenant, database)
    for b in (billing, other_billing):
        b.customers("good", "bad")
        b.plan("m", 100)
        b.invoices(
            sub("g1", "good", "m", "s1", "2024-01-01", "2024-02-01", 9900),
            sub("b1", "bad", "m", "s2", "2024-01-01", "2024-02-01", 666),
        )
    _fail_customers_with(monkeypatch, 666)
    # both workspaces in one batch, as the background worker claims them
    done = jobs.run_until_idle(database)
    assert done >= 4
    assert jobs.run_once(database) == 0  # nothing left to retry in a loop
    for b in (billing, other_billing):
        status = _status(b)
        assert status["pending_customers"] == 0
        assert status["last_recalculated_at"] is not None
        assert status["missing_exchange_rates"] == []
        [failed] = status["failed_customers"]
        assert failed["customer_id"] == "bad" and failed["source_id"] == b.source_id
        assert "IntegrityError" in failed["error"] or "NotNull" in failed["error"]
        assert failed["failed_at"]
        day = b.mrr_on("2024-01-15")
        assert day["mrr"] == 9900 and day["customers"] == 1
    # fixed and imported again: recalculated, no longer reported
    monkeypatch.undo()
    billing.invoices(sub("b1", "bad", "m", "s2", "2024-01-01", "2024-02-01", 667))
    assert _status(billing)["pending_customers"] == 1
    billing.work()
    assert _status(billing)["failed_customers"] == []
    assert billing.mrr_on("2024-01-15")["mrr"] == 9900 + 667
    assert len(_status(other_billing)["failed_customers"]) == 1


def test_a_python_error_is_isolated_too(billing: Billing, monkeypatch: pytest.MonkeyPatch) -> None:
    billing.customers("good", "bad")
    billing.plan("m", 100)
    billing.invoices(
        sub("g1", "good", "m", "s1", "2024-01-01", "2024-02-01", 9900),
        sub("b1", "bad", "m", "s2", "2024-01-01", "2024-02-01", 666),
    )
    original = jobs.monthly_units

    def monthly_units(amount: int, *args: Any) -> int:
        if amount == 666:
            raise OverflowError("boom")
        return original(amount, *args)

    monkeypatch.setattr(jobs, "monthly_units", monthly_units)
    assert billing.work() == 2
    [failed] = _status(billing)["failed_customers"]
    assert failed["customer_id"] == "bad" and failed["error"] == "OverflowError: boom"
    assert billing.mrr_on("2024-01-15")["mrr"] == 9900


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:00:00Z",
        "3000-01-01T00:00:00Z",
        "1899-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z",
    ],
)
def test_dates_out_of_range_are_refused(billing: Billing, value: str) -> None:
    billing.customers("c1")
    billing.plan("m", 100)
    for name in ("date", "start_date", "end_date"):
        item = sub("i1", "c1", "m", "s1", "2024-01-01", "2024-02-01", 9900)
        item[name] = value
        if name == "start_date":
            item["end_date"] = "3000-06-01T00:00:00Z" if value > "2" else item["end_date"]
        [result] = billing.invoices(item)
        assert result["import_status"] == "error"
        assert f"Invalid {name} '{value}': is out of range" in result["import_error"]


def test_extreme_dates_with_a_timezone_still_recalculate(billing: Billing) -> None:
    response = billing.http.patch("/api/v1/workspace", json={"timezone": "Pacific/Kiritimati"})
    assert response.status_code == 200, response.text
    billing.customers("c1", "c2")
    billing.plan("m", 100)
    far = sub("i1", "c1", "m", "s1", "2024-01-01", "2024-02-01", 9900)
    far["end_date"] = "2999-12-31T23:59:59Z"  # 3000-01-01 in Kiritimati (UTC+14)
    early = sub("i2", "c2", "m", "s2", "2024-01-01", "2024-02-01", 100)
    early["date"] = early["start_date"] = "1900-01-01T00:00:00Z"
    assert [r["import_status"] for r in billing.invoices(far, early)] == ["inserted"] * 2
    billing.work()
    assert _status(billing)["failed_customers"] == []
    for customer in ("c1", "c2"):
        response = billing.http.get(f"/api/v1/customers/{billing.source_id}/{customer}")
        assert response.status_code == 200, response.text
    # midnight UTC is 14:00 in Kiritimati: 2024-01-01 is a day of both subscriptions
    assert billing.mrr_on("2024-01-15")["mrr"] == 9900 + 100


def test_cancellation_on_a_periods_first_day(billing: Billing) -> None:
    """Jan 1 – Feb 1 and Feb 1 – Mar 1 at 9,900, cancelled on February 1: churn on
    February 1 (not March 1)."""
    billing.customers("c1")
    billing.plan("m", 9900)
    billing.invoices(
        sub("i1", "c1", "m", "s1", "2024-01-01", "2024-02-01", 9900),
        sub("i2", "c1", "m", "s1", "2024-02-01", "2024-03-01", 9900),
        other("x1", "c1", "cancellation", "2024-02-01", subscription_id="s1"),
    )
    billing.work()
    assert billing.mrr_on("2024-01-31")["mrr"] == 9900
    feb1 = billing.mrr_on("2024-02-01")
    assert feb1["mrr"] == 0 and feb1["churn"] == -9900 and feb1["customers"] == 0
    jan, feb, mar = billing.mrr("2024-01-01", "2024-03-31")
    assert (jan["mrr"], feb["mrr"], mar["mrr"]) == (9900, 0, 0)
    assert (feb["churn"], mar["churn"]) == (-9900, 0)


def test_signup_and_cancellation_on_the_same_day(billing: Billing) -> None:
    billing.customers("c1")
    billing.plan("m", 9900)
    billing.invoices(
        sub("i1", "c1", "m", "s1", "2024-01-01", "2024-02-01", 9900),
        other("x1", "c1", "cancellation", "2024-01-01", subscription_id="s1"),
    )
    billing.work()
    [jan] = billing.mrr("2024-01-01", "2024-01-31")
    assert jan == {
        "date": "2024-01-31",
        "mrr": 0,
        "new": 0,
        "expansion": 0,
        "contraction": 0,
        "churn": 0,
        "reactivation": 0,
        "customers": 0,
    }
    response = billing.http.get(f"/api/v1/customers/{billing.source_id}/c1")
    assert response.json()["data"]["mrr"] == 0


def test_restart_after_a_cancellation_is_a_reactivation(billing: Billing) -> None:
    """9,900 for January cancelled on January 20; a new invoice dated February 1 for
    Feb 1 – Mar 1: new, churn on Jan 20, reactivation on Feb 1, churn on Mar 1."""
    billing.customers("c1")
    billing.plan("m", 9900)
    billing.invoices(
        sub("i1", "c1", "m", "s1", "2024-01-01", "2024-02-01", 9900),
        other("x1", "c1", "cancellation", "2024-01-20", subscription_id="s1"),
        sub("i2", "c1", "m", "s1", "2024-02-01", "2024-03-01", 9900),
    )
    billing.work()
    assert billing.mrr_on("2024-01-19")["mrr"] == 9900
    assert billing.mrr_on("2024-01-20")["churn"] == -9900
    feb1 = billing.mrr_on("2024-02-01")
    assert feb1["mrr"] == 9900 and feb1["reactivation"] == 9900
    assert billing.mrr_on("2024-03-01")["churn"] == -9900


def test_period_invoiced_on_the_cancellation_day_is_not_a_restart(billing: Billing) -> None:
    """A period starting on the cancellation's day, invoiced that day or before, is cut
    to nothing; invoiced the day after, it is a restart."""
    billing.customers("c1", "c2")
    billing.plan("m", 9900)
    billing.invoices(
        sub("a1", "c1", "m", "s1", "2024-01-01", "2024-02-01", 9900),
        sub("a2", "c1", "m", "s1", "2024-02-01", "2024-03-01", 9900, date="2024-01-25"),
        other("ax", "c1", "cancellation", "2024-02-01", subscription_id="s1"),
        sub("b1", "c2", "m", "s2", "2024-01-01", "2024-02-01", 5000),
        sub("b2", "c2", "m", "s2", "2024-02-01", "2024-03-01", 5000, date="2024-02-02"),
        other("bx", "c2", "cancellation", "2024-02-01", subscription_id="s2"),
    )
    billing.work()
    # c1: 0 from Feb 1. c2: the cancellation and the restart are the same day, so its
    # MRR never changes on Feb 1 (5,000 before and after); churn on Mar 1.
    assert billing.mrr_on("2024-02-15")["mrr"] == 5000
    assert billing.mrr_on("2024-02-01")["churn"] == -9900
    assert billing.mrr_on("2024-03-01")["churn"] == -5000


def test_four_decimal_currencies(billing: Billing) -> None:
    """CLF has 4 decimals (ISO 4217): 10,000 minor units are CLF 1.0000; at 40 USD per
    CLF that is 40.00 USD, 4,000 cents."""
    billing.customers("c1")
    billing.plan("m", 100)
    result = billing.post(
        "/api/v1/exchange-rates", [{"date": "2024-01-01", "currency": "CLF", "rate": "40"}]
    )
    assert result[0]["import_status"] == "inserted", result
    billing.invoices(sub("i1", "c1", "m", "s1", "2024-01-01", "2024-02-01", 10000, currency="CLF"))
    billing.work()
    assert billing.mrr_on("2024-01-15")["mrr"] == 4000


def test_missing_rates_are_in_the_meta_of_every_figure(billing: Billing) -> None:
    billing.customers("c1", "c2")
    billing.plan("m", 100)
    billing.invoices(
        sub("i1", "c1", "m", "s1", "2024-01-01", "2024-02-01", 9900),
        sub("i2", "c2", "m", "s2", "2024-01-01", "2024-02-01", 10000, currency="EUR"),
    )
    billing.work()
    missing = [{"currency": "EUR", "date": "2024-01-01", "customers": 1}]
    response = billing.http.get(
        "/api/v1/metrics/mrr", params={"start_date": "2024-01-01", "end_date": "2024-01-31"}
    )
    body = response.json()
    assert body["data"][0]["mrr"] == 9900
    assert body["meta"]["missing_exchange_rates"] == missing
    assert body["meta"]["currency"] == "USD" and body["meta"]["interval"] == "month"
    response = billing.http.get("/api/v1/metrics/summary", params={"date": "2024-01-15"})
    meta = response.json()["meta"]
    assert meta == {"currency": "USD", "date": "2024-01-15", "missing_exchange_rates": missing}
    billing.post(
        "/api/v1/exchange-rates", [{"date": "2024-01-01", "currency": "EUR", "rate": "1.1"}]
    )
    billing.work()
    response = billing.http.get("/api/v1/metrics/summary", params={"date": "2024-01-15"})
    assert response.json()["meta"]["missing_exchange_rates"] == []
    assert response.json()["data"]["mrr"] == 9900 + 11000


def test_marking_by_currency_upserts_in_key_order(billing: Billing, database: Database) -> None:
    """Imports lock their marks in customer order; marking every customer with invoices
    in a currency (a posted rate) must too, or the two can deadlock."""
    from sqlalchemy import event

    billing.customers("c1", "c2", "c3")
    billing.plan("m", 100)
    billing.invoices(
        *(
            sub(f"i{n}", f"c{n}", "m", f"s{n}", "2024-01-01", "2024-02-01", 1000, currency="EUR")
            for n in (1, 2, 3)
        )
    )
    billing.work()
    statements: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "metrics_pending" in statement and statement.lstrip().upper().startswith("INSERT"):
            statements.append(" ".join(statement.split()))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        billing.post(
            "/api/v1/exchange-rates", [{"date": "2024-01-01", "currency": "EUR", "rate": "1.1"}]
        )
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    assert statements and all("ORDER BY" in s.upper() for s in statements), statements
    assert _status(billing)["pending_customers"] == 3
    billing.work()
    assert billing.mrr_on("2024-01-15")["mrr"] == 3 * 1100
