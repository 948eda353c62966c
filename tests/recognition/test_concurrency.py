"""Concurrent postings through a real server: one schedule per origin, numbers gap-free,
and a period never closes under an event being posted into it."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from typing import Any

import httpx

from tests.conftest import sale
from tests.metrics.helpers import other
from tests.recognition.helpers import cents


def _client(http: Any) -> httpx.Client:
    return httpx.Client(base_url=str(http.base_url), headers=dict(http.headers), timeout=60)


def _run(*targets: Any) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _schedules(http: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        body = http.get("/api/v1/revenue-schedules", params={"per_page": 100, "page": page}).json()
        out.extend(body["data"])
        if page >= body["meta"]["last_page"]:
            return out
        page += 1


def test_parallel_retries_make_one_schedule_each(live_tenant: Any) -> None:
    http = live_tenant.http
    source = live_tenant.source("stripe")
    assert (
        http.post("/api/v1/customers", json={"id": "c", "data_source": "stripe"}).status_code == 200
    )
    invoices = [
        {"data_source": "stripe", **other(f"inv_{n:03d}", "c", "one-time", "2026-03-01", 100 + n)}
        for n in range(60)
    ]
    records = {"records": [sale(source, f"r{n}") for n in range(40)]}
    errors: list[str] = []

    def post_invoices() -> None:
        with _client(http) as c:
            response = c.post("/api/v1/invoices", json=invoices)
            if response.status_code != 200:
                errors.append(response.text)

    def post_records() -> None:
        with _client(http) as c:
            response = c.post("/api/v1/revenues/batch", json=records)
            if response.status_code not in (200, 201, 207):
                errors.append(response.text)

    _run(*([post_invoices] * 4 + [post_records] * 4))
    assert not errors, errors
    schedules = _schedules(http)
    assert len(schedules) == 100
    origins = [(s["origin"]["type"], s["origin"]["id"]) for s in schedules]
    assert len(set(origins)) == 100
    assert sorted(int(s["number"][3:]) for s in schedules) == list(range(1, 101))


def _january_total(c: Any) -> int:
    """The sum of every item in Jan'2026, in cents."""
    total = 0
    listed = c.get("/api/v1/revenue-schedules", params={"period": "Jan'2026", "per_page": 100})
    for schedule in listed.json()["data"]:
        response = c.get(f"/api/v1/revenue-events/revenue-schedules/{schedule['number']}")
        body = json.loads(response.text, parse_float=Decimal)
        for event in body["revenueEventDetails"]:
            for item in event["revenueItems"]:
                if item["accountingPeriodName"] == "Jan'2026":
                    total += cents(item["amount"])
    return total


def test_close_while_posting_never_moves_a_closed_period(live_tenant: Any) -> None:
    http = live_tenant.http
    live_tenant.source("stripe")
    http.post("/api/v1/customers", json={"id": "c", "data_source": "stripe"})
    for invoice_id, day in (("seed", "2026-01-10"), ("seed2", "2026-02-10")):
        body = {"data_source": "stripe", **other(invoice_id, "c", "one-time", day, 1)}
        assert http.post("/api/v1/invoices", json=body).status_code == 200
    errors: list[str] = []
    at_close: list[int] = []

    def post(n: int) -> None:
        with _client(http) as c:
            for k in range(8):
                body = {
                    "data_source": "stripe",
                    **other(f"j{n}-{k}", "c", "one-time", "2026-01-20", 10),
                }
                response = c.post("/api/v1/invoices", json=body)
                if response.status_code != 200:
                    errors.append(response.text)

    def close() -> None:
        with _client(http) as c:
            response = c.post("/api/v1/accounting-periods/Jan'2026/close")
            if response.status_code != 200:
                errors.append(response.text)
            at_close.append(_january_total(c))

    _run(lambda: post(1), close, lambda: post(2))
    assert not errors, errors
    with _client(http) as c:
        assert _january_total(c) == at_close[0]
        listed = c.get("/api/v1/revenue-schedules", params={"per_page": 100}).json()
        assert listed["meta"]["total"] == 2 + 16
