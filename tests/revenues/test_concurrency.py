"""Parallel retries of one record create exactly one row, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.conftest import Tenant, sale


def test_50_concurrent_posts_of_one_external_id_create_one_record(live_tenant: Tenant) -> None:
    source = live_tenant.source()
    url = str(live_tenant.http.base_url)
    headers = {"Authorization": f"Bearer {live_tenant.api_key}"}

    def post(_: int) -> httpx.Response:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            return http.post("/api/v1/revenues", json=sale(source, "race-1"))

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(post, range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 49 + [201]
    assert {r.json()["data"]["id"] for r in responses} == {
        next(r for r in responses if r.status_code == 201).json()["data"]["id"]
    }
    assert all(
        r.json()["outcome"] == "skipped_duplicate" for r in responses if r.status_code == 200
    )
    listed = live_tenant.http.get("/api/v1/revenues").json()
    assert listed["meta"]["total"] == 1 and len(listed["data"]) == 1


def test_overlapping_concurrent_batches_create_each_record_once(live_tenant: Tenant) -> None:
    source = live_tenant.source()
    url = str(live_tenant.http.base_url)
    headers = {"Authorization": f"Bearer {live_tenant.api_key}"}
    # Eight batches over 0..99 in different orders and offsets: heavy overlap.
    batches: list[list[dict[str, Any]]] = []
    for n in range(8):
        keys = list(range(n * 10, n * 10 + 60))
        if n % 2:
            keys.reverse()
        batches.append([sale(source, f"k{k % 100}") for k in keys])

    def send(records: list[dict[str, Any]]) -> httpx.Response:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            return http.post("/api/v1/revenues/batch", json={"records": records})

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(send, batches))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    created: dict[str, str] = {}
    seen: dict[str, str] = {}
    for response in responses:
        for item in response.json()["data"]:
            record = item["response"]["data"]
            if item["status"] == 201:
                assert record["external_id"] not in created
                created[record["external_id"]] = record["id"]
            else:
                assert item["status"] == 200
            seen.setdefault(record["external_id"], record["id"])
            assert seen[record["external_id"]] == record["id"]
    distinct = {f"k{k % 100}" for b in range(8) for k in range(b * 10, b * 10 + 60)}
    assert set(created) == distinct
    meta = live_tenant.http.get("/api/v1/revenues").json()["meta"]
    assert meta["total"] == len(distinct)
