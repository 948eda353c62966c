"""Helpers for the journal tests: a tenant with a data source that posts invoices and
revenue records, closes periods and reads the journal back, all through HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.metrics.helpers import Billing, sub

ANNUAL = 365_000
"""An annual invoice of 3,650.00 from 2026-01-15 to 2027-01-15: 10.00 a day."""
ANNUAL_MONTHS = {
    "Jan'2026": "170.00",
    "Feb'2026": "280.00",
    "Mar'2026": "310.00",
    "Apr'2026": "300.00",
    "May'2026": "310.00",
    "Jun'2026": "300.00",
    "Jul'2026": "310.00",
    "Aug'2026": "310.00",
    "Sep'2026": "300.00",
    "Oct'2026": "310.00",
    "Nov'2026": "300.00",
    "Dec'2026": "310.00",
    "Jan'2027": "140.00",
}


@dataclass
class Books(Billing):
    """Billing (seed-003 imports) plus revenue records, periods and the journal."""

    def annual(self, invoice_id: str = "inv_1", customer: str = "c1", **extra: Any) -> None:
        self.customers(customer)
        self.plan("annual", ANNUAL, unit="year")
        result = self.invoices(
            sub(invoice_id, customer, "annual", "s1", "2026-01-15", "2027-01-15", ANNUAL, **extra)
        )
        assert result[0]["import_status"] == "inserted", result

    def revenue(self, external_id: str, amount: str, day: str, **extra: Any) -> dict[str, Any]:
        kind = "refund" if amount.startswith("-") else "sale"
        record = {
            "revenue_source_id": self.source_id,
            "type": kind,
            "amount": amount,
            "currency": "USD",
            "occurred_at": f"{day}T12:00:00Z",
            "external_id": external_id,
            **extra,
        }
        response = self.http.post("/api/v1/revenues", json=record)
        assert response.status_code == 201, response.text
        return dict(response.json()["data"])

    def close(self, period: str, expect: int = 200) -> dict[str, Any]:
        response = self.http.post(f"/api/v1/accounting-periods/{period}/close")
        assert response.status_code == expect, response.text
        return dict(response.json())

    def reopen(self, period: str) -> None:
        response = self.http.post(f"/api/v1/accounting-periods/{period}/reopen")
        assert response.status_code == 200, response.text

    def get(self, path: str, expect: int = 200, **params: Any) -> Any:
        response = self.http.get(path, params=params)
        assert response.status_code == expect, response.text
        return response.json()

    def entries(self, **params: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.get("/api/v1/journal/entries", page=page, per_page=100, **params)
            out += body["data"]
            if page >= body["meta"]["last_page"]:
                return out
            page += 1

    def batches(self, **params: Any) -> list[dict[str, Any]]:
        return list(self.get("/api/v1/journal/batches", per_page=100, **params)["data"])

    def batch(self, batch_id: str, **params: Any) -> dict[str, Any]:
        return dict(self.get(f"/api/v1/journal/batches/{batch_id}", **params))

    def trial_balance(self, period: str) -> dict[str, Any]:
        return dict(self.get("/api/v1/reports/trial-balance", period=period)["data"])


def amounts(lines: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(period, account, debit, credit) of each line, in order."""
    return [(x["period"], x["account"], x["debit"], x["credit"]) for x in lines]


def totals(lines: list[dict[str, Any]]) -> dict[str, tuple[Decimal, Decimal]]:
    """currency -> (sum of debits, sum of credits), exact."""
    out: dict[str, tuple[Decimal, Decimal]] = {}
    for line in lines:
        debit, credit = out.get(line["currency"], (Decimal(0), Decimal(0)))
        out[line["currency"]] = (debit + Decimal(line["debit"]), credit + Decimal(line["credit"]))
    return out


def net(lines: list[dict[str, Any]]) -> dict[tuple[str, str], Decimal]:
    """(currency, account) -> debits − credits, skipping zero balances."""
    out: dict[tuple[str, str], Decimal] = {}
    for line in lines:
        key = (line["currency"], line["account"])
        out[key] = out.get(key, Decimal(0)) + Decimal(line["debit"]) - Decimal(line["credit"])
    return {k: v for k, v in out.items() if v}
