"""GET /api/v1/reports/trial-balance: cumulative balances through a period's end."""

from __future__ import annotations

from typing import Any

from tests.journal.helpers import Books


def rows(tb: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(a["currency"], a["account"], a["debit"], a["credit"]) for a in tb["accounts"]]


def test_trial_balance_of_an_annual_invoice(books: Books) -> None:
    books.annual()
    feb = books.trial_balance("Feb'2026")
    assert feb["period"] == "Feb'2026"
    assert (feb["period_start"], feb["period_end"]) == ("2026-02-01", "2026-02-28")
    assert feb["period_status"] == "open"
    # billed 3,650.00; recognized 170.00 + 280.00 = 450.00; deferred 3,200.00
    assert rows(feb) == [
        ("USD", "Accounts Receivable", "3650.00", "0.00"),
        ("USD", "Deferred Revenue", "0.00", "3200.00"),
        ("USD", "Revenue", "0.00", "450.00"),
    ]
    assert [a["balance"] for a in feb["accounts"]] == ["3650.00", "-3200.00", "-450.00"]
    assert feb["totals"] == [
        {"currency": "USD", "debit": "3650.00", "credit": "3650.00", "difference": "0.00"}
    ]
    # fully recognized by the end of January 2027: nothing deferred is left
    end = books.trial_balance("2027-01")
    assert rows(end) == [
        ("USD", "Accounts Receivable", "3650.00", "0.00"),
        ("USD", "Deferred Revenue", "0.00", "0.00"),
        ("USD", "Revenue", "0.00", "3650.00"),
    ]
    # before anything happened
    assert books.trial_balance("Dec'2025")["accounts"] == []
    assert books.trial_balance("Dec'2025")["period_status"] is None


def test_currencies_refunds_and_the_period_id(books: Books) -> None:
    books.revenue("s", "100.000", "2026-03-03")
    books.revenue("r", "-40.000", "2026-03-04")
    response = books.http.post(
        "/api/v1/revenues",
        json={
            "revenue_source_id": books.source_id,
            "type": "sale",
            "amount": "1500",
            "currency": "JPY",
            "occurred_at": "2026-03-05T00:00:00Z",
            "external_id": "yen",
        },
    )
    assert response.status_code == 201
    closed = books.close("Mar'2026")["data"]
    tb = books.trial_balance(closed["id"])
    assert tb["period"] == "Mar'2026"
    assert tb["period_status"] == "closed"
    assert rows(tb) == [
        ("JPY", "Accounts Receivable", "1500", "0"),
        ("JPY", "Deferred Revenue", "0", "0"),
        ("JPY", "Revenue", "0", "1500"),
        ("USD", "Accounts Receivable", "60.00", "0.00"),
        ("USD", "Deferred Revenue", "0.00", "0.00"),
        ("USD", "Refunds", "40.00", "0.00"),
        ("USD", "Revenue", "0.00", "100.00"),
    ]
    assert tb["totals"] == [
        {"currency": "JPY", "debit": "1500", "credit": "1500", "difference": "0"},
        {"currency": "USD", "debit": "100.00", "credit": "100.00", "difference": "0.00"},
    ]


def test_bad_period_is_422(books: Books) -> None:
    for value in ("", "Mar 2026", "2026-00", "Foo'2026", "01a2", "Dec'9999"):
        body = books.get("/api/v1/reports/trial-balance", 422, period=value)
        assert body["errors"][0]["field"] == "period", body
    books.get("/api/v1/reports/trial-balance", 422)  # period is required


def test_scope(books: Books) -> None:
    key = books.tenant.key("read:recognition")
    response = books.http.get(
        "/api/v1/reports/trial-balance",
        params={"period": "2026-01"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 403
