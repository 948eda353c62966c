"""Issue 4's worked examples, computed by hand, through the HTTP API (both databases)."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import sale
from tests.metrics.helpers import other, sub
from tests.recognition.helpers import ANNUAL, Ledger


def _annual(ledger: Ledger, amount: int = 365_000, **plan: str) -> str:
    ledger.billing.customers("c1")
    ledger.billing.plan("yearly", amount, unit="year", **plan)
    ledger.billing.invoices(sub("i1", "c1", "yearly", "s1", "2026-01-15", "2027-01-15", amount))
    return ledger.number_of("i1")


def test_annual_invoice_by_day(ledger: Ledger) -> None:
    number = _annual(ledger)
    assert number == "RS-00000001"
    body = ledger.events(number)
    assert body["success"] is True
    [event] = body["revenueEventDetails"]
    assert event["number"] == "RE-00000001"
    assert event["eventType"] == "Invoice Posted"
    assert event["currency"] == "USD"
    assert event["accountId"] == "c1"
    assert event["subscriptionId"] == "s1"
    assert event["subscriptionChargeId"] == "i1"
    assert (event["recognitionStart"], event["recognitionEnd"]) == ("2026-01-15", "2027-01-14")
    assert len(event["createdOn"]) == 19 and event["createdOn"][10] == " "
    items = event["revenueItems"]
    assert [i["accountingPeriodName"] for i in items] == list(ANNUAL)
    assert ledger.items(number) == ANNUAL
    first = items[0]
    assert first == {
        "accountingPeriodName": "Jan'2026",
        "isAccountingPeriodClosed": False,
        "amount": Decimal("170.0"),
        "currency": "USD",
        "accountingPeriodStartDate": "2026-01-01",
        "accountingPeriodEndDate": "2026-01-31",
    }
    # written exactly as the seed writes numbers: 17,000 cents is `170.0`
    raw = ledger.http.get(f"/api/v1/revenue-events/revenue-schedules/{number}/").text
    assert '"amount":170.0,' in raw and '"amount":140.0,' in raw
    schedule = ledger.schedule(number, as_of="2026-02-10")
    assert schedule["amount"] == "3650.00"
    assert (schedule["recognized"], schedule["deferred"]) == ("450.00", "3200.00")
    assert schedule["as_of"] == "2026-02-10"
    assert schedule["rule"] == "daily"
    assert ledger.schedule(number, as_of="2027-01-31")["deferred"] == "0.00"
    before = ledger.schedule(number, as_of="2025-12-31")
    assert (before["recognized"], before["deferred"]) == ("0.00", "3650.00")
    bad = ledger.http.get(f"/api/v1/revenue-schedules/{number}", params={"as_of": "2026-02"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "as_of"


def test_annual_invoice_monthly_rule(ledger: Ledger) -> None:
    """13 calendar months touched: 365,000 / 13 = 28,076.9 -> 28,077 each, the last
    takes the rest (28,076)."""
    number = _annual(ledger, recognition_rule="monthly")
    expected = dict.fromkeys(ANNUAL, 28_077)
    expected["Jan'2027"] = 365_000 - 12 * 28_077
    assert ledger.items(number) == expected
    assert expected["Jan'2027"] == 28_076


def test_annual_invoice_from_the_leap_day(ledger: Ledger) -> None:
    """365,000 cents from 2028-02-29 to 2029-02-28: 365 days, 1,000 cents a day."""
    ledger.billing.customers("c1")
    ledger.billing.plan("yearly", 365_000, unit="year")
    ledger.billing.invoices(sub("i1", "c1", "yearly", "s1", "2028-02-29", "2029-02-28", 365_000))
    items = ledger.items(ledger.number_of("i1"))
    assert items["Feb'2028"] == 1_000
    assert items["Mar'2028"] == 31_000
    assert items["Jan'2029"] == 31_000
    assert items["Feb'2029"] == 27_000
    assert sum(items.values()) == 365_000 and len(items) == 13


def test_three_days_across_a_month_end(ledger: Ledger) -> None:
    """100 cents from 2026-01-30 to 2026-02-02: 2 days of 3 in January (66.7 -> 67)."""
    ledger.billing.customers("c1")
    ledger.billing.plan("m", 100)
    ledger.billing.invoices(sub("i1", "c1", "m", "s1", "2026-01-30", "2026-02-02", 100))
    assert ledger.items(ledger.number_of("i1")) == {"Jan'2026": 67, "Feb'2026": 33}


def test_monthly_rule_over_three_months(ledger: Ledger) -> None:
    ledger.billing.customers("c1")
    ledger.billing.plan("q", 100, unit="month", count=3, recognition_rule="monthly")
    ledger.billing.invoices(sub("i1", "c1", "q", "s1", "2026-01-01", "2026-04-01", 100))
    assert ledger.items(ledger.number_of("i1")) == {
        "Jan'2026": 33,
        "Feb'2026": 33,
        "Mar'2026": 34,
    }


def test_one_time_charge_on_its_date(ledger: Ledger) -> None:
    ledger.billing.customers("c1")
    ledger.billing.invoices(other("o1", "c1", "one-time", "2026-03-10", 15_000))
    number = ledger.number_of("o1")
    [event] = ledger.events(number)["revenueEventDetails"]
    assert (event["recognitionStart"], event["recognitionEnd"]) == ("2026-03-10", "2026-03-10")
    assert ledger.items(number) == {"Mar'2026": 15_000}
    assert ledger.schedule(number)["rule"] == "on_date"


def test_cancellation_mid_service(ledger: Ledger) -> None:
    """Cancelled on 2026-04-01: January to March keep 76,000; the rest is reversed."""
    number = _annual(ledger)
    ledger.billing.invoices(other("x1", "c1", "cancellation", "2026-04-01", subscription_id="s1"))
    details = ledger.events(number)["revenueEventDetails"]
    assert [e["eventType"] for e in details] == ["Invoice Posted", "Invoice Canceled"]
    reversal = ledger.items(number)
    assert reversal == {
        name: -cents
        for name, cents in ANNUAL.items()
        if name not in ("Jan'2026", "Feb'2026", "Mar'2026")
    }
    assert ledger.totals(number) == {"Jan'2026": 17_000, "Feb'2026": 28_000, "Mar'2026": 31_000}
    assert ledger.schedule(number)["amount"] == "760.00"


def test_cancellation_mid_month_splits_that_month(ledger: Ledger) -> None:
    number = _annual(ledger)
    ledger.billing.invoices(other("x1", "c1", "cancellation", "2026-04-11", subscription_id="s1"))
    totals = ledger.totals(number)
    assert totals["Apr'2026"] == 10_000  # April 1-10 kept
    assert "May'2026" not in totals
    assert sum(totals.values()) == 17_000 + 28_000 + 31_000 + 10_000


def test_update_after_two_closed_months_lands_in_the_first_open_one(ledger: Ledger) -> None:
    number = _annual(ledger)
    ledger.close("Jan'2026")
    ledger.close("Feb'2026")
    ledger.billing.invoices(sub("i1", "c1", "yearly", "s1", "2026-01-15", "2027-01-15", 730_000))
    details = ledger.events(number)["revenueEventDetails"]
    assert [e["eventType"] for e in details] == [
        "Invoice Posted",
        "Invoice Item Adjustment Created",
    ]
    adjustment = ledger.items(number)
    # the difference (365,000) spread by day; January's 17,000 and February's 28,000
    # cannot enter closed months, so March carries them with its own 31,000
    assert adjustment["Mar'2026"] == 17_000 + 28_000 + 31_000
    assert "Jan'2026" not in adjustment and "Feb'2026" not in adjustment
    assert adjustment["Apr'2026"] == 30_000
    assert sum(adjustment.values()) == 365_000
    totals = ledger.totals(number)
    assert totals["Jan'2026"] == 17_000 and totals["Feb'2026"] == 28_000  # unchanged
    closed = {
        i["accountingPeriodName"]: i["isAccountingPeriodClosed"] for i in details[0]["revenueItems"]
    }
    assert closed["Jan'2026"] is True and closed["Mar'2026"] is False
    assert ledger.schedule(number)["amount"] == "7300.00"


def test_unchanged_invoice_makes_no_event(ledger: Ledger) -> None:
    number = _annual(ledger)
    ledger.billing.invoices(sub("i1", "c1", "yearly", "s1", "2026-01-15", "2027-01-15", 365_000))
    assert len(ledger.events(number)["revenueEventDetails"]) == 1


def test_manual_schedule_distributed_in_two_steps(ledger: Ledger) -> None:
    number = _annual(ledger, 120_000, recognition_rule="manual")
    [posted] = ledger.events(number)["revenueEventDetails"]
    [held] = posted["revenueItems"]
    assert held["accountingPeriodName"] == "Open-Ended"
    assert held["accountingPeriodEndDate"] is None
    assert held["amount"] == Decimal("1200.0")
    assert ledger.schedule(number)["undistributed"] == "1200.00"
    path = f"/api/v1/revenue-schedules/{number}/distribute-revenue-across-accounting-periods"
    body = '[{"accounting_period": "Mar\'2026", "amount": 12.5},'
    body += ' {"accounting_period": "apr\'2026", "amount": "487.50"}]'
    response = ledger.http.put(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["undistributed"] == "700.00"
    assert ledger.items(number) == {"Mar'2026": 1_250, "Apr'2026": 48_750, "Open-Ended": -50_000}
    last = ledger.events(number)["revenueEventDetails"][-1]
    assert last["eventType"] == "Revenue Distributed"
    too_much = ledger.http.put(path, json=[{"accounting_period": "May'2026", "amount": "700.01"}])
    assert too_much.status_code == 422, too_much.text
    assert too_much.json()["errors"][0]["field"] == "amount"
    response = ledger.http.put(
        f"/api/v1/revenue-schedules/{number}/distribute-revenue-with-date-range",
        json={"start_date": "2026-05-01", "end_date": "2026-06-30"},
    )
    assert response.status_code == 200, response.text
    # 70,000 cents over 61 days: May 31 days -> 35,573.77 -> 35,574; June the rest
    assert ledger.items(number) == {"May'2026": 35_574, "Jun'2026": 34_426, "Open-Ended": -70_000}
    schedule = ledger.schedule(number, as_of="2026-06-30")
    assert schedule["undistributed"] == "0.00"
    assert schedule["recognized"] == "1200.00"
    # through May: 12.50 + 487.50 + 355.74
    assert ledger.schedule(number, as_of="2026-05-31")["recognized"] == "855.74"


def test_distribution_is_only_for_manual_schedules(ledger: Ledger) -> None:
    number = _annual(ledger)
    response = ledger.http.put(
        f"/api/v1/revenue-schedules/{number}/distribute-revenue-across-accounting-periods",
        json=[{"accounting_period": "Mar'2026", "amount": "1.00"}],
    )
    assert response.status_code == 422, response.text


def test_refund_record(ledger: Ledger) -> None:
    source = ledger.billing.source_id
    response = ledger.http.post(
        "/api/v1/revenues",
        json=sale(
            source, "rf1", type="refund", amount="-50.000", occurred_at="2026-05-31T23:00:00Z"
        ),
    )
    assert response.status_code == 201, response.text
    [schedule] = ledger.schedules(source=source)
    assert schedule["origin"]["type"] == "revenue"
    assert schedule["origin"]["id"] == "rf1"
    assert schedule["origin"]["kind"] == "refund"
    assert schedule["rule"] == "on_date"
    assert schedule["amount"] == "-50.00"
    assert ledger.items(schedule["number"]) == {"May'2026": -5_000}


def test_revenue_record_date_follows_the_workspace_timezone(ledger: Ledger) -> None:
    response = ledger.http.patch("/api/v1/workspace", json={"timezone": "Asia/Tokyo"})
    assert response.status_code == 200, response.text
    source = ledger.billing.source_id
    response = ledger.http.post(
        "/api/v1/revenues", json=sale(source, "s1", occurred_at="2026-05-31T16:00:00Z")
    )
    assert response.status_code == 201, response.text
    [schedule] = ledger.schedules()
    assert ledger.items(schedule["number"]) == {"Jun'2026": 24_900}  # June 1st in Tokyo


def test_a_second_post_of_a_record_makes_no_second_schedule(ledger: Ledger) -> None:
    source = ledger.billing.source_id
    for _ in range(2):
        ledger.http.post("/api/v1/revenues", json=sale(source, "s1"))
    assert len(ledger.schedules()) == 1


def test_unknown_schedule_answers_in_zuoras_shape(ledger: Ledger) -> None:
    response = ledger.http.get("/api/v1/revenue-events/revenue-schedules/RS-00000999")
    assert response.status_code == 404
    body = response.json()
    assert body["success"] is False
    assert body["processId"]
    [reason] = body["reasons"]
    assert len(str(reason["code"])) == 8 and reason["message"]


def test_page_size_and_next_page(ledger: Ledger) -> None:
    number = _annual(ledger)
    for amount in (366_000, 367_000):
        ledger.billing.invoices(sub("i1", "c1", "yearly", "s1", "2026-01-15", "2027-01-15", amount))
    first = ledger.events(number, pageSize=2)
    assert len(first["revenueEventDetails"]) == 2
    assert "page=2" in first["nextPage"]
    second = ledger.events(number, pageSize=2, page=2)
    assert [e["number"] for e in second["revenueEventDetails"]] == ["RE-00000003"]
    assert "nextPage" not in second
    assert len(ledger.events(number, pageSize=1000)["revenueEventDetails"]) == 3
    bad = ledger.http.get(f"/api/v1/revenue-events/revenue-schedules/{number}?pageSize=0")
    assert bad.status_code == 422 and bad.json()["success"] is False


def test_cancellation_stored_before_its_invoice_still_applies(ledger: Ledger) -> None:
    ledger.billing.customers("c1")
    ledger.billing.plan("yearly", 365_000, unit="year")
    ledger.billing.invoices(other("x1", "c1", "cancellation", "2026-04-01", subscription_id="s1"))
    ledger.billing.invoices(sub("i1", "c1", "yearly", "s1", "2026-01-15", "2027-01-15", 365_000))
    number = ledger.number_of("i1")
    assert ledger.totals(number) == {"Jan'2026": 17_000, "Feb'2026": 28_000, "Mar'2026": 31_000}
    # a second import of anything for this customer changes nothing more
    ledger.billing.invoices(sub("i2", "c1", "yearly", "s2", "2026-01-15", "2027-01-15", 365_000))
    assert ledger.totals(number) == {"Jan'2026": 17_000, "Feb'2026": 28_000, "Mar'2026": 31_000}
    assert ledger.totals(ledger.number_of("i2")) == ANNUAL


def test_a_restart_after_a_cancellation_is_not_cancelled(ledger: Ledger) -> None:
    ledger.billing.customers("c1")
    ledger.billing.plan("m", 3_100)
    ledger.billing.invoices(
        sub("i1", "c1", "m", "s1", "2026-01-01", "2026-02-01", 3_100),
        other("x1", "c1", "cancellation", "2026-01-21", subscription_id="s1"),
        sub("i2", "c1", "m", "s1", "2026-03-01", "2026-04-01", 3_100),
    )
    assert ledger.totals(ledger.number_of("i1")) == {"Jan'2026": 2_000}
    assert ledger.totals(ledger.number_of("i2")) == {"Mar'2026": 3_100}


def test_refund_invoice_reverses_a_one_time_charge_and_keeps_any_excess(ledger: Ledger) -> None:
    ledger.billing.customers("c1")
    ledger.billing.invoices(other("o1", "c1", "one-time", "2026-03-10", 15_000))
    ledger.billing.invoices(other("rf1", "c1", "refund", "2026-04-02", 5_000))
    charge = ledger.number_of("o1")
    assert ledger.totals(charge) == {"Mar'2026": 15_000, "Apr'2026": -5_000}
    assert ledger.events(charge)["revenueEventDetails"][-1]["eventType"] == "Invoice Canceled"
    ledger.billing.invoices(other("rf2", "c1", "refund", "2026-04-05", 12_000))
    assert ledger.totals(charge) == {"Mar'2026": 15_000, "Apr'2026": -15_000}
    excess = ledger.number_of("rf2")  # 2,000 beyond what was left of the charge
    assert ledger.totals(excess) == {"Apr'2026": -2_000}
    assert ledger.schedule(excess)["origin"]["kind"] == "refund"


def test_dates_and_periods_out_of_range_are_422(ledger: Ledger) -> None:
    number = _annual(ledger, 120_000, recognition_rule="manual")
    base = f"/api/v1/revenue-schedules/{number}"
    for body in (
        {"start_date": "2026-01-01", "end_date": "9999-12-31"},
        {"start_date": "0001-01-01", "end_date": "2026-01-31"},
    ):
        response = ledger.http.put(f"{base}/distribute-revenue-with-date-range", json=body)
        assert response.status_code == 422, response.text
    response = ledger.http.put(
        f"{base}/distribute-revenue-across-accounting-periods",
        json=[{"accounting_period": "Dec'9999", "amount": "1.00"}],
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "0.accounting_period"
    assert ledger.schedule(number)["undistributed"] == "1200.00"


def test_huge_distribution_amount_is_422_and_the_list_honours_as_of(ledger: Ledger) -> None:
    number = _annual(ledger, 120_000, recognition_rule="manual")
    path = f"/api/v1/revenue-schedules/{number}/distribute-revenue-across-accounting-periods"
    for amount in ("1e30", "1E+400"):
        response = ledger.http.put(path, json=[{"accounting_period": "Mar'2026", "amount": amount}])
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "0.amount"
    ledger.http.put(path, json=[{"accounting_period": "Mar'2026", "amount": "100.00"}])
    [listed] = ledger.schedules(as_of="2026-02-28")
    assert (listed["recognized"], listed["as_of"]) == ("0.00", "2026-02-28")
    [listed] = ledger.schedules(as_of="2026-03-01")
    assert listed["recognized"] == "100.00"
    bad = ledger.http.get("/api/v1/revenue-schedules", params={"as_of": "0001-01-01"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "as_of"
