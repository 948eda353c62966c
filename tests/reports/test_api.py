"""The three reports through HTTP, with hand-computed figures.

The worked example: an annual subscription invoice of 365,000 cents USD from
2026-01-15 to 2027-01-15 (workspace timezone UTC, daily rule) is billed in Jan'2026 and
recognized 17,000 cents in Jan'2026 (17 days), 28,000 in Feb'2026, 31,000 in Mar'2026,
… and 14,000 in Jan'2027 (14 days): 1,000 cents a day over 365 days.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.conftest import sale
from tests.metrics.helpers import Billing, other, sub
from tests.reports.helpers import (
    DEFERRED,
    RECOGNIZED,
    WATERFALL,
    check_identities,
    fields,
    problem,
    report,
    report_csv,
    row_of,
    summary_of,
)

MONTHS_2026 = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
ANNUAL_CENTS = [17_000, 28_000, 31_000, 30_000, 31_000, 30_000, 31_000, 31_000, 30_000]
ANNUAL_CENTS += [31_000, 30_000, 31_000, 14_000]
ANNUAL_PERIODS = [f"{m}'2026" for m in MONTHS_2026] + ["Jan'2027"]


def usd(cents: int) -> str:
    return str(Decimal(cents).scaleb(-2))


def annual(billing: Billing, invoice_id: str = "inv1", customer: str = "c1") -> None:
    billing.customers(customer)
    billing.plan("annual", 365_000, unit="year")
    result = billing.invoices(
        sub(invoice_id, customer, "annual", f"{customer}s", "2026-01-15", "2027-01-15", 365_000)
    )
    assert result[0]["import_status"] == "inserted", result


def test_waterfall_of_the_annual_invoice(billing: Billing) -> None:
    annual(billing)
    body = report(billing.http, WATERFALL, start_period="Jan'2026", end_period="Jan'2027")
    assert [p["name"] for p in body["periods"]] == ANNUAL_PERIODS
    assert body["periods"][1] == {
        "name": "Feb'2026",
        "start_date": "2026-02-01",
        "end_date": "2026-02-28",
        "status": "open",
    }
    row = row_of(body, "Jan'2026")
    assert row["row"] == "period" and row["billed_period_start"] == "2026-01-01"
    assert row["billed"] == "3650.00"
    assert row["recognized"] == {
        p: usd(c) for p, c in zip(ANNUAL_PERIODS, ANNUAL_CENTS, strict=True)
    }
    assert row["recognized_before"] == "0.00"
    assert row["recognized_to_date"] == "3650.00"
    assert row["deferred"] == "0.00"
    assert len(body["data"]) == 1
    summary = summary_of(body)
    assert summary["Jan'2026"] == {
        "currency": "USD",
        "period": "Jan'2026",
        "period_start": "2026-01-01",
        "billed": "3650.00",
        "recognized": "170.00",
        "billed_to_date": "3650.00",
        "recognized_to_date": "170.00",
        "deferred": "3480.00",
    }
    assert summary["Feb'2026"]["billed"] == "0.00"
    assert summary["Feb'2026"]["recognized_to_date"] == "450.00"
    assert summary["Feb'2026"]["deferred"] == "3200.00"
    assert summary["Jan'2027"]["deferred"] == "0.00"
    check_identities(body)


def test_a_range_that_starts_later_carries_the_earlier_billing(billing: Billing) -> None:
    annual(billing)
    body = report(billing.http, WATERFALL, start_period="feb'2026", end_period="2026-03")
    assert body["meta"] == {"start_period": "Feb'2026", "end_period": "Mar'2026", "periods": 2}
    row = row_of(body, "earlier")
    assert row["billed_period"] is None
    assert row["billed"] == "3650.00"
    assert row["recognized_before"] == "170.00"
    assert row["recognized"] == {"Feb'2026": "280.00", "Mar'2026": "310.00"}
    assert row["recognized_to_date"] == "760.00"
    assert row["deferred"] == "2890.00"
    summary = summary_of(body)
    assert summary["Feb'2026"]["billed"] == "0.00"
    assert summary["Feb'2026"]["billed_to_date"] == "3650.00"
    assert summary["Feb'2026"]["deferred"] == "3200.00"
    assert summary["Mar'2026"]["deferred"] == "2890.00"
    check_identities(body)


def test_deferred_revenue_at_the_end_of_the_period_containing_as_of(billing: Billing) -> None:
    annual(billing)
    jan = report(billing.http, DEFERRED, as_of="2026-01-20")
    assert jan["meta"]["as_of"] == "2026-01-20"
    assert jan["meta"]["period"]["name"] == "Jan'2026"
    assert jan["meta"]["period"]["end_date"] == "2026-01-31"
    assert jan["meta"]["total"] == 1
    (line,) = jan["data"]
    assert line == {
        "schedule_number": "RS-00000001",
        "origin": "invoice",
        "external_id": "inv1",
        "kind": "subscription",
        "source_id": billing.source_id,
        "customer_id": "c1",
        "currency": "USD",
        "billed": "3650.00",
        "recognized": "170.00",
        "deferred": "3480.00",
    }
    assert jan["totals"] == [
        {"currency": "USD", "billed": "3650.00", "recognized": "170.00", "deferred": "3480.00"}
    ]
    # any day of February: the end of Feb'2026
    for day in ("2026-02-01", "2026-02-28"):
        feb = report(billing.http, DEFERRED, as_of=day)
        assert feb["data"][0]["deferred"] == "3200.00"
        assert feb["totals"][0]["deferred"] == "3200.00"
    # before the invoice nothing is billed; after its end nothing is deferred
    before = report(billing.http, DEFERRED, as_of="2025-12-31")
    assert before["data"] == [] and before["totals"] == []
    after = report(billing.http, DEFERRED, as_of="2027-01-15")
    assert after["data"] == [] and after["meta"]["total"] == 0
    assert after["totals"] == [
        {"currency": "USD", "billed": "3650.00", "recognized": "3650.00", "deferred": "0.00"}
    ]


def test_recognized_revenue_by_currency(billing: Billing) -> None:
    annual(billing)
    body = report(billing.http, RECOGNIZED, start_period="Jan'2026", end_period="Dec'2026")
    assert body["meta"]["group_by"] == "currency"
    (row,) = body["data"]
    assert row["currency"] == "USD"
    assert row["recognized"]["Jan'2026"] == "170.00"
    assert row["recognized"]["Feb'2026"] == "280.00"
    assert row["total"] == usd(365_000 - 14_000)
    assert body["totals"] == [{"currency": "USD", **{k: row[k] for k in ("recognized", "total")}}]


def test_the_three_reports_agree(billing: Billing) -> None:
    annual(billing)
    billing.customers("c2")
    billing.invoices(other("one", "c2", "one-time", "2026-02-10", 5_000))
    water = report(billing.http, WATERFALL, start_period="2026-01", end_period="2026-06")
    recog = report(billing.http, RECOGNIZED, start_period="2026-01", end_period="2026-06")
    check_identities(water)
    for s in water["summary"]:
        assert recog["totals"][0]["recognized"][s["period"]] == s["recognized"]
        assert water["totals"][0]["recognized"][s["period"]] == s["recognized"]
        end = next(p["end_date"] for p in water["periods"] if p["name"] == s["period"])
        deferred = report(billing.http, DEFERRED, as_of=end)
        assert deferred["totals"][0]["deferred"] == s["deferred"]
        assert deferred["totals"][0]["billed"] == s["billed_to_date"]
    assert summary_of(water)["Feb'2026"]["billed"] == "50.00"
    assert summary_of(water)["Feb'2026"]["recognized"] == "330.00"


def test_currencies_are_never_added_together(billing: Billing, tenant: Any) -> None:
    annual(billing)
    billing.customers("e1")
    billing.invoices(other("eur1", "e1", "one-time", "2026-01-05", 12_345, currency="EUR"))
    source = tenant.source("appstore")
    for n, (amount, currency) in enumerate((("1000.000", "JPY"), ("12.345", "KWD"))):
        record = sale(
            source, f"r{n}", amount=amount, currency=currency, occurred_at="2026-01-10T00:00:00Z"
        )
        assert billing.http.post("/api/v1/revenues", json=record).status_code == 201
    body = report(billing.http, RECOGNIZED, start_period="Jan'2026", end_period="Jan'2026")
    got = {r["currency"]: r["recognized"]["Jan'2026"] for r in body["data"]}
    # each currency with its own decimals: JPY none, KWD three, EUR and USD two
    assert got == {"EUR": "123.45", "JPY": "1000", "KWD": "12.345", "USD": "170.00"}
    water = report(billing.http, WATERFALL, start_period="Jan'2026", end_period="Jan'2026")
    assert sorted(t["currency"] for t in water["totals"]) == ["EUR", "JPY", "KWD", "USD"]
    assert row_of(water, "Jan'2026", "EUR")["billed"] == "123.45"
    assert row_of(water, "Jan'2026", "USD")["billed"] == "3650.00"
    check_identities(water)


def test_revenue_record_amounts_keep_their_thousandths(billing: Billing, tenant: Any) -> None:
    source = tenant.source("web")
    record = sale(source, "r1", amount="10.005", occurred_at="2026-03-31T23:00:00Z")
    assert billing.http.post("/api/v1/revenues", json=record).status_code == 201
    body = report(billing.http, RECOGNIZED, start_period="Mar'2026", end_period="Mar'2026")
    assert body["data"][0]["recognized"]["Mar'2026"] == "10.005"  # never rounded


def test_group_by_source_plan_product_and_customer(billing: Billing, tenant: Any) -> None:
    annual(billing)  # source stripe, plan annual, customer c1
    billing.customers("c2")
    billing.plan("monthly", 10_000)
    billing.invoices(sub("m1", "c2", "monthly", "c2s", "2026-01-01", "2026-02-01", 10_000))
    web = tenant.source("web")
    for n, product in enumerate(("sku_a", "sku_a", None)):
        extra = {"external_product_identifier": product} if product else {}
        record = sale(web, f"r{n}", amount="5.000", occurred_at="2026-01-20T00:00:00Z", **extra)
        assert billing.http.post("/api/v1/revenues", json=record).status_code == 201
    period = {"start_period": "Jan'2026", "end_period": "Jan'2026"}

    def jan(group: str) -> list[tuple[Any, ...]]:
        body = report(billing.http, RECOGNIZED, group_by=group, **period)
        assert body["meta"]["group_by"] == group
        keys = {
            "source": ("source_id", "source_name"),
            "plan": ("source_name", "plan_id"),
            "product": ("product_id",),
            "customer": ("source_name", "customer_id"),
        }[group]
        return [(*(r[k] for k in keys), r["recognized"]["Jan'2026"]) for r in body["data"]]

    assert sorted(jan("source")) == sorted(
        [(billing.source_id, "stripe", "270.00"), (web, "web", "15.00")]
    )
    assert sorted(jan("plan"), key=str) == sorted(
        [("stripe", "annual", "170.00"), ("stripe", "monthly", "100.00"), ("web", None, "15.00")],
        key=str,
    )
    # products: a record's external_product_identifier, an invoice's plan id
    assert sorted(jan("product"), key=str) == sorted(
        [("annual", "170.00"), ("monthly", "100.00"), ("sku_a", "10.00"), (None, "5.00")],
        key=str,
    )
    assert sorted(jan("customer"), key=str) == sorted(
        [("stripe", "c1", "170.00"), ("stripe", "c2", "100.00"), ("web", None, "15.00")],
        key=str,
    )
    problem_body = problem(billing.http, RECOGNIZED, group_by="region", **period)
    assert fields(problem_body) == ["group_by"]


def test_csv_carries_the_same_numbers(billing: Billing) -> None:
    annual(billing)
    params = {"start_period": "Jan'2026", "end_period": "Mar'2026"}
    water = report_csv(billing.http, WATERFALL, **params)
    assert list(water[0]) == [
        "row",
        "currency",
        "billed_period",
        "billed",
        "recognized_before",
        "Jan'2026",
        "Feb'2026",
        "Mar'2026",
        "recognized_to_date",
        "deferred",
    ]
    by_row = {r["row"]: r for r in water}
    assert by_row["period"]["billed_period"] == "Jan'2026"
    assert [by_row["period"][p] for p in ("Jan'2026", "Feb'2026", "Mar'2026")] == [
        "170.00",
        "280.00",
        "310.00",
    ]
    assert by_row["period"]["deferred"] == "2890.00"
    assert by_row["total"]["billed"] == "3650.00"
    assert by_row["summary_deferred"]["Jan'2026"] == "3480.00"
    assert by_row["summary_deferred"]["Feb'2026"] == "3200.00"
    assert by_row["summary_billed_to_date"]["Mar'2026"] == "3650.00"

    recog = report_csv(billing.http, RECOGNIZED, group_by="customer", **params)
    assert list(recog[0]) == [
        "row",
        "currency",
        "source_id",
        "source_name",
        "customer_id",
        "Jan'2026",
        "Feb'2026",
        "Mar'2026",
        "total",
    ]
    assert recog[0]["row"] == "group" and recog[0]["customer_id"] == "c1"
    assert recog[0]["total"] == "760.00"
    assert recog[1]["row"] == "total" and recog[1]["Feb'2026"] == "280.00"

    deferred = report_csv(billing.http, DEFERRED, as_of="2026-02-14")
    assert deferred == [
        {
            "schedule_number": "RS-00000001",
            "origin": "invoice",
            "external_id": "inv1",
            "kind": "subscription",
            "source_id": billing.source_id,
            "customer_id": "c1",
            "currency": "USD",
            "billed": "3650.00",
            "recognized": "450.00",
            "deferred": "3200.00",
        },
        {
            "schedule_number": "Total",
            "origin": "",
            "external_id": "",
            "kind": "",
            "source_id": "",
            "customer_id": "",
            "currency": "USD",
            "billed": "3650.00",
            "recognized": "450.00",
            "deferred": "3200.00",
        },
    ]


def test_deferred_revenue_pages_in_schedule_order(billing: Billing) -> None:
    billing.customers("a", "b", "c")
    billing.plan("annual", 120_000, unit="year")
    billing.invoices(
        *(
            sub(f"i{n}", c, "annual", f"{c}s", "2026-01-01", "2027-01-01", 120_000 * (n + 1))
            for n, c in enumerate("abc")
        )
    )
    page1 = report(billing.http, DEFERRED, as_of="2026-06-30", per_page=2)
    page2 = report(billing.http, DEFERRED, as_of="2026-06-30", per_page=2, page=2)
    assert [r["schedule_number"] for r in page1["data"]] == ["RS-00000001", "RS-00000002"]
    assert [r["schedule_number"] for r in page2["data"]] == ["RS-00000003"]
    assert page1["meta"]["total"] == 3 and page1["meta"]["last_page"] == 2
    assert page2["meta"]["total"] == 3
    past = report(billing.http, DEFERRED, as_of="2026-06-30", per_page=2, page=3)
    assert past["data"] == [] and past["meta"]["total"] == 3
    assert [r["external_id"] for r in page1["data"] + page2["data"]] == ["i0", "i1", "i2"]
    # totals cover every schedule, whatever the page
    assert page2["totals"] == page1["totals"]
    deferred = sum(Decimal(r["deferred"]) for r in page1["data"] + page2["data"])
    assert Decimal(page1["totals"][0]["deferred"]) == deferred
    assert problem(billing.http, DEFERRED, per_page=101)["status"] == 422


def test_backdated_revenue_billed_later_is_a_later_row(billing: Billing) -> None:
    """An invoice dated in March for a service that began in January: recognized in
    January and February (open periods) before it is billed; as of February it is a
    negative deferred balance (revenue recognized, not yet billed)."""
    billing.customers("c1")
    billing.plan("quarter", 90_000, unit="month", count=3)
    billing.invoices(
        sub("q1", "c1", "quarter", "s", "2026-01-01", "2026-04-01", 90_000, date="2026-03-01")
    )
    body = report(billing.http, WATERFALL, start_period="Jan'2026", end_period="Feb'2026")
    row = row_of(body, "later")
    assert row["billed"] == "0.00"
    assert row["recognized"] == {"Jan'2026": "310.00", "Feb'2026": "280.00"}
    assert row["deferred"] == "-590.00"
    assert summary_of(body)["Jan'2026"]["deferred"] == "-310.00"
    check_identities(body)
    full = report(billing.http, WATERFALL, start_period="Jan'2026", end_period="Mar'2026")
    row = row_of(full, "Mar'2026")
    assert row["billed"] == "900.00" and row["deferred"] == "0.00"
    assert summary_of(full)["Mar'2026"]["deferred"] == "0.00"


def test_a_refund_reduces_billed_and_recognized(billing: Billing) -> None:
    annual(billing)
    billing.invoices(other("rf", "c1", "refund", "2026-02-10", 5_000))
    body = report(billing.http, WATERFALL, start_period="Jan'2026", end_period="Feb'2026")
    assert row_of(body, "Feb'2026")["billed"] == "-50.00"
    assert summary_of(body)["Feb'2026"]["recognized"] == "230.00"
    assert summary_of(body)["Feb'2026"]["billed_to_date"] == "3600.00"
    check_identities(body)


def test_a_closed_month_never_moves(billing: Billing) -> None:
    annual(billing)
    params = {"start_period": "Jan'2026", "end_period": "Mar'2026"}
    before = report(billing.http, WATERFALL, **params)
    closed = billing.http.post("/api/v1/accounting-periods/2026-01/close")
    assert closed.status_code == 200, closed.text
    # an invoice dated in the closed month is billed (and its January share recognized)
    # in the first open period instead
    billing.customers("c9")
    billing.invoices(other("late", "c9", "one-time", "2026-01-20", 7_000))
    after = report(billing.http, WATERFALL, **params)
    assert after["periods"][0]["status"] == "closed"
    assert summary_of(after)["Jan'2026"] == summary_of(before)["Jan'2026"]
    assert row_of(after, "Jan'2026") == row_of(before, "Jan'2026")
    assert row_of(after, "Feb'2026")["billed"] == "70.00"
    assert summary_of(after)["Feb'2026"]["recognized"] == "350.00"
    deferred = report(billing.http, DEFERRED, as_of="2026-01-31")
    assert deferred["totals"][0]["deferred"] == "3480.00"
    check_identities(after)


def test_default_range_is_the_workspaces_periods(billing: Billing) -> None:
    empty = report(billing.http, WATERFALL)
    assert len(empty["periods"]) == 1 and empty["data"] == [] and empty["summary"] == []
    assert empty["periods"][0]["status"] is None  # no period exists yet
    annual(billing)
    body = report(billing.http, WATERFALL)
    assert [p["name"] for p in body["periods"]] == ANNUAL_PERIODS
    assert report(billing.http, RECOGNIZED)["meta"]["end_period"] == "Jan'2027"
    only_end = report(billing.http, RECOGNIZED, end_period="Mar'2026")
    assert only_end["meta"]["start_period"] == "Jan'2026"
    only_start = report(billing.http, WATERFALL, start_period="Dec'2026")
    assert only_start["meta"]["end_period"] == "Jan'2027"
    # a default never crosses an explicit side
    late = report(billing.http, WATERFALL, start_period="Mar'2030")
    assert late["meta"]["start_period"] == late["meta"]["end_period"] == "Mar'2030"


def test_bad_parameters_are_422_naming_them(billing: Billing) -> None:
    http = billing.http
    for path in (WATERFALL, RECOGNIZED):
        for bad in ("2026-13", "Foo'2026", "2026", "2026-01-01", "Jan 2026"):
            body = problem(http, path, start_period=bad)
            assert fields(body) == ["start_period"], body
            assert fields(problem(http, path, end_period=bad)) == ["end_period"]
        body = problem(http, path, start_period="Mar'2026", end_period="Feb'2026")
        assert fields(body) == ["start_period"]
        assert "after end_period" in body["detail"]
        body = problem(http, path, start_period="2000-01", end_period="2020-11")
        assert fields(body) == ["end_period"] and "at most 250" in body["detail"]
        # 250 is fine
        report(http, path, start_period="2000-01", end_period="2020-10")
        assert fields(problem(http, path, start_period="0999-01")) == ["start_period"]
    for bad in ("2026-02-30", "yesterday", "2026-02"):
        assert fields(problem(http, DEFERRED, as_of=bad)) == ["as_of"]


def test_reports_need_read_recognition(billing: Billing, tenant: Any, client: Any) -> None:
    annual(billing)
    narrow = tenant.key("read:revenues")
    reader = tenant.key("read:recognition")
    for path in (WATERFALL, RECOGNIZED, DEFERRED):
        response = client.get(path, headers={"Authorization": f"Bearer {narrow}"})
        assert response.status_code == 403
        assert "read:recognition" in response.json()["detail"]
        assert client.get(path, headers={"Authorization": f"Bearer {reader}"}).status_code == 200
        assert client.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_reports_see_only_their_workspace(billing: Billing, other_tenant: Any) -> None:
    annual(billing)
    params = {"start_period": "Jan'2026", "end_period": "Mar'2026"}
    assert report(other_tenant.http, WATERFALL, **params)["data"] == []
    assert report(other_tenant.http, RECOGNIZED, **params)["data"] == []
    assert report(other_tenant.http, DEFERRED, as_of="2026-01-31")["totals"] == []
    assert report(billing.http, DEFERRED, as_of="2026-01-31")["meta"]["total"] == 1
