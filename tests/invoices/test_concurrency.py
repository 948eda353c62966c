"""Concurrent imports of the same invoices through a real server: each inserted once."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import httpx

from tests.metrics.helpers import other


def test_concurrent_imports_of_the_same_ids(live_tenant: Any) -> None:
    http = live_tenant.http
    live_tenant.source("stripe")
    assert (
        http.post("/api/v1/customers", json={"id": "c", "data_source": "stripe"}).status_code == 200
    )
    items = [
        {"data_source": "stripe", **other(f"inv_{n:03d}", "c", "one-time", "2024-07-01", n)}
        for n in range(200)
    ]
    statuses: list[list[str]] = []
    errors: list[str] = []

    def post(order: list[dict[str, Any]]) -> None:
        with httpx.Client(base_url=str(http.base_url), headers=dict(http.headers), timeout=60) as c:
            response = c.post("/api/v1/invoices", json=order)
            if response.status_code != 200:
                errors.append(response.text)
                return
            statuses.append([r["import_status"] for r in response.json()["result"]])

    threads = [
        threading.Thread(target=post, args=(items if i % 2 == 0 else items[::-1],))
        for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    counts = Counter(s for result in statuses for s in result)
    assert counts == {"inserted": 200, "unchanged": 600}
    listed = http.get("/api/v1/invoices", params={"source": "stripe", "limit": 1000}).json()[
        "result"
    ]
    assert listed["count"] == 200
