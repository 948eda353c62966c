"""Summary, movements and status reports; the recalculation worker."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from revledger.app import create_app
from revledger.db import Database
from revledger.metrics.jobs import run_until_idle
from tests.conftest import make_tenant
from tests.metrics.helpers import Billing, sub


def _month_invoices(
    customer: str, plan: str, amount: int, months: list[str], subscription: str
) -> list:
    return [
        sub(f"{customer}_{start}", customer, plan, subscription, start, end, amount)
        for start, end in itertools.pairwise(months)
    ]


def test_summary_rates_for_a_month(billing: Billing) -> None:
    """Month ending 2024-03-31, i.e. (Feb 29, Mar 31]. At the start: A 100.00, B 200.00,
    C 100.00, D 100.00 = 500.00 from 4 customers. In March B lapses (-200.00), C upgrades
    to 150.00 (+50.00), D downgrades to 60.00 (-40.00) and E starts at 300.00."""
    billing.customers("A", "B", "C", "D", "E")
    for plan, amount in (
        ("p10", 10000),
        ("p20", 20000),
        ("p15", 15000),
        ("p6", 6000),
        ("p30", 30000),
    ):
        billing.plan(plan, amount)
    months = ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01"]
    billing.invoices(
        *_month_invoices("A", "p10", 10000, months, "sa"),
        *_month_invoices("B", "p20", 20000, months[:3], "sb"),
        *_month_invoices("C", "p10", 10000, months[:4], "sc"),
        sub("C_up", "C", "p15", "sc", "2024-03-10", "2024-04-10", 15000),
        *_month_invoices("D", "p10", 10000, months[:4], "sd"),
        sub("D_down", "D", "p6", "sd", "2024-03-15", "2024-04-15", 6000),
        sub("E_1", "E", "p30", "se", "2024-03-05", "2024-04-05", 30000),
    )
    billing.work()
    body = billing.http.get("/api/v1/metrics/summary", params={"date": "2024-03-31"}).json()
    assert body["data"] == {
        "date": "2024-03-31",
        "period_start": "2024-02-29",
        "mrr": 61000,
        "arr": 732000,
        "arpa": 15250,
        "customers": 4,
        "customer_churn_rate": "0.2500",  # 1 of 4
        "mrr_churn_rate": "0.4800",  # (200.00 + 40.00) / 500.00
        "net_mrr_retention": "0.6200",  # (500.00 + 50.00 - 40.00 - 200.00) / 500.00
    }
    assert body["meta"] == {
        "currency": "USD",
        "date": "2024-03-31",
        "missing_exchange_rates": [],
    }
    assert [e["days_ago"] for e in body["earlier"]] == [30, 60, 180, 365]
    assert body["earlier"][0]["date"] == "2024-03-01"
    assert body["earlier"][0]["mrr"] == 30000  # A 100.00 + C 100.00 + D 100.00
    assert body["earlier"][3]["customer_churn_rate"] is None  # no customers a year before
    churns = billing.http.get(
        "/api/v1/metrics/movements",
        params={"start_date": "2024-03-01", "end_date": "2024-03-31", "type": "churn"},
    ).json()["data"]
    assert [(m["customer_id"], m["amount"]) for m in churns] == [("B", -20000)]
    quarter = billing.mrr("2024-01-01", "2024-06-30", "quarter")
    assert [(p["date"], p["mrr"]) for p in quarter] == [("2024-03-31", 61000), ("2024-06-30", 0)]
    assert quarter[0]["new"] == 50000 + 30000
    assert (
        sum(
            p[k]
            for p in quarter
            for k in ("new", "expansion", "contraction", "churn", "reactivation")
        )
        == 0
    )


def test_series_parameters(billing: Billing) -> None:
    get = billing.http.get
    ok = get(
        "/api/v1/metrics/mrr",
        params={"start_date": "2024-01-03", "end_date": "2024-01-20", "interval": "week"},
    )
    assert [p["date"] for p in ok.json()["data"]] == ["2024-01-07", "2024-01-14", "2024-01-20"]
    assert ok.json()["meta"] == {
        "currency": "USD",
        "interval": "week",
        "start_date": "2024-01-03",
        "end_date": "2024-01-20",
        "missing_exchange_rates": [],
    }
    year = get(
        "/api/v1/metrics/mrr",
        params={"start_date": "2023-06-01", "end_date": "2024-02-10", "interval": "year"},
    )
    assert [p["date"] for p in year.json()["data"]] == ["2023-12-31", "2024-02-10"]
    for params in (
        {"start_date": "2024-01-01"},
        {"start_date": "2024-01-01", "end_date": "2023-01-01"},
        {"start_date": "2024-02-30", "end_date": "2024-03-01"},
        {"start_date": "2024-01-01", "end_date": "2024-03-01", "interval": "fortnight"},
        {"start_date": "1900-01-01", "end_date": "2100-01-01", "interval": "day"},
    ):
        response = get("/api/v1/metrics/mrr", params=params)
        assert response.status_code == 422, params
    assert (
        get(
            "/api/v1/metrics/mrr",
            params={"start_date": "2024-01-01", "end_date": "2024-01-02", "source": "x"},
        ).status_code
        == 404
    )


def test_source_filter(billing: Billing, database: Database) -> None:
    second = Billing(billing.tenant, database, source="paddle")
    for b in (billing, second):
        b.customers("cus_1")
        b.plan("pro", 1000 if b is billing else 2000)
        b.invoices(
            sub(
                "inv_1",
                "cus_1",
                "pro",
                "s",
                "2024-01-01",
                "2024-02-01",
                1000 if b is billing else 2000,
            )
        )
    billing.work()
    assert billing.mrr_on("2024-01-10")["mrr"] == 3000
    assert billing.mrr_on("2024-01-10", source="paddle")["mrr"] == 2000
    assert billing.mrr_on("2024-01-10", source=billing.source_id)["mrr"] == 1000


def _customers_with_invoices(billing: Billing, n: int) -> None:
    billing.plan("pro", 1000)
    billing.customers(*[f"c{i}" for i in range(n)])
    billing.invoices(
        *[sub(f"i{i}", f"c{i}", "pro", f"s{i}", "2024-01-01", "2024-02-01", 1000) for i in range(n)]
    )


def test_two_workers_share_the_work_without_doing_a_customer_twice(
    billing: Billing, database: Database
) -> None:
    _customers_with_invoices(billing, 40)
    done: list[int] = []
    threads = [
        threading.Thread(
            target=lambda: done.append(run_until_idle(database, 3, billing.tenant.workspace_id))
        )
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(done) == 40
    day = billing.mrr_on("2024-01-15")
    assert (day["mrr"], day["customers"]) == (40000, 40)


def test_in_process_worker(database: Database) -> None:
    app = create_app(database, worker=True)
    with TestClient(app, raise_server_exceptions=False) as http:
        tenant = make_tenant(database, http)
        billing = Billing(tenant, database)
        _customers_with_invoices(billing, 3)
        deadline = time.monotonic() + 20
        while http.get("/api/v1/metrics/status").json()["data"]["pending_customers"]:
            assert time.monotonic() < deadline, "the in-process worker did not run"
            time.sleep(0.05)
        assert billing.mrr_on("2024-01-15")["mrr"] == 3000


def test_rolled_back_import_leaves_no_mark(billing: Billing, database: Database) -> None:
    from sqlalchemy import func, select

    from revledger.invoices.service import import_invoices
    from revledger.kit.items import ImportStatus
    from revledger.metrics.models import MetricsPending

    billing.plan("pro", 1000)
    billing.customers("c1")
    session = database.session(write=True)
    try:
        (result,) = import_invoices(
            session,
            billing.tenant.workspace_id,
            [
                {
                    "data_source": "stripe",
                    **sub("i1", "c1", "pro", "s1", "2024-01-01", "2024-02-01", 1000),
                }
            ],
        )
        assert result.status is ImportStatus.INSERTED
        session.rollback()
        count = session.scalar(
            select(func.count()).where(MetricsPending.workspace_id == billing.tenant.workspace_id)
        )
        assert count == 0
    finally:
        session.close()


def test_worker_command(billing: Billing, database: Database, monkeypatch: Any) -> None:
    from revledger.cli import app as cli

    _customers_with_invoices(billing, 2)
    monkeypatch.setenv("REVLEDGER_DATABASE_URL", database.url)
    result = CliRunner().invoke(cli, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Recalculated" in result.output
    assert billing.http.get("/api/v1/metrics/status").json()["data"]["pending_customers"] == 0
    assert billing.mrr_on("2024-01-15")["mrr"] == 2000


def test_exchange_rate_import_rules(billing: Billing) -> None:
    result = billing.post(
        "/api/v1/exchange-rates",
        [
            {"date": "2024-01-01", "currency": "EUR", "rate": "1.1"},
            {"date": "2024-01-01", "currency": "EUR", "rate": "1.10"},
            {"date": "2024-01-01", "currency": "EUR", "rate": "1.2"},
            {"date": "2024-01-01", "currency": "USD", "rate": "1"},
            {"date": "01/01/2024", "currency": "GBP", "rate": "1.3"},
            {"date": "2024-01-01", "currency": "GBP", "rate": "-1"},
            {"date": "2024-01-01", "currency": "GBP"},
        ],
    )
    assert [r["import_status"] for r in result] == [
        "inserted",
        "unchanged",
        "updated",
        "error",
        "error",
        "error",
        "error",
    ]
    assert result[3]["import_error"] == "Invalid currency 'USD': it is the reporting currency"
    assert result[4]["import_error"].startswith("Invalid date '01/01/2024'")
    assert result[5]["import_error"].startswith("Invalid rate '-1'")
    assert result[6]["import_error"] == "Missing rate"
    listed = billing.http.get("/api/v1/exchange-rates").json()["result"]
    assert listed["list"] == [
        {"date": "2024-01-01", "currency": "EUR", "rate": "1.2", "base": "USD"}
    ]


def test_movements_pages_and_filters(billing: Billing) -> None:
    _customers_with_invoices(billing, 5)
    billing.work()
    get = billing.http.get
    params = {"start_date": "2024-01-01", "end_date": "2024-12-31", "limit": 3}
    first = get("/api/v1/metrics/movements", params=params).json()
    assert [m["type"] for m in first["data"]] == ["new"] * 3
    second = get(
        "/api/v1/metrics/movements", params={**params, "cursor": first["meta"]["next_cursor"]}
    ).json()
    assert [m["type"] for m in second["data"]] == ["new", "new", "churn"]
    seen = {(m["customer_id"], m["type"]) for m in first["data"] + second["data"]}
    assert len(seen) == 6
    churn = get("/api/v1/metrics/movements", params={**params, "type": "churn", "limit": 10}).json()
    assert [(m["date"], m["amount"]) for m in churn["data"]] == [("2024-02-01", -1000)] * 5
    assert "next_cursor" not in churn["meta"]
    bad = get("/api/v1/metrics/movements", params={**params, "type": "upgrade"})
    assert bad.status_code == 422
    assert get("/api/v1/metrics/movements", params={**params, "cursor": "x"}).status_code == 422
