"""Worked examples of docs/metrics.md, with every number computed by hand in cents.

Invoices are dated at midnight UTC (the workspace's timezone), so a period
[start_date, end_date) covers the days from start_date to the day before end_date.
"""

from __future__ import annotations

import itertools

from tests.metrics.helpers import Billing, other, sub


def movements_of(point: dict) -> dict:
    return {k: point[k] for k in ("new", "expansion", "contraction", "churn", "reactivation")}


def test_monthly_plan_renewed_for_three_months(billing: Billing) -> None:
    billing.customers("cus_1")
    billing.plan("pro", 9900)
    result = billing.invoices(
        sub("inv_1", "cus_1", "pro", "sub_1", "2024-01-01", "2024-02-01", 9900),
        sub("inv_2", "cus_1", "pro", "sub_1", "2024-02-01", "2024-03-01", 9900),
        sub("inv_3", "cus_1", "pro", "sub_1", "2024-03-01", "2024-04-01", 9900),
    )
    assert [r["import_status"] for r in result] == ["inserted"] * 3
    assert billing.work() == 1
    series = billing.mrr("2024-01-01", "2024-04-30")
    assert [p["date"] for p in series] == ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]
    assert [p["mrr"] for p in series] == [9900, 9900, 9900, 0]
    assert [p["customers"] for p in series] == [1, 1, 1, 0]
    assert movements_of(series[0]) == {
        "new": 9900,
        "expansion": 0,
        "contraction": 0,
        "churn": 0,
        "reactivation": 0,
    }
    assert (
        movements_of(series[1])
        == movements_of(series[2])
        == {"new": 0, "expansion": 0, "contraction": 0, "churn": 0, "reactivation": 0}
    )
    # No renewal after March: the subscription ends on its last end_date, April 1st.
    assert series[3]["churn"] == -9900
    assert billing.mrr_on("2024-03-31")["mrr"] == 9900
    assert billing.mrr_on("2024-04-01")["mrr"] == 0


def test_annual_plan_starting_mid_month(billing: Billing) -> None:
    billing.customers("cus_1")
    billing.plan("annual", 100000, unit="year")
    billing.invoices(sub("inv_1", "cus_1", "annual", "sub_1", "2024-01-15", "2025-01-15", 100000))
    billing.work()
    assert billing.mrr_on("2024-01-14")["mrr"] == 0
    # 100000 / 12 = 8333.33... cents a month: reported 8333.
    day = billing.mrr_on("2024-01-15")
    assert day["mrr"] == 8333 and day["new"] == 8333 and day["customers"] == 1
    series = billing.mrr("2024-01-01", "2025-01-31")
    assert len(series) == 13
    assert [p["mrr"] for p in series[:12]] == [8333] * 12
    assert series[12] == {
        "date": "2025-01-31",
        "mrr": 0,
        "new": 0,
        "expansion": 0,
        "contraction": 0,
        "churn": -8333,
        "reactivation": 0,
        "customers": 0,
    }
    # ARR is 12 × the exact MRR, rounded once: 100000, not 12 × 8333 = 99996.
    summary = billing.http.get("/api/v1/metrics/summary", params={"date": "2024-06-30"}).json()
    assert summary["data"]["mrr"] == 8333
    assert summary["data"]["arr"] == 100000
    assert summary["data"]["arpa"] == 8333


def test_upgrade_and_downgrade_mid_subscription(billing: Billing) -> None:
    billing.customers("cus_1")
    billing.plan("basic", 5000)
    billing.plan("pro", 15000)
    billing.invoices(
        sub("inv_1", "cus_1", "basic", "sub_1", "2024-01-01", "2024-02-01", 5000),
        # upgrade on Jan 16: the newest period counts from its start_date
        sub("inv_2", "cus_1", "pro", "sub_1", "2024-01-16", "2024-02-16", 15000),
        # downgrade at the renewal on Feb 16
        sub("inv_3", "cus_1", "basic", "sub_1", "2024-02-16", "2024-03-16", 5000),
    )
    billing.work()
    assert billing.mrr_on("2024-01-15")["mrr"] == 5000
    assert billing.mrr_on("2024-01-16")["expansion"] == 10000
    assert billing.mrr_on("2024-02-16")["contraction"] == -10000
    series = billing.mrr("2024-01-01", "2024-03-31")
    assert [(p["mrr"], p["new"], p["expansion"], p["contraction"], p["churn"]) for p in series] == [
        (15000, 5000, 10000, 0, 0),
        (5000, 0, 0, -10000, 0),
        (0, 0, 0, 0, -5000),
    ]
    moves = billing.http.get(
        "/api/v1/metrics/movements", params={"start_date": "2024-01-01", "end_date": "2024-12-31"}
    ).json()["data"]
    assert [(m["date"], m["type"], m["before"], m["after"], m["amount"]) for m in moves] == [
        ("2024-01-01", "new", 0, 5000, 5000),
        ("2024-01-16", "expansion", 5000, 15000, 10000),
        ("2024-02-16", "contraction", 15000, 5000, -10000),
        ("2024-03-16", "churn", 5000, 0, -5000),
    ]
    assert {m["customer_id"] for m in moves} == {"cus_1"}


def test_cancellation(billing: Billing) -> None:
    billing.customers("cus_1")
    billing.plan("pro", 9900)
    billing.invoices(
        sub("inv_1", "cus_1", "pro", "sub_1", "2024-01-01", "2024-02-01", 9900),
        sub("inv_2", "cus_1", "pro", "sub_1", "2024-02-01", "2024-03-01", 9900),
        other("inv_3", "cus_1", "cancellation", "2024-02-10", subscription_id="sub_1"),
    )
    billing.work()
    assert billing.mrr_on("2024-02-09")["mrr"] == 9900
    day = billing.mrr_on("2024-02-10")
    assert (day["mrr"], day["churn"], day["customers"]) == (0, -9900, 0)
    assert [p["mrr"] for p in billing.mrr("2024-01-01", "2024-03-31")] == [9900, 0, 0]


def test_lapse_without_renewal(billing: Billing) -> None:
    billing.customers("cus_1")
    billing.plan("pro", 9900)
    billing.invoices(sub("inv_1", "cus_1", "pro", "sub_1", "2024-01-01", "2024-02-01", 9900))
    billing.work()
    assert billing.mrr_on("2024-01-31")["mrr"] == 9900
    assert billing.mrr_on("2024-02-01")["churn"] == -9900
    assert [p["mrr"] for p in billing.mrr("2024-01-01", "2024-02-29")] == [9900, 0]


def test_reactivation_after_churn(billing: Billing) -> None:
    billing.customers("cus_1")
    billing.plan("pro", 9900)
    billing.invoices(
        sub("inv_1", "cus_1", "pro", "sub_1", "2024-01-01", "2024-02-01", 9900),
        sub("inv_2", "cus_1", "pro", "sub_2", "2024-03-01", "2024-04-01", 9900),
    )
    billing.work()
    series = billing.mrr("2024-01-01", "2024-04-30")
    assert [
        (p["mrr"], p["new"], p["churn"], p["reactivation"], p["customers"]) for p in series
    ] == [
        (9900, 9900, 0, 0, 1),
        (0, 0, -9900, 0, 0),
        (9900, 0, 0, 9900, 1),
        (0, 0, -9900, 0, 0),
    ]


def test_customer_with_two_subscriptions(billing: Billing) -> None:
    billing.customers("cus_1")
    billing.plan("basic", 5000)
    billing.plan("pro", 15000)
    billing.invoices(
        sub("inv_1", "cus_1", "basic", "sub_a", "2024-01-01", "2024-02-01", 5000),
        sub("inv_2", "cus_1", "basic", "sub_a", "2024-02-01", "2024-03-01", 5000),
        sub("inv_3", "cus_1", "pro", "sub_b", "2024-01-15", "2024-02-15", 15000),
    )
    billing.work()
    assert billing.mrr_on("2024-01-14")["mrr"] == 5000
    day = billing.mrr_on("2024-01-15")
    assert (day["mrr"], day["expansion"], day["customers"]) == (20000, 15000, 1)
    day = billing.mrr_on("2024-02-15")
    assert (day["mrr"], day["contraction"]) == (5000, -15000)
    series = billing.mrr("2024-01-01", "2024-03-31")
    assert [(p["mrr"], p["customers"]) for p in series] == [(20000, 1), (5000, 1), (0, 0)]
    # Only the plan "pro": its own new and churn.
    pro = billing.mrr("2024-01-01", "2024-03-31", plan_id="pro")
    assert [(p["mrr"], p["new"], p["churn"], p["customers"]) for p in pro] == [
        (15000, 15000, 0, 1),
        (0, 0, -15000, 0),
        (0, 0, 0, 0),
    ]
    detail = billing.http.get(f"/api/v1/customers/{billing.source_id}/cus_1").json()["data"]
    assert {s["id"]: (s["plan_id"], s["status"]) for s in detail["subscriptions"]} == {
        "sub_a": ("basic", "churned"),
        "sub_b": ("pro", "churned"),
    }


def test_one_time_and_refund_invoices_never_change_mrr(billing: Billing) -> None:
    billing.customers("cus_1", "cus_2")
    billing.plan("pro", 9900)
    billing.invoices(
        sub("inv_1", "cus_1", "pro", "sub_1", "2024-01-01", "2024-02-01", 9900),
        other("inv_2", "cus_1", "one-time", "2024-01-10", 15000),
        other("inv_3", "cus_1", "refund", "2024-01-20", 5000),
        other("inv_4", "cus_2", "one-time", "2024-01-05", 250000),
    )
    billing.work()
    series = billing.mrr("2024-01-01", "2024-01-31", "day")
    assert {p["mrr"] for p in series} == {9900}
    assert {p["customers"] for p in series} == {1}
    assert sum(p["new"] for p in series) == 9900


def test_weekly_plan(billing: Billing) -> None:
    billing.customers("cus_1", "cus_2")
    billing.plan("weekly", 2500, unit="week")
    weeks = ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22", "2024-01-29"]
    invoices = []
    for customer in ("cus_1", "cus_2"):
        for n, (start, end) in enumerate(itertools.pairwise(weeks)):
            invoices.append(
                sub(f"{customer}_w{n}", customer, "weekly", f"{customer}_s", start, end, 2500)
            )
    billing.invoices(*invoices)
    billing.work()
    # 2500 × 52 / 12 = 10833.33... cents a month per customer; two customers 21666.66...
    # reported 21667: rounded once from the exact total, not 2 × 10833.
    day = billing.mrr_on("2024-01-10")
    assert (day["mrr"], day["customers"]) == (21667, 2)
    assert billing.mrr_on("2024-01-01")["new"] == 21667
    assert billing.mrr_on("2024-01-29")["churn"] == -21667
    detail = billing.http.get(f"/api/v1/customers/{billing.source_id}/cus_1/mrr").json()["data"]
    assert [(p["date"], p["mrr"], p["type"]) for p in detail] == [
        ("2024-01-01", 10833, "new"),
        ("2024-01-29", 0, "churn"),
    ]


def test_second_currency_with_exchange_rates(billing: Billing) -> None:
    billing.customers("cus_eur", "cus_jpy", "cus_usd")
    billing.plan("eur", 10000, currency="EUR")
    billing.plan("jpy", 1500, currency="JPY")
    billing.plan("usd", 9900)
    billing.invoices(
        sub("inv_1", "cus_eur", "eur", "s1", "2024-01-01", "2024-02-01", 10000, "EUR"),
        sub("inv_2", "cus_eur", "eur", "s1", "2024-02-01", "2024-03-01", 10000, "EUR"),
        sub("inv_3", "cus_jpy", "jpy", "s2", "2024-01-01", "2024-02-01", 1500, "JPY"),
        sub("inv_4", "cus_usd", "usd", "s3", "2024-01-01", "2024-02-01", 9900),
    )
    billing.work()
    # No rates yet: the EUR and JPY invoices are not counted, and the status says why.
    assert billing.mrr_on("2024-01-15")["mrr"] == 9900
    status = billing.http.get("/api/v1/metrics/status").json()["data"]
    assert status["pending_customers"] == 0
    assert status["missing_exchange_rates"] == [
        {"currency": "EUR", "date": "2024-01-01", "customers": 1},
        {"currency": "JPY", "date": "2024-01-01", "customers": 1},
    ]
    result = billing.post(
        "/api/v1/exchange-rates",
        [
            {"date": "2024-01-01", "currency": "EUR", "rate": "1.10"},
            {"date": "2024-02-01", "currency": "EUR", "rate": "1.20"},
            {"date": "2023-12-29", "currency": "JPY", "rate": "0.0067"},
        ],
    )
    assert [r["import_status"] for r in result] == ["inserted"] * 3
    assert billing.http.get("/api/v1/metrics/status").json()["data"]["pending_customers"] == 2
    billing.work()
    assert billing.http.get("/api/v1/metrics/status").json()["data"]["missing_exchange_rates"] == []
    # EUR 100.00 × 1.10 = USD 110.00; JPY 1,500 × 0.0067 = USD 10.05 (yen have no minor unit).
    day = billing.mrr_on("2024-01-15")
    assert (day["mrr"], day["customers"]) == (11000 + 1005 + 9900, 3)
    # From Feb 1 the EUR invoice is converted at 1.20: 12000, an expansion of 1000.
    day = billing.mrr_on("2024-02-01")
    assert day["mrr"] == 12000
    assert day["expansion"] == 1000
    assert day["churn"] == -(1005 + 9900)
    # A new reporting currency: every customer is recalculated, and USD now lacks a rate.
    response = billing.http.patch("/api/v1/workspace", json={"reporting_currency": "EUR"})
    assert response.status_code == 200, response.text
    billing.work()
    missing = billing.http.get("/api/v1/metrics/status").json()["data"]["missing_exchange_rates"]
    assert {m["currency"] for m in missing} == {"JPY", "USD"}
    day = billing.mrr_on("2024-01-15")
    assert day["mrr"] == 10000
    meta = billing.http.get(
        "/api/v1/metrics/mrr", params={"start_date": "2024-01-01", "end_date": "2024-01-31"}
    ).json()["meta"]
    assert meta["currency"] == "EUR"


def test_updated_invoice_changes_a_past_month(billing: Billing) -> None:
    billing.customers("cus_1")
    billing.plan("pro", 9900)
    billing.invoices(
        sub("inv_1", "cus_1", "pro", "sub_1", "2024-01-01", "2024-02-01", 9900),
        sub("inv_2", "cus_1", "pro", "sub_1", "2024-02-01", "2024-03-01", 9900),
        sub("inv_3", "cus_1", "pro", "sub_1", "2024-03-01", "2024-04-01", 9900),
    )
    billing.work()
    assert [p["mrr"] for p in billing.mrr("2024-01-01", "2024-03-31")] == [9900, 9900, 9900]
    result = billing.invoices(
        sub("inv_2", "cus_1", "pro", "sub_1", "2024-02-01", "2024-03-01", 19900)
    )
    assert result == [{"id": "inv_2", "import_status": "updated"}]
    assert billing.http.get("/api/v1/metrics/status").json()["data"]["pending_customers"] == 1
    billing.work()
    series = billing.mrr("2024-01-01", "2024-03-31")
    assert [(p["mrr"], p["expansion"], p["contraction"]) for p in series] == [
        (9900, 0, 0),
        (19900, 10000, 0),
        (9900, 0, -10000),
    ]
    versions = billing.http.get(f"/api/v1/invoices/{billing.source_id}/inv_2/versions").json()[
        "data"
    ]
    assert versions["invoice"]["amount_cents"] == 19900
    assert versions["invoice"]["version"] == 2
    assert [(v["version"], v["invoice"]["amount_cents"]) for v in versions["versions"]] == [
        (1, 9900)
    ]


def test_days_are_taken_in_the_workspace_timezone(billing: Billing) -> None:
    """2024-03-01T03:00Z is still February 29 (a leap day) in New York, and
    2024-03-11T03:00Z is March 10, the day clocks spring forward there."""
    response = billing.http.patch("/api/v1/workspace", json={"timezone": "America/New_York"})
    assert response.status_code == 200, response.text
    billing.customers("cus_1")
    billing.plan("pro", 9900)
    invoice = sub("inv_1", "cus_1", "pro", "sub_1", "2024-03-01", "2024-03-11", 9900)
    invoice.update(
        date="2024-03-01T03:00:00Z",
        start_date="2024-03-01T03:00:00Z",
        end_date="2024-03-11T03:00:00Z",
    )
    billing.invoices(invoice)
    billing.work()
    assert billing.mrr_on("2024-02-28")["mrr"] == 0
    leap = billing.mrr_on("2024-02-29")
    assert (leap["mrr"], leap["new"]) == (9900, 9900)
    assert billing.mrr_on("2024-03-09")["mrr"] == 9900
    assert billing.mrr_on("2024-03-10")["churn"] == -9900
    series = billing.mrr("2024-02-01", "2024-03-31")
    assert [(p["date"], p["mrr"], p["new"], p["churn"]) for p in series] == [
        ("2024-02-29", 9900, 9900, 0),
        ("2024-03-31", 0, 0, -9900),
    ]
