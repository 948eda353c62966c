"""Acceptance tests of issue 4, written from the issue's text (item by item, example by
example) through HTTP, on SQLite and PostgreSQL. Figures are computed by hand in the
docstrings; amounts in cents unless written in currency units."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from revledger.db import Database
from tests.conftest import sale
from tests.metrics.helpers import Billing, other, sub
from tests.recognition.helpers import ANNUAL, Ledger, cents

EVENTS = "/api/v1/revenue-events/revenue-schedules"
PERIODS = "/api/v1/accounting-periods"


# --- helpers --------------------------------------------------------------------------------


def annual(ledger: Ledger, amount: int = 365_000, invoice: str = "i1", **plan: Any) -> str:
    """An annual subscription invoice from 2026-01-15 to 2027-01-15; its schedule number."""
    ledger.billing.customers("c1")
    ledger.billing.plan("yearly", amount, unit="year", **plan)
    result = ledger.billing.invoices(
        sub(invoice, "c1", "yearly", "s1", "2026-01-15", "2027-01-15", amount)
    )
    assert result[0]["import_status"] in ("inserted", "updated"), result
    return ledger.number_of(invoice)


def exact(response: Any) -> Any:
    """JSON with numbers parsed exactly (no float)."""
    return json.loads(response.text, parse_float=Decimal)


def record(ledger: Ledger, external_id: str, amount: str, when: str, **extra: Any) -> None:
    kind = "refund" if amount.startswith("-") else "sale"
    body = sale(
        ledger.billing.source_id,
        external_id,
        type=kind,
        amount=amount,
        occurred_at=when,
        **extra,
    )
    response = ledger.http.post("/api/v1/revenues", json=body)
    assert response.status_code == 201, response.text


def schedule_of_record(ledger: Ledger, external_id: str) -> str:
    for schedule in ledger.schedules(per_page=100):
        if schedule["origin"]["type"] == "revenue" and schedule["origin"]["id"] == external_id:
            return str(schedule["number"])
    raise AssertionError(f"no schedule for record {external_id}")


def entries(ledger: Ledger, **params: Any) -> list[dict[str, Any]]:
    response = ledger.http.get("/api/v1/journal/entries", params={"per_page": 100, **params})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def balanced(lines: list[dict[str, Any]]) -> None:
    per_currency: dict[str, Decimal] = {}
    for line in lines:
        value = Decimal(line["debit"]) - Decimal(line["credit"])
        per_currency[line["currency"]] = per_currency.get(line["currency"], Decimal(0)) + value
    assert all(v == 0 for v in per_currency.values()), per_currency


def seed_error(response: Any, status: int | tuple[int, ...]) -> None:
    """Seed 004's failure shape."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, response.text
    body = response.json()
    assert body["success"] is False
    assert body["processId"]
    assert body["reasons"]
    for reason in body["reasons"]:
        assert isinstance(reason["code"], int) and len(str(reason["code"])) == 8
        assert reason["message"]


# --- 1. accounting periods ------------------------------------------------------------------


def test_workspace_timezone_defaults_to_utc(ledger: Ledger) -> None:
    response = ledger.http.get("/api/v1/workspace")
    assert response.status_code == 200, response.text
    assert response.json()["data"]["timezone"] == "UTC"


def test_periods_are_monthly_contiguous_and_named_as_zuora_names_them(ledger: Ledger) -> None:
    ledger.billing.customers("c1")
    ledger.billing.invoices(other("o1", "c1", "one-time", "2026-01-10", 1_000))
    ledger.billing.invoices(other("o2", "c1", "one-time", "2026-04-10", 1_000))
    periods = ledger.periods()
    assert [p["name"] for p in periods] == ["Jan'2026", "Feb'2026", "Mar'2026", "Apr'2026"]
    feb = periods[1]
    assert (feb["start_date"], feb["end_date"], feb["status"]) == (
        "2026-02-01",
        "2026-02-28",
        "open",
    )
    assert all(p["status"] == "open" for p in periods)


def test_period_filters(ledger: Ledger) -> None:
    annual(ledger)
    ledger.close("Jan'2026")
    assert [p["name"] for p in ledger.periods(status="closed")] == ["Jan'2026"]
    assert len(ledger.periods(status="open")) == 12
    window = ledger.periods(date_from="2026-03-01", date_to="2026-05-31")
    assert [p["name"] for p in window] == ["Mar'2026", "Apr'2026", "May'2026"]
    bad = ledger.http.get(PERIODS, params={"date_from": "yesterday"})
    assert bad.status_code == 422, bad.text


def test_close_only_after_every_earlier_period_and_name_the_open_one(ledger: Ledger) -> None:
    annual(ledger)
    refused = ledger.http.post(f"{PERIODS}/Mar'2026/close")
    assert refused.status_code == 409, refused.text
    assert "Jan'2026" in refused.text
    ledger.close("Jan'2026")
    refused = ledger.http.post(f"{PERIODS}/Mar'2026/close")
    assert refused.status_code == 409, refused.text
    assert "Feb'2026" in refused.text


def test_close_by_period_id_records_who_and_when(ledger: Ledger) -> None:
    annual(ledger)
    created = ledger.http.post(
        "/api/v1/api-keys",
        json={"name": "closer", "scopes": ["read:recognition", "write:recognition"]},
    )
    assert created.status_code == 201, created.text
    key = created.json()["data"]
    jan = next(p for p in ledger.periods() if p["name"] == "Jan'2026")
    before = datetime.now(UTC) - timedelta(seconds=5)
    response = ledger.http.post(
        f"{PERIODS}/{jan['id']}/close", headers={"Authorization": f"Bearer {key['key']}"}
    )
    assert response.status_code == 200, response.text
    closed = response.json()["data"]
    assert closed["status"] == "closed"
    assert closed["closed_by"] == key["id"]
    closed_at = datetime.fromisoformat(closed["closed_at"].replace("Z", "+00:00"))
    assert before <= closed_at <= datetime.now(UTC) + timedelta(seconds=5)
    [listed] = ledger.periods(status="closed")
    assert listed["closed_by"] == key["id"] and listed["closed_at"] == closed["closed_at"]


def test_reopen_only_the_latest_closed_period(ledger: Ledger) -> None:
    annual(ledger)
    ledger.reopen("Jan'2026", status=409)  # not closed
    ledger.close("Jan'2026")
    ledger.close("Feb'2026")
    refused = ledger.http.post(f"{PERIODS}/Jan'2026/reopen")
    assert refused.status_code == 409, refused.text
    reopened = ledger.reopen("Feb'2026")["data"]
    assert reopened["status"] == "open"
    ledger.reopen("Jan'2026")
    assert ledger.periods(status="closed") == []
    # and it can close again
    ledger.close("Jan'2026")


def test_closing_twice_is_a_conflict(ledger: Ledger) -> None:
    annual(ledger)
    ledger.close("Jan'2026")
    ledger.close("Jan'2026", status=409)


def test_unknown_period_is_404(ledger: Ledger) -> None:
    annual(ledger)
    ledger.close("Jan'2030", status=404)


def test_scopes(ledger: Ledger, tenant: Any) -> None:
    number = annual(ledger)
    reader = {"Authorization": f"Bearer {tenant.key('read:recognition')}"}
    assert ledger.http.get(PERIODS, headers=reader).status_code == 200
    assert ledger.http.get(f"{EVENTS}/{number}", headers=reader).status_code == 200
    assert ledger.http.post(f"{PERIODS}/Jan'2026/close", headers=reader).status_code == 403
    assert ledger.http.get("/api/v1/journal/batches", headers=reader).status_code == 403
    journal_reader = {"Authorization": f"Bearer {tenant.key('read:journal')}"}
    assert ledger.http.get("/api/v1/journal/batches", headers=journal_reader).status_code == 200
    denied = ledger.http.get(f"{EVENTS}/{number}", headers=journal_reader)
    seed_error(denied, 403)
    ledger.close("Jan'2026")
    [batch] = ledger.http.get("/api/v1/journal/batches").json()["data"]
    put = ledger.http.put(
        f"/api/v1/journal/batches/{batch['id']}/status",
        json={"status": "TRANSFERRED"},
        headers=journal_reader,
    )
    assert put.status_code == 403, put.text


# --- 2. schedules, rules ----------------------------------------------------------------------


def test_schedule_numbers_run_per_workspace(
    ledger: Ledger, other_tenant: Any, database: Database
) -> None:
    assert annual(ledger) == "RS-00000001"
    ledger.billing.invoices(other("o1", "c1", "one-time", "2026-02-10", 5_000))
    assert ledger.number_of("o1") == "RS-00000002"
    record(ledger, "r1", "10.000", "2026-02-11T10:00:00Z")
    assert schedule_of_record(ledger, "r1") == "RS-00000003"
    elsewhere = Ledger(Billing(other_tenant, database))
    elsewhere.billing.customers("c1")
    elsewhere.billing.invoices(other("o1", "c1", "one-time", "2026-02-10", 5_000))
    assert elsewhere.number_of("o1") == "RS-00000001"
    assert elsewhere.events("RS-00000001")["revenueEventDetails"][0]["number"] == "RE-00000001"


def test_refund_and_cancellation_invoices_get_no_schedule_of_their_own(ledger: Ledger) -> None:
    annual(ledger)
    ledger.billing.invoices(other("x1", "c1", "cancellation", "2026-04-01", subscription_id="s1"))
    assert ledger.schedules(invoice_id="x1") == []


def test_daily_is_the_default_for_subscription_invoices(ledger: Ledger) -> None:
    number = annual(ledger)
    assert ledger.schedule(number)["rule"] == "daily"
    assert ledger.items(number) == ANNUAL


def test_annual_invoice_with_the_monthly_rule(ledger: Ledger) -> None:
    """2026-01-15 to 2027-01-15 touches 13 calendar months: 365,000 / 13 = 28,076.92 ->
    28,077 for the first twelve, the last gets the rest: 365,000 - 336,924 = 28,076."""
    number = annual(ledger, recognition_rule="monthly")
    expected = dict.fromkeys(ANNUAL, 28_077)
    expected["Jan'2027"] = 28_076
    assert ledger.items(number) == expected
    assert ledger.schedule(number)["rule"] == "monthly"


LEAP_DAYS = {
    "Feb'2028": 1,
    "Mar'2028": 31,
    "Apr'2028": 30,
    "May'2028": 31,
    "Jun'2028": 30,
    "Jul'2028": 31,
    "Aug'2028": 31,
    "Sep'2028": 30,
    "Oct'2028": 31,
    "Nov'2028": 30,
    "Dec'2028": 31,
    "Jan'2029": 31,
}


def test_leap_day_annual_invoice_ending_2029_02_28(ledger: Ledger) -> None:
    """[2028-02-29, 2029-02-28) is 365 days: 1,000 cents a day; Feb'2029 has 27 days."""
    ledger.billing.customers("c1")
    ledger.billing.plan("yearly", 365_000, unit="year")
    ledger.billing.invoices(sub("i1", "c1", "yearly", "s1", "2028-02-29", "2029-02-28", 365_000))
    expected = {name: days * 1_000 for name, days in LEAP_DAYS.items()}
    expected["Feb'2029"] = 27_000
    number = ledger.number_of("i1")
    assert ledger.items(number) == expected
    [event] = ledger.events(number)["revenueEventDetails"]
    assert (event["recognitionStart"], event["recognitionEnd"]) == ("2028-02-29", "2029-02-27")


def test_leap_day_annual_invoice_ending_2029_03_01(ledger: Ledger) -> None:
    """[2028-02-29, 2029-03-01) is 366 days: 365,000 / 366 = 997.2678 a day.
    1 day -> 997.27 -> 997; 31 days -> 30,915.30 -> 30,915; 30 days -> 29,918.03 ->
    29,918; Feb'2029 (28 days) the rest: 365,000 - (997 + 7 x 30,915 + 4 x 29,918) =
    365,000 - 337,074 = 27,926. March 2029 is not touched (the end is exclusive)."""
    ledger.billing.customers("c1")
    ledger.billing.plan("yearly", 365_000, unit="year")
    ledger.billing.invoices(sub("i1", "c1", "yearly", "s1", "2028-02-29", "2029-03-01", 365_000))
    share = {1: 997, 30: 29_918, 31: 30_915}
    expected = {name: share[days] for name, days in LEAP_DAYS.items()}
    expected["Feb'2029"] = 27_926
    assert ledger.items(ledger.number_of("i1")) == expected
    assert sum(expected.values()) == 365_000


def test_leap_day_annual_invoice_with_the_monthly_rule(ledger: Ledger) -> None:
    """Feb'2028 to Feb'2029: 13 months; 365,000 / 13 -> 28,077 x 12 + 28,076."""
    ledger.billing.customers("c1")
    ledger.billing.plan("yearly", 365_000, unit="year", recognition_rule="monthly")
    ledger.billing.invoices(sub("i1", "c1", "yearly", "s1", "2028-02-29", "2029-03-01", 365_000))
    expected = dict.fromkeys(LEAP_DAYS, 28_077)
    expected["Feb'2029"] = 28_076
    assert ledger.items(ledger.number_of("i1")) == expected


def test_three_days_across_a_month_end(ledger: Ledger) -> None:
    ledger.billing.customers("c1")
    ledger.billing.plan("m", 100)
    ledger.billing.invoices(sub("i1", "c1", "m", "s1", "2026-01-30", "2026-02-02", 100))
    number = ledger.number_of("i1")
    assert ledger.items(number) == {"Jan'2026": 67, "Feb'2026": 33}
    raw = ledger.http.get(f"{EVENTS}/{number}").text
    assert '"amount":0.67,' in raw and '"amount":0.33,' in raw


def test_shares_are_rounded_half_up(ledger: Ledger) -> None:
    """5 cents over 2026-01-31 and 2026-02-01: January's share is 2.5 -> 3 (half-up, not
    to even), February the rest (2)."""
    ledger.billing.customers("c1")
    ledger.billing.plan("m", 5)
    ledger.billing.invoices(sub("i1", "c1", "m", "s1", "2026-01-31", "2026-02-02", 5))
    assert ledger.items(ledger.number_of("i1")) == {"Jan'2026": 3, "Feb'2026": 2}


def test_shares_use_the_currencys_minor_unit(ledger: Ledger) -> None:
    """1,000 JPY over 2026-01-30..2026-02-02 (3 days): 666.67 -> 667 yen, then 333."""
    ledger.billing.customers("c1")
    ledger.billing.invoices(
        other(
            "o1",
            "c1",
            "one-time",
            "2026-01-30",
            1_000,
            currency="JPY",
            end_date="2026-02-02T00:00:00Z",
        )
    )
    number = ledger.number_of("o1")
    body = ledger.events(number)
    items = {
        i["accountingPeriodName"]: i["amount"]
        for i in body["revenueEventDetails"][0]["revenueItems"]
    }
    assert items == {"Jan'2026": Decimal("667.0"), "Feb'2026": Decimal("333.0")}
    assert ledger.schedule(number)["rule"] == "daily"


def test_monthly_rule_over_three_months(ledger: Ledger) -> None:
    ledger.billing.customers("c1")
    ledger.billing.plan("q", 100, unit="month", count=3, recognition_rule="monthly")
    ledger.billing.invoices(sub("i1", "c1", "q", "s1", "2026-01-01", "2026-04-01", 100))
    assert ledger.items(ledger.number_of("i1")) == {
        "Jan'2026": 33,
        "Feb'2026": 33,
        "Mar'2026": 34,
    }


def test_one_time_invoice_whose_start_equals_its_end_is_recognized_on_its_date(
    ledger: Ledger,
) -> None:
    """The invoice `date` decides, not the start/end day."""
    ledger.billing.customers("c1")
    invoice = other("o1", "c1", "one-time", "2026-04-02", 15_000, date="2026-03-31T00:00:00Z")
    ledger.billing.invoices(invoice)
    number = ledger.number_of("o1")
    assert ledger.items(number) == {"Mar'2026": 15_000}
    assert ledger.schedule(number)["rule"] == "on_date"
    [event] = ledger.events(number)["revenueEventDetails"]
    assert event["recognitionStart"] == event["recognitionEnd"] == "2026-03-31"


def test_revenue_record_is_recognized_on_its_occurred_at(ledger: Ledger) -> None:
    record(ledger, "r1", "249.000", "2026-05-31T10:00:00Z")
    number = schedule_of_record(ledger, "r1")
    schedule = ledger.schedule(number)
    assert schedule["rule"] == "on_date"
    assert schedule["origin"]["type"] == "revenue"
    assert ledger.items(number) == {"May'2026": 24_900}


def _source(ledger: Ledger, name: str, rule: str) -> str:
    response = ledger.http.post(
        "/api/v1/revenue-sources", json={"name": name, "recognition_rule": rule}
    )
    assert response.status_code == 201, response.text
    assert response.json()["data"]["recognition_rule"] == rule
    return str(response.json()["data"]["id"])


def _import(ledger: Ledger, path: str, source: str, *items: dict[str, Any]) -> None:
    response = ledger.http.post(path, json=[{"data_source": source, **i} for i in items])
    assert response.status_code == 200, response.text
    assert all(r["import_status"] != "error" for r in response.json()["result"]), response.text


def test_rule_set_per_source(ledger: Ledger) -> None:
    """A source created with `recognition_rule: monthly`: a subscription invoice without a
    plan rule is spread equally per month (33/33/34)."""
    _source(ledger, "chargebee", "monthly")
    _import(ledger, "/api/v1/customers", "chargebee", {"id": "c1"})
    plan = {"id": "q", "name": "q", "interval_unit": "month", "interval_count": 3}
    _import(ledger, "/api/v1/plans", "chargebee", {**plan, "currency": "USD", "amount_cents": 100})
    _import(
        ledger,
        "/api/v1/invoices",
        "chargebee",
        sub("i1", "c1", "q", "s1", "2026-01-01", "2026-04-01", 100),
    )
    number = ledger.number_of("i1")
    assert ledger.schedule(number)["rule"] == "monthly"
    assert ledger.items(number) == {"Jan'2026": 33, "Feb'2026": 33, "Mar'2026": 34}


def test_plan_rule_wins_over_the_source_rule(ledger: Ledger) -> None:
    _source(ledger, "chargebee", "monthly")
    _import(ledger, "/api/v1/customers", "chargebee", {"id": "c1"})
    plan = {"id": "m", "name": "m", "interval_unit": "month", "interval_count": 1}
    _import(
        ledger,
        "/api/v1/plans",
        "chargebee",
        {**plan, "currency": "USD", "amount_cents": 100, "recognition_rule": "daily"},
    )
    _import(
        ledger,
        "/api/v1/invoices",
        "chargebee",
        sub("i1", "c1", "m", "s1", "2026-01-30", "2026-02-02", 100),
    )
    number = ledger.number_of("i1")
    assert ledger.schedule(number)["rule"] == "daily"
    assert ledger.items(number) == {"Jan'2026": 67, "Feb'2026": 33}


def test_manual_source_holds_records_and_invoices_in_open_ended(ledger: Ledger) -> None:
    source = _source(ledger, "manual-src", "manual")
    response = ledger.http.post(
        "/api/v1/revenues", json=sale(source, "r1", occurred_at="2026-05-10T10:00:00Z")
    )
    assert response.status_code == 201, response.text
    [schedule] = ledger.schedules(source=source)
    assert schedule["rule"] == "manual"
    assert schedule["undistributed"] == "249.00"
    [event] = ledger.events(schedule["number"])["revenueEventDetails"]
    [item] = event["revenueItems"]
    assert item["accountingPeriodName"] == "Open-Ended"
    assert item["accountingPeriodEndDate"] is None
    assert item["amount"] == Decimal("249.0")
    _import(ledger, "/api/v1/customers", "manual-src", {"id": "c1"})
    _import(
        ledger,
        "/api/v1/invoices",
        "manual-src",
        other("o1", "c1", "one-time", "2026-05-11", 5_000),
    )
    number = ledger.number_of("o1")
    assert ledger.schedule(number)["rule"] == "manual"
    assert ledger.items(number) == {"Open-Ended": 5_000}


# --- 2. events ----------------------------------------------------------------------------


def test_event_numbers_run_upward_across_schedules(ledger: Ledger) -> None:
    first = annual(ledger)
    record(ledger, "r1", "10.000", "2026-02-11T10:00:00Z")
    annual(ledger, 438_000)  # an update of i1
    [posted, adjusted] = ledger.events(first)["revenueEventDetails"]
    assert (posted["number"], posted["eventType"]) == ("RE-00000001", "Invoice Posted")
    assert (adjusted["number"], adjusted["eventType"]) == (
        "RE-00000003",
        "Invoice Item Adjustment Created",
    )
    [rec] = ledger.events(schedule_of_record(ledger, "r1"))["revenueEventDetails"]
    assert rec["number"] == "RE-00000002"


def test_adjustment_carries_the_difference_by_the_same_rule(ledger: Ledger) -> None:
    """365,000 -> 438,000: the difference 73,000 over 365 days is 200 a day."""
    number = annual(ledger)
    annual(ledger, 438_000)
    assert ledger.items(number) == {name: value // 5 for name, value in ANNUAL.items()}
    assert ledger.totals(number) == {name: value * 6 // 5 for name, value in ANNUAL.items()}
    assert ledger.schedule(number)["amount"] == "4380.00"


def test_cancellation_mid_service(ledger: Ledger) -> None:
    """Cancelled on 2026-04-11: Jan 17,000 + Feb 28,000 + Mar 31,000 + Apr 1-10 10,000 =
    86,000 kept; 279,000 reversed (April 20,000, then May to Jan'2027 in full)."""
    number = annual(ledger)
    ledger.billing.invoices(other("x1", "c1", "cancellation", "2026-04-11", subscription_id="s1"))
    details = ledger.events(number)["revenueEventDetails"]
    assert [e["eventType"] for e in details] == ["Invoice Posted", "Invoice Canceled"]
    reversal = ledger.items(number)
    expected = {name: -value for name, value in ANNUAL.items()}
    del expected["Jan'2026"], expected["Feb'2026"], expected["Mar'2026"]
    expected["Apr'2026"] = -20_000
    assert reversal == expected
    assert sum(reversal.values()) == -279_000
    assert ledger.totals(number) == {
        "Jan'2026": 17_000,
        "Feb'2026": 28_000,
        "Mar'2026": 31_000,
        "Apr'2026": 10_000,
    }
    schedule = ledger.schedule(number)
    assert schedule["amount"] == "860.00"


def test_refund_invoice_of_a_one_time_charge_reverses_its_amount(ledger: Ledger) -> None:
    ledger.billing.customers("c1")
    ledger.billing.invoices(
        other("o1", "c1", "one-time", "2026-03-10", 15_000, subscription_id="s9")
    )
    ledger.billing.invoices(
        other("rf1", "c1", "refund", "2026-03-20", 15_000, subscription_id="s9")
    )
    number = ledger.number_of("o1")
    details = ledger.events(number)["revenueEventDetails"]
    assert [e["eventType"] for e in details] == ["Invoice Posted", "Invoice Canceled"]
    assert ledger.items(number) == {"Mar'2026": -15_000}
    assert ledger.totals(number) == {}
    assert ledger.schedule(number)["amount"] == "0.00"


def test_items_sum_to_the_event_amount(ledger: Ledger) -> None:
    number = annual(ledger, 100_003)
    annual(ledger, 100_010)
    for event in ledger.events(number)["revenueEventDetails"]:
        periods = [i["accountingPeriodStartDate"] for i in event["revenueItems"]]
        assert periods == sorted(periods)
    assert sum(ledger.items(number, 0).values()) == 100_003
    assert sum(ledger.items(number, 1).values()) == 7


# --- 5. closed periods ------------------------------------------------------------------------


def test_record_dated_in_a_closed_period_lands_in_the_first_open_one(ledger: Ledger) -> None:
    record(ledger, "r1", "10.000", "2026-01-10T10:00:00Z")
    ledger.close("Jan'2026")
    record(ledger, "r2", "20.000", "2026-01-20T10:00:00Z")
    number = schedule_of_record(ledger, "r2")
    [event] = ledger.events(number)["revenueEventDetails"]
    [item] = event["revenueItems"]
    assert item["accountingPeriodName"] == "Feb'2026"
    assert item["isAccountingPeriodClosed"] is False
    assert item["accountingPeriodStartDate"] == "2026-02-01"
    report = ledger.http.get(
        "/api/v1/reports/recognized-revenue",
        params={"start_period": "Jan'2026", "end_period": "Feb'2026"},
    ).json()
    [totals] = report["totals"]
    assert totals["recognized"] == {"Jan'2026": "10.00", "Feb'2026": "20.00"}


def test_update_after_two_closed_months(ledger: Ledger) -> None:
    """365,000 -> 730,000 after Jan and Feb closed: the difference's Jan (17,000) and Feb
    (28,000) shares land in Mar'2026 with its own 31,000; Jan/Feb keep their totals."""
    number = annual(ledger)
    ledger.close("Jan'2026")
    ledger.close("Feb'2026")
    annual(ledger, 730_000)
    adjustment = ledger.items(number)
    assert adjustment["Mar'2026"] == 76_000
    assert "Jan'2026" not in adjustment and "Feb'2026" not in adjustment
    assert sum(adjustment.values()) == 365_000
    totals = ledger.totals(number)
    assert totals["Jan'2026"] == 17_000 and totals["Feb'2026"] == 28_000
    assert totals["Mar'2026"] == 31_000 + 76_000
    report = ledger.http.get(
        "/api/v1/reports/recognized-revenue",
        params={"start_period": "Jan'2026", "end_period": "Mar'2026"},
    ).json()
    assert report["totals"][0]["recognized"] == {
        "Jan'2026": "170.00",
        "Feb'2026": "280.00",
        "Mar'2026": "1070.00",
    }


# --- 6. seed 004 --------------------------------------------------------------------------


def test_seed_004_shape(ledger: Ledger) -> None:
    number = annual(ledger)
    response = ledger.http.get(f"{EVENTS}/{number}")
    assert response.status_code == 200
    body = exact(response)
    assert set(body) == {"revenueEventDetails", "success"}
    assert body["success"] is True
    [event] = body["revenueEventDetails"]
    for key in (
        "number",
        "currency",
        "notes",
        "accountId",
        "subscriptionId",
        "subscriptionChargeId",
        "createdOn",
        "eventType",
        "recognitionStart",
        "recognitionEnd",
        "revenueItems",
    ):
        assert key in event, key
    assert event["accountId"] == "c1"
    assert event["subscriptionId"] == "s1"
    assert event["subscriptionChargeId"] == "i1"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", event["createdOn"])
    assert event["recognitionStart"] == "2026-01-15"
    for item in event["revenueItems"]:
        assert set(item) == {
            "accountingPeriodName",
            "isAccountingPeriodClosed",
            "amount",
            "currency",
            "accountingPeriodStartDate",
            "accountingPeriodEndDate",
        }
    last = event["revenueItems"][-1]
    assert last == {
        "accountingPeriodName": "Jan'2027",
        "isAccountingPeriodClosed": False,
        "amount": Decimal("140.0"),
        "currency": "USD",
        "accountingPeriodStartDate": "2027-01-01",
        "accountingPeriodEndDate": "2027-01-31",
    }
    assert '"amount":170.0,' in response.text
    assert '"amount":280.0,' in response.text


def test_seed_004_open_ended_and_negative_amounts(ledger: Ledger) -> None:
    number = annual(ledger, 120_000, recognition_rule="manual")
    path = f"/api/v1/revenue-schedules/{number}/distribute-revenue-across-accounting-periods"
    response = ledger.http.put(path, json=[{"accounting_period": "Mar'2026", "amount": "10"}])
    assert response.status_code == 200, response.text
    raw = ledger.http.get(f"{EVENTS}/{number}")
    body = exact(raw)
    posted, distributed = body["revenueEventDetails"]
    [held] = posted["revenueItems"]
    assert held["accountingPeriodName"] == "Open-Ended"
    assert held["accountingPeriodEndDate"] is None
    assert held["isAccountingPeriodClosed"] is False
    assert distributed["eventType"] == "Revenue Distributed"
    names = [i["accountingPeriodName"] for i in distributed["revenueItems"]]
    assert names == ["Mar'2026", "Open-Ended"]  # ascending: Open-Ended last
    assert '"amount":1200.0,' in raw.text
    assert '"amount":10.0,' in raw.text and '"amount":-10.0,' in raw.text
    assert '"accountingPeriodEndDate":null' in raw.text


def test_seed_004_page_size(ledger: Ledger) -> None:
    number = annual(ledger)
    annual(ledger, 366_000)
    first = ledger.events(number, pageSize=1)
    assert [e["number"] for e in first["revenueEventDetails"]] == ["RE-00000001"]
    assert first["nextPage"]
    nxt = ledger.http.get(first["nextPage"])
    assert nxt.status_code == 200, nxt.text
    assert [e["number"] for e in nxt.json()["revenueEventDetails"]] == ["RE-00000002"]
    second = ledger.events(number, pageSize=1, page=2)
    assert [e["number"] for e in second["revenueEventDetails"]] == ["RE-00000002"]
    assert "nextPage" not in second or second["nextPage"] is None
    # more than 300 is treated as 300
    big = ledger.events(number, pageSize=301)
    assert len(big["revenueEventDetails"]) == 2
    assert len(ledger.events(number, pageSize=100000)["revenueEventDetails"]) == 2
    assert len(ledger.events(number)["revenueEventDetails"]) == 2


def test_seed_004_errors(ledger: Ledger, tenant: Any) -> None:
    number = annual(ledger)
    seed_error(ledger.http.get(f"{EVENTS}/RS-00000999"), 404)
    seed_error(ledger.http.get(f"{EVENTS}/nonsense"), 404)
    seed_error(ledger.http.get(f"{EVENTS}/{number}", params={"pageSize": "abc"}), (400, 422))
    seed_error(ledger.http.get(f"{EVENTS}/{number}", params={"pageSize": "0"}), (400, 422))
    seed_error(ledger.http.get(f"{EVENTS}/{number}", headers={"Authorization": "Bearer nope"}), 401)


# --- 7. schedules API, manual distribution --------------------------------------------------


def test_schedule_filters(ledger: Ledger) -> None:
    annual(ledger)
    ledger.billing.customers("c2")
    ledger.billing.plan("m", 3_100, recognition_rule="monthly")
    ledger.billing.invoices(sub("i2", "c2", "m", "s2", "2026-03-01", "2026-04-01", 3_100))
    record(ledger, "r1", "10.000", "2026-02-11T10:00:00Z")

    def numbers(**params: Any) -> list[str]:
        return [s["number"] for s in ledger.schedules(**params)]

    assert numbers() == ["RS-00000001", "RS-00000002", "RS-00000003"]
    assert numbers(customer_id="c2") == ["RS-00000002"]
    assert numbers(invoice_id="i1") == ["RS-00000001"]
    assert numbers(subscription_id="s2") == ["RS-00000002"]
    assert numbers(rule="monthly") == ["RS-00000002"]
    assert numbers(rule="on_date") == ["RS-00000003"]
    assert numbers(period="Feb'2026") == ["RS-00000001", "RS-00000003"]
    assert numbers(source=ledger.billing.source_id) == numbers()
    assert numbers(source="stripe") == numbers()
    bad = ledger.http.get("/api/v1/revenue-schedules", params={"rule": "weekly"})
    assert bad.status_code == 422, bad.text


def test_schedule_fields(ledger: Ledger) -> None:
    number = annual(ledger)
    schedule = ledger.schedule(number)
    assert schedule["number"] == number
    assert schedule["amount"] == "3650.00"
    assert schedule["rule"] == "daily"
    assert schedule["origin"]["type"] == "invoice" and schedule["origin"]["id"] == "i1"
    assert Decimal(schedule["recognized"]) + Decimal(schedule["deferred"]) == Decimal("3650.00")
    assert schedule["undistributed"] == "0.00"
    missing = ledger.http.get("/api/v1/revenue-schedules/RS-00000099")
    assert missing.status_code == 404


def test_manual_schedule_distributed_in_two_steps(ledger: Ledger) -> None:
    """1,200.00 held; 12.50 to Mar'2026 and 487.50 to Apr'2026, then the remaining 700.00
    ratably by day from 2026-05-01 to 2026-06-30 (61 days; May 31/61 of 70,000 =
    35,573.77 -> 35,574, June the rest 34,426)."""
    number = annual(ledger, 120_000, recognition_rule="manual")
    assert ledger.schedule(number)["undistributed"] == "1200.00"
    path = f"/api/v1/revenue-schedules/{number}/distribute-revenue-across-accounting-periods"
    # amounts as JSON numbers, written as text so that no float is involved
    body = '[{"accounting_period": "Mar\'2026", "amount": 12.5},'
    body += ' {"accounting_period": "Apr\'2026", "amount": 487.5}]'
    response = ledger.http.put(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert ledger.items(number) == {"Mar'2026": 1_250, "Apr'2026": 48_750, "Open-Ended": -50_000}
    schedule = ledger.schedule(number)
    assert schedule["undistributed"] == "700.00"
    last = ledger.events(number)["revenueEventDetails"][-1]
    assert last["eventType"] == "Revenue Distributed"
    response = ledger.http.put(
        f"/api/v1/revenue-schedules/{number}/distribute-revenue-with-date-range",
        json={"start_date": "2026-05-01", "end_date": "2026-06-30"},
    )
    assert response.status_code == 200, response.text
    assert ledger.items(number) == {"May'2026": 35_574, "Jun'2026": 34_426, "Open-Ended": -70_000}
    assert ledger.schedule(number)["undistributed"] == "0.00"
    types = [e["eventType"] for e in ledger.events(number)["revenueEventDetails"]]
    assert types == ["Invoice Posted", "Revenue Distributed", "Revenue Distributed"]


def test_distribution_limits(ledger: Ledger) -> None:
    number = annual(ledger, 120_000, recognition_rule="manual")
    path = f"/api/v1/revenue-schedules/{number}/distribute-revenue-across-accounting-periods"
    too_much = ledger.http.put(path, json=[{"accounting_period": "May'2026", "amount": "1200.01"}])
    assert too_much.status_code == 422, too_much.text
    months = [f"{y:04d}-{m:02d}" for y in range(2026, 2050) for m in range(1, 13)][:251]
    many = ledger.http.put(path, json=[{"accounting_period": p, "amount": "0.01"} for p in months])
    assert many.status_code == 422, many.text
    ok = ledger.http.put(
        path, json=[{"accounting_period": p, "amount": "0.01"} for p in months[:250]]
    )
    assert ok.status_code == 200, ok.text
    assert ledger.schedule(number)["undistributed"] == "1197.50"
    daily = annual(ledger, 365_000, invoice="i2")
    refused = ledger.http.put(
        f"/api/v1/revenue-schedules/{daily}/distribute-revenue-across-accounting-periods",
        json=[{"accounting_period": "Mar'2026", "amount": "1.00"}],
    )
    assert refused.status_code in (400, 409, 422), refused.text
    refused = ledger.http.put(
        f"/api/v1/revenue-schedules/{daily}/distribute-revenue-with-date-range",
        json={"start_date": "2026-05-01", "end_date": "2026-06-30"},
    )
    assert refused.status_code in (400, 409, 422), refused.text


def test_distribution_into_a_closed_period_lands_in_the_first_open_one(ledger: Ledger) -> None:
    number = annual(ledger, 120_000, recognition_rule="manual")
    record(ledger, "r1", "1.000", "2026-01-20T10:00:00Z")
    ledger.close("Jan'2026")
    path = f"/api/v1/revenue-schedules/{number}/distribute-revenue-across-accounting-periods"
    response = ledger.http.put(path, json=[{"accounting_period": "Jan'2026", "amount": "100"}])
    assert response.status_code == 200, response.text
    assert ledger.items(number) == {"Feb'2026": 10_000, "Open-Ended": -10_000}


# --- 8. reports -----------------------------------------------------------------------------


def test_recognized_revenue_report_groupings(ledger: Ledger) -> None:
    annual(ledger)
    record(ledger, "r1", "10.000", "2026-02-11T10:00:00Z", external_product_identifier="p1")
    params = {"start_period": "Jan'2026", "end_period": "Mar'2026"}
    url = "/api/v1/reports/recognized-revenue"
    body = ledger.http.get(url, params=params).json()
    [totals] = body["totals"]
    assert totals["recognized"] == {
        "Jan'2026": "170.00",
        "Feb'2026": "290.00",
        "Mar'2026": "310.00",
    }
    assert totals["total"] == "770.00"
    for group in ("source", "plan", "product", "customer", "currency"):
        response = ledger.http.get(url, params={**params, "group_by": group})
        assert response.status_code == 200, (group, response.text)
        rows = response.json()["data"]
        assert sum(Decimal(r["total"]) for r in rows) == Decimal("770.00"), group
    by_customer = ledger.http.get(url, params={**params, "group_by": "customer"}).json()["data"]
    assert {r["customer_id"]: r["total"] for r in by_customer} == {
        "c1": "760.00",
        None: "10.00",
    }
    by_product = ledger.http.get(url, params={**params, "group_by": "product"}).json()["data"]
    assert {r["product_id"]: r["total"] for r in by_product}["p1"] == "10.00"
    csv_response = ledger.http.get(url, params=params, headers={"Accept": "text/csv"})
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_response.text)))
    assert "Jan'2026" in rows[0] and "170.00" in [c for r in rows[1:] for c in r]


def test_deferred_revenue_report(ledger: Ledger) -> None:
    """At the end of Feb'2026: billed 3,650.00, recognized 450.00, deferred 3,200.00."""
    number = annual(ledger)
    body = ledger.http.get(
        "/api/v1/reports/deferred-revenue", params={"as_of": "2026-02-28"}
    ).json()
    [row] = body["data"]
    assert row["schedule_number"] == number
    assert (row["billed"], row["recognized"], row["deferred"]) == ("3650.00", "450.00", "3200.00")
    [total] = body["totals"]
    assert total["deferred"] == "3200.00"
    csv_response = ledger.http.get(
        "/api/v1/reports/deferred-revenue",
        params={"as_of": "2026-02-28"},
        headers={"Accept": "text/csv"},
    )
    assert csv_response.status_code == 200
    assert "3200.00" in csv_response.text
    bad = ledger.http.get("/api/v1/reports/deferred-revenue", params={"as_of": "soon"})
    assert bad.status_code == 422


def test_waterfall_and_billed_equals_recognized_plus_deferred(ledger: Ledger) -> None:
    annual(ledger)
    ledger.billing.invoices(other("o1", "c1", "one-time", "2026-02-10", 5_000))
    body = ledger.http.get(
        "/api/v1/reports/waterfall", params={"start_period": "Jan'2026", "end_period": "Mar'2026"}
    ).json()
    rows = {r["billed_period"]: r for r in body["data"]}
    assert rows["Jan'2026"]["recognized"] == {
        "Jan'2026": "170.00",
        "Feb'2026": "280.00",
        "Mar'2026": "310.00",
    }
    assert rows["Feb'2026"]["recognized"]["Feb'2026"] == "50.00"
    assert rows["Feb'2026"]["recognized"].get("Jan'2026", "0.00") == "0.00"
    for line in body["summary"]:
        assert Decimal(line["billed_to_date"]) == Decimal(line["recognized_to_date"]) + Decimal(
            line["deferred"]
        )
    feb = next(s for s in body["summary"] if s["period"] == "Feb'2026")
    assert (feb["billed_to_date"], feb["recognized_to_date"], feb["deferred"]) == (
        "3700.00",
        "500.00",
        "3200.00",
    )
    csv_response = ledger.http.get(
        "/api/v1/reports/waterfall",
        params={"start_period": "Jan'2026", "end_period": "Mar'2026"},
        headers={"Accept": "text/csv"},
    )
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")


# --- 9./10. journal, batches, trial balance -------------------------------------------------


def test_default_chart_of_accounts(ledger: Ledger) -> None:
    body = ledger.http.get("/api/v1/gl-accounts").json()["data"]
    assert set(body["defaults"].values()) == {
        "Accounts Receivable",
        "Deferred Revenue",
        "Revenue",
        "Refunds",
    }
    assert body["account_types"]["refunds"] == "contra-revenue"


def test_invoice_journal_entry_and_traceability(ledger: Ledger) -> None:
    number = annual(ledger)
    [entry] = entries(ledger)
    assert entry["event"] == "RE-00000001" and entry["schedule"] == number
    assert entry["origin"]["type"] == "invoice" and entry["origin"]["id"] == "i1"
    lines = [(x["period"], x["account"], x["debit"], x["credit"]) for x in entry["lines"]]
    assert ("Jan'2026", "Accounts Receivable", "3650.00", "0.00") in lines
    assert ("Jan'2026", "Deferred Revenue", "0.00", "3650.00") in lines
    assert ("Jan'2026", "Deferred Revenue", "170.00", "0.00") in lines
    assert ("Jan'2026", "Revenue", "0.00", "170.00") in lines
    assert ("Feb'2026", "Revenue", "0.00", "280.00") in lines
    assert ("Jan'2027", "Revenue", "0.00", "140.00") in lines
    balanced(entry["lines"])


def test_refund_record_debits_refunds(ledger: Ledger) -> None:
    record(ledger, "rf1", "-49.500", "2026-05-10T10:00:00Z")
    [entry] = entries(ledger)
    assert entry["origin"]["type"] == "revenue"
    assert entry["origin"]["external_id"] == "rf1"
    balanced(entry["lines"])
    refunds = [x for x in entry["lines"] if x["account"] == "Refunds"]
    assert [(x["debit"], x["credit"], x["period"]) for x in refunds] == [
        ("49.50", "0.00", "May'2026")
    ]
    receivable = [x for x in entry["lines"] if x["account"] == "Accounts Receivable"]
    assert [(x["debit"], x["credit"]) for x in receivable] == [("0.00", "49.50")]


def test_every_event_and_record_makes_a_balanced_entry(ledger: Ledger) -> None:
    annual(ledger)
    annual(ledger, 400_000)
    ledger.billing.invoices(other("x1", "c1", "cancellation", "2026-06-11", subscription_id="s1"))
    record(ledger, "r1", "10.005", "2026-02-11T10:00:00Z")
    record(ledger, "rf1", "-3.000", "2026-02-12T10:00:00Z")
    found = entries(ledger)
    assert [e["event"] for e in found] == [f"RE-0000000{n}" for n in range(1, 6)]
    for entry in found:
        balanced(entry["lines"])


def test_gl_accounts_per_source(ledger: Ledger) -> None:
    accounts = {
        "accounts_receivable": "1200 AR",
        "deferred_revenue": "2400 Deferred",
        "revenue": "4000 Revenue",
        "refunds": "4900 Refunds",
    }
    response = ledger.http.put(
        "/api/v1/gl-accounts", json={"source_id": "stripe", "accounts": accounts}
    )
    assert response.status_code == 200, response.text
    record(ledger, "r1", "10.000", "2026-02-11T10:00:00Z")
    [entry] = entries(ledger)
    assert {x["account"] for x in entry["lines"]} == {"1200 AR", "2400 Deferred", "4000 Revenue"}


def test_closing_makes_a_batch_then_transfer_once(ledger: Ledger) -> None:
    annual(ledger)
    record(ledger, "rf1", "-49.500", "2026-01-20T10:00:00Z")
    ledger.close("Jan'2026")
    response = ledger.http.get("/api/v1/journal/batches")
    assert response.status_code == 200, response.text
    [batch] = response.json()["data"]
    assert batch["status"] == "READY_TO_TRANSFER"
    ready = ledger.http.get("/api/v1/journal/batches", params={"status": "READY_TO_TRANSFER"})
    assert [b["id"] for b in ready.json()["data"]] == [batch["id"]]
    detail = ledger.http.get(f"/api/v1/journal/batches/{batch['id']}")
    assert detail.status_code == 200, detail.text
    lines = detail.json()["data"]["lines"]
    keys = [(x["account"], x["currency"], x["period"]) for x in lines]
    assert len(keys) == len(set(keys))  # summarized by account, currency and period
    assert {x["period"] for x in lines} == {"Jan'2026"}
    balanced(lines)
    by_account = {x["account"]: (x["debit"], x["credit"]) for x in lines}
    assert by_account["Revenue"] == ("0.00", "170.00")
    assert by_account["Refunds"] == ("49.50", "0.00")
    paged = ledger.http.get(
        f"/api/v1/journal/batches/{batch['id']}", params={"page": 2, "pagesize": 1}
    )
    assert paged.status_code == 200, paged.text
    assert paged.json()["data"]["lines"] == lines[1:2]
    big = ledger.http.get(f"/api/v1/journal/batches/{batch['id']}", params={"pagesize": 10_000})
    assert big.status_code == 200
    too_big = ledger.http.get(f"/api/v1/journal/batches/{batch['id']}", params={"pagesize": 10_001})
    assert too_big.status_code in (400, 422), too_big.text
    exported = ledger.http.get(f"/api/v1/journal/batches/{batch['id']}.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert len(list(csv.reader(io.StringIO(exported.text)))) == len(lines) + 1
    status = f"/api/v1/journal/batches/{batch['id']}/status"
    done = ledger.http.put(status, json={"status": "TRANSFERRED"})
    assert done.status_code == 200, done.text
    assert done.json()["data"]["status"] == "TRANSFERRED"
    again = ledger.http.put(status, json={"status": "TRANSFERRED"})
    assert again.status_code == 400, again.text
    transferred = ledger.http.get("/api/v1/journal/batches", params={"status": "TRANSFERRED"})
    assert [b["id"] for b in transferred.json()["data"]] == [batch["id"]]
    assert (
        ledger.http.get("/api/v1/journal/batches", params={"status": "READY_TO_TRANSFER"}).json()[
            "data"
        ]
        == []
    )
    missing = ledger.http.get("/api/v1/journal/batches/nope")
    assert missing.status_code == 404


def test_trial_balance_sums_to_zero(ledger: Ledger) -> None:
    """Through Feb'2026: AR 3,650.00 - 49.50; Deferred Revenue credit 3,200.00; Revenue
    credit 450.00; Refunds debit 49.50."""
    annual(ledger)
    record(ledger, "rf1", "-49.500", "2026-02-10T10:00:00Z")
    response = ledger.http.get("/api/v1/reports/trial-balance", params={"period": "Feb'2026"})
    assert response.status_code == 200, response.text
    body = response.json()["data"]
    [total] = body["totals"]
    assert Decimal(total["difference"]) == 0
    assert total["debit"] == total["credit"]
    balances = {a["account"]: Decimal(a["balance"]) for a in body["accounts"]}
    assert balances["Accounts Receivable"] == Decimal("3600.50")
    assert balances["Deferred Revenue"] == Decimal("-3200.00")
    assert balances["Revenue"] == Decimal("-450.00")
    assert balances["Refunds"] == Decimal("49.50")


# --- timezone ---------------------------------------------------------------------------------


def test_workspace_timezone_decides_the_period(ledger: Ledger) -> None:
    """2026-05-31T23:00Z is May in UTC and June 1st in Tokyo."""
    record(ledger, "r1", "10.000", "2026-05-31T23:00:00Z")
    response = ledger.http.patch("/api/v1/workspace", json={"timezone": "Asia/Tokyo"})
    assert response.status_code == 200, response.text
    record(ledger, "r2", "20.000", "2026-05-31T23:00:00Z")
    assert ledger.items(schedule_of_record(ledger, "r1")) == {"May'2026": 1_000}
    assert ledger.items(schedule_of_record(ledger, "r2")) == {"Jun'2026": 2_000}


def test_invoice_dates_follow_the_workspace_timezone(ledger: Ledger) -> None:
    """In New York, midnight UTC on 2026-02-01 is still January 31st: a one-time invoice
    dated then is recognized in Jan'2026."""
    response = ledger.http.patch("/api/v1/workspace", json={"timezone": "America/New_York"})
    assert response.status_code == 200, response.text
    ledger.billing.customers("c1")
    ledger.billing.invoices(other("o1", "c1", "one-time", "2026-02-01", 5_000))
    assert ledger.items(ledger.number_of("o1")) == {"Jan'2026": 5_000}
    assert cents(ledger.schedule(ledger.number_of("o1"))["amount"]) == 5_000


# --- more edges -------------------------------------------------------------------------------


def test_page_size_over_300_is_treated_as_300(ledger: Ledger) -> None:
    """301 events (one posting and 300 distributions of 0.01): `pageSize=1000` answers
    300 of them and a next page with the last one."""
    number = annual(ledger, 120_000, recognition_rule="manual")
    path = f"/api/v1/revenue-schedules/{number}/distribute-revenue-across-accounting-periods"
    for _ in range(300):
        response = ledger.http.put(path, json=[{"accounting_period": "Mar'2026", "amount": "0.01"}])
        assert response.status_code == 200, response.text
    first = ledger.events(number, pageSize=1000)
    assert len(first["revenueEventDetails"]) == 300
    assert first["nextPage"]
    rest = ledger.http.get(first["nextPage"])
    assert rest.status_code == 200, rest.text
    assert [e["number"] for e in rest.json()["revenueEventDetails"]] == ["RE-00000301"]
    assert len(ledger.events(number)["revenueEventDetails"]) == 300


def test_every_record_of_a_batch_gets_a_schedule(ledger: Ledger) -> None:
    source = ledger.billing.source_id
    records = [sale(source, f"b{n}", occurred_at=f"2026-0{n}-10T10:00:00Z") for n in (1, 2, 3)]
    response = ledger.http.post("/api/v1/revenues/batch", json={"records": records})
    assert response.status_code in (200, 201, 207), response.text
    schedules = ledger.schedules()
    assert [s["origin"]["id"] for s in schedules] == ["b1", "b2", "b3"]
    assert [s["number"] for s in schedules] == ["RS-00000001", "RS-00000002", "RS-00000003"]
    assert ledger.items("RS-00000002") == {"Feb'2026": 24_900}


def test_cancellation_dated_in_a_closed_period(ledger: Ledger) -> None:
    """Jan-Mar closed, then a cancellation on 2026-02-15: kept 17,000 + 14,000 = 31,000;
    the reversal of Feb 15-28 (-14,000) and March (-31,000) lands in April with April's
    own -30,000; closed months keep their totals."""
    number = annual(ledger)
    for name in ("Jan'2026", "Feb'2026", "Mar'2026"):
        ledger.close(name)
    ledger.billing.invoices(other("x1", "c1", "cancellation", "2026-02-15", subscription_id="s1"))
    reversal = ledger.items(number)
    assert reversal["Apr'2026"] == -14_000 - 31_000 - 30_000
    assert "Feb'2026" not in reversal and "Mar'2026" not in reversal
    assert sum(reversal.values()) == 31_000 - 365_000
    totals = ledger.totals(number)
    assert totals["Jan'2026"] == 17_000
    assert totals["Feb'2026"] == 28_000
    assert totals["Mar'2026"] == 31_000
    assert totals["Apr'2026"] == -45_000
    assert sum(totals.values()) == 31_000
    body = ledger.http.get("/api/v1/reports/trial-balance", params={"period": "Apr'2026"})
    assert Decimal(body.json()["data"]["totals"][0]["difference"]) == 0


def test_after_a_reopen_new_revenue_lands_in_the_reopened_period(ledger: Ledger) -> None:
    record(ledger, "r1", "10.000", "2026-01-10T10:00:00Z")
    ledger.close("Jan'2026")
    ledger.reopen("Jan'2026")
    record(ledger, "r2", "20.000", "2026-01-20T10:00:00Z")
    assert ledger.items(schedule_of_record(ledger, "r2")) == {"Jan'2026": 2_000}


def test_closed_flag_is_shown_now(ledger: Ledger) -> None:
    number = annual(ledger)
    ledger.close("Jan'2026")
    [event] = ledger.events(number)["revenueEventDetails"]
    flags = {
        i["accountingPeriodName"]: i["isAccountingPeriodClosed"] for i in event["revenueItems"]
    }
    assert flags["Jan'2026"] is True and flags["Feb'2026"] is False


def test_second_close_after_reopen_batches_only_the_difference(ledger: Ledger) -> None:
    record(ledger, "r1", "10.000", "2026-01-10T10:00:00Z")
    ledger.close("Jan'2026")
    ledger.reopen("Jan'2026")
    record(ledger, "r2", "20.000", "2026-01-20T10:00:00Z")
    ledger.close("Jan'2026")
    batches = ledger.http.get("/api/v1/journal/batches").json()["data"]
    assert [b["status"] for b in batches] == ["READY_TO_TRANSFER", "READY_TO_TRANSFER"]
    second = ledger.http.get(f"/api/v1/journal/batches/{batches[1]['id']}").json()["data"]
    revenue = [x for x in second["lines"] if x["account"] == "Revenue"]
    assert [(x["debit"], x["credit"]) for x in revenue] == [("0.00", "20.00")]


def test_batch_status_other_than_transferred_is_refused(ledger: Ledger) -> None:
    record(ledger, "r1", "10.000", "2026-01-10T10:00:00Z")
    ledger.close("Jan'2026")
    [batch] = ledger.http.get("/api/v1/journal/batches").json()["data"]
    status = f"/api/v1/journal/batches/{batch['id']}/status"
    assert ledger.http.put(status, json={"status": "BOGUS"}).status_code in (400, 422)
    assert ledger.http.put(status, json={}).status_code in (400, 422)
    bad = ledger.http.get("/api/v1/journal/batches", params={"status": "BOGUS"})
    assert bad.status_code == 422


def test_update_changing_the_dates_after_two_closed_months(ledger: Ledger) -> None:
    """Same 365,000 now over [2026-01-15, 2026-07-15) (181 days, 2,016.57 a day): Jan
    34,282, Feb 56,464, Mar 62,514, Apr 60,497, May 62,514, Jun 60,497, Jul the rest
    28,232. Jan and Feb are closed: their differences (+17,282, +28,464) land in March."""
    number = annual(ledger)
    ledger.close("Jan'2026")
    ledger.close("Feb'2026")
    ledger.billing.invoices(sub("i1", "c1", "yearly", "s1", "2026-01-15", "2026-07-15", 365_000))
    assert ledger.totals(number) == {
        "Jan'2026": 17_000,
        "Feb'2026": 28_000,
        "Mar'2026": 62_514 + 17_282 + 28_464,
        "Apr'2026": 60_497,
        "May'2026": 62_514,
        "Jun'2026": 60_497,
        "Jul'2026": 28_232,
    }
    [_, adjusted] = ledger.events(number)["revenueEventDetails"]
    assert adjusted["eventType"] == "Invoice Item Adjustment Created"
    assert sum(ledger.items(number).values()) == 0


def test_invoice_billed_in_a_closed_period_is_posted_in_the_first_open_one(
    ledger: Ledger,
) -> None:
    record(ledger, "r1", "1.000", "2026-01-05T10:00:00Z")
    ledger.close("Jan'2026")
    ledger.billing.customers("c1")
    ledger.billing.plan("m", 3_100)
    ledger.billing.invoices(sub("i1", "c1", "m", "s1", "2026-01-20", "2026-02-20", 3_100))
    [entry] = entries(ledger, schedule=ledger.number_of("i1"))
    assert entry["origin"]["id"] == "i1"
    receivable = [x for x in entry["lines"] if x["account"] == "Accounts Receivable"]
    assert [(x["period"], x["debit"]) for x in receivable] == [("Feb'2026", "31.00")]
    assert {x["period"] for x in entry["lines"]} == {"Feb'2026"}
    balanced(entry["lines"])


def test_cancellation_with_the_monthly_rule(ledger: Ledger) -> None:
    """Monthly shares 28,077 (Jan'2027: 28,076); cancelled 2026-04-11: Jan-Apr are touched
    before the date and keep 4 x 28,077 = 112,308; 252,692 is reversed."""
    number = annual(ledger, recognition_rule="monthly")
    ledger.billing.invoices(other("x1", "c1", "cancellation", "2026-04-11", subscription_id="s1"))
    assert ledger.totals(number) == {
        "Jan'2026": 28_077,
        "Feb'2026": 28_077,
        "Mar'2026": 28_077,
        "Apr'2026": 28_077,
    }
    assert sum(ledger.items(number).values()) == -252_692


def test_an_event_has_an_item_in_every_period_it_touches(ledger: Ledger) -> None:
    """Issue 4 item 4: "revenue items, one per accounting period it touches". 1 cent over
    [2026-01-31, 2026-02-02): January's share 0.5 -> 1 (half-up), February the rest, 0.
    The event touches Feb'2026, so it has a Feb'2026 item of 0.0 (and the period exists)."""
    ledger.billing.customers("c1")
    ledger.billing.plan("m", 1)
    ledger.billing.invoices(sub("i1", "c1", "m", "s1", "2026-01-31", "2026-02-02", 1))
    [event] = ledger.events(ledger.number_of("i1"))["revenueEventDetails"]
    items = {i["accountingPeriodName"]: i["amount"] for i in event["revenueItems"]}
    assert items == {"Jan'2026": Decimal("0.01"), "Feb'2026": Decimal("0.0")}
    assert [p["name"] for p in ledger.periods()] == ["Jan'2026", "Feb'2026"]


def test_a_schedule_whose_service_has_not_started_is_deferred(ledger: Ledger) -> None:
    """Item 7: `GET /api/v1/revenue-schedules/{rs}` gives amount, recognized, deferred
    and undistributed. An annual invoice for 2030-01-15..2031-01-15, with no period
    closed, has recognized nothing yet: all of it is deferred (and nothing is left
    undistributed). `deferred` is not just another name for `undistributed`."""
    ledger.billing.customers("c1")
    ledger.billing.plan("yearly", 365_000, unit="year")
    ledger.billing.invoices(sub("i1", "c1", "yearly", "s1", "2030-01-15", "2031-01-15", 365_000))
    schedule = ledger.schedule(ledger.number_of("i1"))
    assert schedule["amount"] == "3650.00"
    assert schedule["undistributed"] == "0.00"
    assert (schedule["recognized"], schedule["deferred"]) == ("0.00", "3650.00")
