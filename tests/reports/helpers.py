"""Helpers for the report tests: GET a report as JSON or CSV, check the identity."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

WATERFALL = "/api/v1/reports/waterfall"
RECOGNIZED = "/api/v1/reports/recognized-revenue"
DEFERRED = "/api/v1/reports/deferred-revenue"


def report(http: Any, path: str, **params: Any) -> dict[str, Any]:
    response = http.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def report_csv(http: Any, path: str, **params: Any) -> list[dict[str, str]]:
    response = http.get(path, params=params, headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def problem(http: Any, path: str, status: int = 422, **params: Any) -> dict[str, Any]:
    response = http.get(path, params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def fields(body: dict[str, Any]) -> list[str]:
    return [e["field"] for e in body.get("errors", [])]


def summary_of(waterfall: dict[str, Any], currency: str = "USD") -> dict[str, dict[str, str]]:
    return {s["period"]: s for s in waterfall["summary"] if s["currency"] == currency}


def row_of(waterfall: dict[str, Any], billed_period: str | None, currency: str = "USD") -> Any:
    rows = [
        r
        for r in waterfall["data"]
        if r["currency"] == currency
        and (r["billed_period"] == billed_period or r["row"] == billed_period)
    ]
    assert len(rows) == 1, waterfall["data"]
    return rows[0]


def check_identities(waterfall: dict[str, Any]) -> None:
    """billed = recognized to date + deferred, for every row, total and period."""
    lines = [*waterfall["data"], *waterfall["totals"]]
    for line in lines:
        recognized = Decimal(line["recognized_before"]) + sum(
            (Decimal(v) for v in line["recognized"].values()), Decimal(0)
        )
        assert Decimal(line["recognized_to_date"]) == recognized, line
        assert Decimal(line["billed"]) == recognized + Decimal(line["deferred"]), line
    for s in waterfall["summary"]:
        assert Decimal(s["billed_to_date"]) == Decimal(s["recognized_to_date"]) + Decimal(
            s["deferred"]
        ), s
