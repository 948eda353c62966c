"""Accounting periods: created as needed, contiguous, closed in order, reopened last-first."""

from __future__ import annotations

from tests.metrics.helpers import other, sub
from tests.recognition.helpers import Ledger


def _invoice(ledger: Ledger, start: str = "2026-01-15", end: str = "2026-04-15") -> None:
    ledger.billing.customers("c1")
    ledger.billing.plan("m", 9_000)
    ledger.billing.invoices(sub("i1", "c1", "m", "s1", start, end, 9_000))


def test_periods_are_named_and_contiguous(ledger: Ledger) -> None:
    assert ledger.periods() == []
    _invoice(ledger)
    ledger.billing.invoices(other("o1", "c1", "one-time", "2026-07-02", 500))
    periods = ledger.periods()
    assert [p["name"] for p in periods] == [
        "Jan'2026",
        "Feb'2026",
        "Mar'2026",
        "Apr'2026",
        "May'2026",
        "Jun'2026",
        "Jul'2026",
    ]
    feb = periods[1]
    assert (feb["start_date"], feb["end_date"], feb["status"]) == (
        "2026-02-01",
        "2026-02-28",
        "open",
    )
    assert [p["name"] for p in ledger.periods(date_from="2026-03-15", date_to="2026-04-01")] == [
        "Mar'2026",
        "Apr'2026",
    ]


def test_close_in_order_and_reopen_the_latest_only(ledger: Ledger) -> None:
    _invoice(ledger)
    refused = ledger.close("Feb'2026", status=409)
    assert "Jan'2026" in refused["detail"]
    jan = ledger.close("Jan'2026")["data"]
    assert jan["status"] == "closed" and jan["closed_at"] and jan["closed_by"]
    ledger.close("Feb'2026")
    assert ledger.close("Feb'2026", status=409)
    assert "Feb'2026" in ledger.reopen("Jan'2026", status=409)["detail"]
    assert ledger.reopen("Feb'2026")["data"]["status"] == "open"
    assert [p["name"] for p in ledger.periods(status="closed")] == ["Jan'2026"]
    assert ledger.reopen("Feb'2026", status=409)
    # by id as well as by name
    feb_id = ledger.periods(status="open")[0]["id"]
    assert ledger.close(feb_id)["data"]["name"] == "Feb'2026"


def test_unknown_period_and_bad_filters(ledger: Ledger) -> None:
    _invoice(ledger)
    assert ledger.http.post("/api/v1/accounting-periods/Jan'1999/close").status_code == 404
    assert ledger.http.post("/api/v1/accounting-periods/nonsense/close").status_code == 404
    bad = ledger.http.get("/api/v1/accounting-periods", params={"status": "shut"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    bad = ledger.http.get("/api/v1/accounting-periods", params={"date_from": "2026-13-01"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "date_from"


def test_revenue_dated_in_a_closed_period_goes_to_the_first_open_one(ledger: Ledger) -> None:
    _invoice(ledger)
    ledger.close("Jan'2026")
    ledger.billing.invoices(other("o1", "c1", "one-time", "2026-01-20", 700))
    number = ledger.number_of("o1")
    assert ledger.items(number) == {"Feb'2026": 700}


def test_nothing_opens_before_a_closed_period(ledger: Ledger) -> None:
    _invoice(ledger)
    ledger.close("Jan'2026")
    ledger.billing.invoices(other("o1", "c1", "one-time", "2025-11-20", 700))
    assert ledger.items(ledger.number_of("o1")) == {"Feb'2026": 700}
    ledger.billing.invoices(sub("i2", "c1", "m", "s2", "2025-10-01", "2025-11-01", 3_000))
    assert ledger.items(ledger.number_of("i2")) == {"Feb'2026": 3_000}
    periods = ledger.periods()
    assert periods[0]["name"] == "Jan'2026" and periods[0]["status"] == "closed"
    assert all(p["status"] == "open" for p in periods[1:])


def test_scopes(ledger: Ledger) -> None:
    _invoice(ledger)
    reader = ledger.billing.tenant.key("read:recognition")
    headers = {"Authorization": f"Bearer {reader}"}
    assert ledger.http.get("/api/v1/accounting-periods", headers=headers).status_code == 200
    response = ledger.http.post("/api/v1/accounting-periods/Jan'2026/close", headers=headers)
    assert response.status_code == 403
    assert "write:recognition" in response.json()["detail"]
    seed = ledger.http.get(
        "/api/v1/revenue-events/revenue-schedules/RS-00000001",
        headers={"Authorization": f"Bearer {ledger.billing.tenant.key('read:revenues')}"},
    )
    assert seed.status_code == 403 and seed.json()["success"] is False


def test_other_workspaces_see_nothing(ledger: Ledger, other_tenant) -> None:  # type: ignore[no-untyped-def]
    _invoice(ledger)
    http = other_tenant.http
    assert http.get("/api/v1/accounting-periods").json()["data"] == []
    assert http.get("/api/v1/revenue-schedules/RS-00000001").status_code == 404
    assert http.post("/api/v1/accounting-periods/Jan'2026/close").status_code == 404
