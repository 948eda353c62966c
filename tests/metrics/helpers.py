"""Helpers for the subscription-data tests: a data source, imports, the worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from revledger.db import Database
from revledger.metrics.jobs import run_until_idle

MONTHLY = {"interval_unit": "month", "interval_count": 1}


@dataclass
class Billing:
    """A tenant with one data source, speaking the seed-003 import API."""

    tenant: Any
    database: Database
    source: str = "stripe"
    source_id: str = ""

    def __post_init__(self) -> None:
        self.source_id = self.tenant.source(self.source)

    @property
    def http(self) -> Any:
        return self.tenant.http

    def post(self, path: str, body: Any, status: int = 200) -> list[dict[str, Any]]:
        response = self.http.post(path, json=body)
        assert response.status_code == status, response.text
        return response.json()["result"] if status == 200 else response.json()

    def customers(self, *ids: str, **fields: Any) -> None:
        items = [{"id": i, "data_source": self.source, **fields} for i in ids]
        result = self.post("/api/v1/customers", items)
        assert all(r["import_status"] != "error" for r in result), result

    def plan(
        self, plan_id: str, amount: int, unit: str = "month", count: int = 1, **extra: Any
    ) -> None:
        item = {
            "id": plan_id,
            "data_source": self.source,
            "name": plan_id,
            "interval_unit": unit,
            "interval_count": count,
            "currency": "USD",
            "amount_cents": amount,
            **extra,
        }
        result = self.post("/api/v1/plans", item)
        assert result[0]["import_status"] != "error", result

    def invoices(self, *items: dict[str, Any]) -> list[dict[str, Any]]:
        body = [{"data_source": self.source, **i} for i in items]
        return self.post("/api/v1/invoices", body)

    def work(self) -> int:
        return run_until_idle(self.database, workspace_id=self.tenant.workspace_id)

    def mrr(
        self, start: str, end: str, interval: str = "month", **params: Any
    ) -> list[dict[str, Any]]:
        response = self.http.get(
            "/api/v1/metrics/mrr",
            params={"start_date": start, "end_date": end, "interval": interval, **params},
        )
        assert response.status_code == 200, response.text
        return list(response.json()["data"])

    def mrr_on(self, day: str, **params: Any) -> dict[str, Any]:
        return self.mrr(day, day, "day", **params)[0]


def sub(
    invoice_id: str,
    customer: str,
    plan: str,
    subscription: str,
    start: str,
    end: str,
    amount: int,
    currency: str = "USD",
    date: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A subscription invoice; dates are YYYY-MM-DD (midnight UTC)."""
    return {
        "id": invoice_id,
        "customer_id": customer,
        "type": "subscription",
        "date": f"{date or start}T00:00:00Z",
        "amount_cents": amount,
        "currency": currency,
        "plan_id": plan,
        "subscription_id": subscription,
        "start_date": f"{start}T00:00:00Z",
        "end_date": f"{end}T00:00:00Z",
        **extra,
    }


def other(
    invoice_id: str, customer: str, kind: str, day: str, amount: int = 0, **extra: Any
) -> dict[str, Any]:
    """A one-time, refund or cancellation invoice on `day`."""
    return {
        "id": invoice_id,
        "customer_id": customer,
        "type": kind,
        "date": f"{day}T00:00:00Z",
        "amount_cents": amount,
        "currency": "USD",
        "start_date": f"{day}T00:00:00Z",
        "end_date": f"{day}T00:00:00Z",
        **extra,
    }
