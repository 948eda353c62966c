"""Reading recognition through the API: schedules, events, periods, in cents."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.metrics.helpers import Billing


def cents(value: Any) -> int:
    """A JSON amount in currency units (number or string) -> exact USD cents."""
    amount = Decimal(str(value)) * 100
    assert amount == amount.to_integral_value(), value
    return int(amount)


@dataclass
class Ledger:
    billing: Billing

    @property
    def http(self) -> Any:
        return self.billing.http

    def events(self, number: str, **params: Any) -> dict[str, Any]:
        response = self.http.get(
            f"/api/v1/revenue-events/revenue-schedules/{number}", params=params
        )
        assert response.status_code == 200, response.text
        # numbers parsed exactly: the test sees what was written, not a float
        return dict(json.loads(response.text, parse_float=Decimal))

    def items(self, number: str, event: int = -1) -> dict[str, int]:
        """Period name -> cents of one event (default: the latest)."""
        details = self.events(number)["revenueEventDetails"]
        return {
            i["accountingPeriodName"]: cents(i["amount"]) for i in details[event]["revenueItems"]
        }

    def totals(self, number: str) -> dict[str, int]:
        """Period name -> cents over every event of the schedule."""
        out: dict[str, int] = {}
        for event in self.events(number)["revenueEventDetails"]:
            for item in event["revenueItems"]:
                name = item["accountingPeriodName"]
                out[name] = out.get(name, 0) + cents(item["amount"])
        return {k: v for k, v in out.items() if v}

    def schedule(self, number: str, **params: Any) -> dict[str, Any]:
        response = self.http.get(f"/api/v1/revenue-schedules/{number}", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json()["data"])

    def schedules(self, **params: Any) -> list[dict[str, Any]]:
        response = self.http.get("/api/v1/revenue-schedules", params=params)
        assert response.status_code == 200, response.text
        return list(response.json()["data"])

    def number_of(self, invoice_id: str) -> str:
        found = self.schedules(invoice_id=invoice_id)
        assert len(found) == 1, found
        return str(found[0]["number"])

    def close(self, name: str, status: int = 200) -> dict[str, Any]:
        response = self.http.post(f"/api/v1/accounting-periods/{name}/close")
        assert response.status_code == status, response.text
        return dict(response.json())

    def reopen(self, name: str, status: int = 200) -> dict[str, Any]:
        response = self.http.post(f"/api/v1/accounting-periods/{name}/reopen")
        assert response.status_code == status, response.text
        return dict(response.json())

    def periods(self, **params: Any) -> list[dict[str, Any]]:
        response = self.http.get("/api/v1/accounting-periods", params=params)
        assert response.status_code == 200, response.text
        return list(response.json()["data"])


ANNUAL = {
    "Jan'2026": 17_000,
    "Feb'2026": 28_000,
    "Mar'2026": 31_000,
    "Apr'2026": 30_000,
    "May'2026": 31_000,
    "Jun'2026": 30_000,
    "Jul'2026": 31_000,
    "Aug'2026": 31_000,
    "Sep'2026": 30_000,
    "Oct'2026": 31_000,
    "Nov'2026": 30_000,
    "Dec'2026": 31_000,
    "Jan'2027": 14_000,
}
"""365,000 cents from 2026-01-15 to 2027-01-15, by day: 1,000 cents a day."""
