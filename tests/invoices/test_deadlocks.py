"""Concurrent imports that overlap in the same invoice ids, in shuffled order, through a
real server: no deadlock or serialization failure reaches a client (issue 10, item 6).

Both tests run 12 threads × 6 rounds of `POST /api/v1/invoices` over the same 10 invoice
ids (five subscription invoices on two plans, five one-time ones, over five customers),
each request in its own shuffled order:

- every request sends all 10 ids, and all requests of a round send the same content
  (a barrier starts each round), so per id and round exactly one request inserts
  (round 0) or updates it and the eleven others find it unchanged;
- every request sends a shuffled sample of 2 to 5 of the ids with amounts of its own,
  the threads running freely: requests then mix stored ids (locked when loaded) with ids
  they insert, while others insert the same ids: before the lock order was global, this
  deadlocked on PostgreSQL in nearly every run and answered 500.

Afterwards each invoice exists once, its version counts the requests that changed it,
its earlier versions hold exactly the other amounts that were sent for it (each thread's
in its own order), and it has exactly one revenue schedule, of its current amount.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import Tenant
from tests.metrics.helpers import MONTHLY, other, sub

THREADS = 12
ROUNDS = 6
IDS = [f"inv_{n:02d}" for n in range(10)]
Sent = list[tuple[int, int, list[dict[str, Any]]]]
"""(thread, round, the invoices one request sent)"""


def _invoice(n: int, amount: int) -> dict[str, Any]:
    """Even ids: subscription invoices (two plans, five customers); odd ids: one-time."""
    if n % 2 == 0:
        body = sub(
            IDS[n], f"cus_{n // 2}", f"plan_{n % 4 // 2}", f"sub_{n}", "2024-07-01",
            "2024-10-01", amount,
        )  # fmt: skip
    else:
        body = other(IDS[n], f"cus_{n // 2}", "one-time", "2024-07-15", amount)
    return {"data_source": "stripe", **body}


def _setup(tenant: Tenant) -> None:
    http = tenant.http
    tenant.source("stripe")
    customers = [{"id": f"cus_{c}", "data_source": "stripe"} for c in range(5)]
    response = http.post("/api/v1/customers", json=customers)
    assert response.status_code == 200, response.text
    plans = [
        {
            "id": f"plan_{p}",
            "data_source": "stripe",
            "name": f"plan {p}",
            "currency": "USD",
            "amount_cents": 1000,
            **MONTHLY,
        }
        for p in range(2)
    ]
    response = http.post("/api/v1/plans", json=plans)
    assert response.status_code == 200, response.text
    assert all(r["import_status"] == "inserted" for r in response.json()["result"])


def _hammer(
    tenant: Tenant,
    bodies: Callable[[int, int, random.Random], list[dict[str, Any]]],
    barrier: threading.Barrier | None,
) -> tuple[Sent, dict[tuple[int, int], list[dict[str, Any]]]]:
    """Run the threads; every request must answer 200. Returns what each request sent
    and the results it answered, by (thread, round)."""
    url = str(tenant.http.base_url)
    headers = dict(tenant.http.headers)
    failures: list[tuple[int, str]] = []
    sent: Sent = []
    answered: dict[tuple[int, int], list[dict[str, Any]]] = {}
    lock = threading.Lock()

    def run(thread_no: int) -> None:
        shuffle = random.Random(thread_no)
        with httpx.Client(base_url=url, headers=headers, timeout=50) as http:
            for round_no in range(ROUNDS):
                body = bodies(thread_no, round_no, shuffle)
                shuffle.shuffle(body)
                if barrier is not None:
                    barrier.wait()
                try:
                    response = http.post("/api/v1/invoices", json=body)
                except httpx.HTTPError as exc:  # e.g. reset after an unhandled error
                    with lock:
                        sent.append((thread_no, round_no, body))
                        failures.append((0, repr(exc)))
                    continue
                with lock:
                    sent.append((thread_no, round_no, body))
                    if response.status_code != 200:
                        failures.append((response.status_code, response.text[:300]))
                    else:
                        answered[(thread_no, round_no)] = response.json()["result"]

    threads = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=55)
    assert not any(t.is_alive() for t in threads)
    codes = Counter(code for code, _ in failures)
    assert not failures, (
        f"{len(failures)} of {THREADS * ROUNDS} requests failed: {dict(codes)}; {failures[0][1]}"
    )
    for thread_no, round_no, body in sent:
        result = answered[(thread_no, round_no)]
        assert [r["id"] for r in result] == [b["id"] for b in body]
        assert all("import_error" not in r for r in result), result
    return sent, answered


def _stored(tenant: Tenant) -> dict[str, tuple[dict[str, Any], list[dict[str, Any]], Any]]:
    """id -> (the invoice, its earlier versions, its revenue schedules)."""
    http = tenant.http
    listed = http.get("/api/v1/invoices", params={"source": "stripe", "limit": 100}).json()
    invoices = listed["result"]["list"]
    assert sorted(i["id"] for i in invoices) == sorted({i["id"] for i in invoices})
    out = {}
    for invoice in invoices:
        response = http.get(f"/api/v1/invoices/stripe/{invoice['id']}/versions")
        assert response.status_code == 200, response.text
        earlier = response.json()["data"]["versions"]
        response = http.get("/api/v1/revenue-schedules", params={"invoice_id": invoice["id"]})
        assert response.status_code == 200, response.text
        out[invoice["id"]] = (invoice, earlier, response.json()["data"])
    return out


def _check_history(invoice: dict[str, Any], earlier: list[dict[str, Any]], schedules: Any) -> None:
    version = invoice["version"]
    assert [v["version"] for v in earlier] == list(range(1, version))
    assert [v["invoice"]["version"] for v in earlier] == list(range(1, version))
    assert len(schedules) == 1, schedules
    assert Decimal(schedules[0]["amount"]) * 100 == invoice["amount_cents"]


def test_same_ten_ids_in_shuffled_order(live_tenant: Tenant) -> None:
    _setup(live_tenant)

    def amount(n: int, round_no: int) -> int:
        return 1000 * (n + 1) + 100 * round_no

    def bodies(_thread: int, round_no: int, _rnd: random.Random) -> list[dict[str, Any]]:
        return [_invoice(n, amount(n, round_no)) for n in range(len(IDS))]

    sent, answered = _hammer(live_tenant, bodies, threading.Barrier(THREADS, timeout=50))
    statuses: dict[tuple[int, str], list[str]] = {}
    for thread_no, round_no, _body in sent:
        for r in answered[(thread_no, round_no)]:
            statuses.setdefault((round_no, r["id"]), []).append(r["import_status"])
    for round_no in range(ROUNDS):
        first = "inserted" if round_no == 0 else "updated"
        for external_id in IDS:
            assert Counter(statuses[(round_no, external_id)]) == {
                first: 1,
                "unchanged": THREADS - 1,
            }, (round_no, external_id)
    stored = _stored(live_tenant)
    assert sorted(stored) == IDS
    for external_id, (invoice, earlier, schedules) in stored.items():
        n = IDS.index(external_id)
        assert invoice["version"] == ROUNDS
        assert invoice["amount_cents"] == amount(n, ROUNDS - 1)
        assert [v["invoice"]["amount_cents"] for v in earlier] == [
            amount(n, r) for r in range(ROUNDS - 1)
        ]
        _check_history(invoice, earlier, schedules)


def test_overlapping_samples_of_the_same_ids_in_shuffled_order(live_tenant: Tenant) -> None:
    _setup(live_tenant)

    def amount(n: int, thread_no: int, round_no: int) -> int:
        """Unique per (id, thread, round): every item sent changes its invoice."""
        return 100_000 * (n + 1) + 100 * thread_no + round_no

    def bodies(thread_no: int, round_no: int, rnd: random.Random) -> list[dict[str, Any]]:
        ids = rnd.sample(range(len(IDS)), rnd.randint(2, 5))
        return [_invoice(n, amount(n, thread_no, round_no)) for n in ids]

    sent, answered = _hammer(live_tenant, bodies, None)
    statuses: dict[str, Counter[str]] = {}
    amounts: dict[str, list[tuple[int, int, int]]] = {}  # id -> (thread, round, amount) sent
    for thread_no, round_no, body in sent:
        for item, r in zip(body, answered[(thread_no, round_no)], strict=True):
            statuses.setdefault(r["id"], Counter())[r["import_status"]] += 1
            amounts.setdefault(item["id"], []).append((thread_no, round_no, item["amount_cents"]))
    stored = _stored(live_tenant)
    assert sorted(stored) == sorted(amounts)
    for external_id, (invoice, earlier, schedules) in stored.items():
        times = len(amounts[external_id])
        assert statuses[external_id] == Counter({"inserted": 1, "updated": times - 1})
        assert invoice["version"] == times
        history = [v["invoice"]["amount_cents"] for v in earlier] + [invoice["amount_cents"]]
        # every amount sent for it was stored once, as one version, in an order that keeps
        # each thread's requests in the order it sent them
        assert sorted(history) == sorted(a for _, _, a in amounts[external_id])
        position = {a: i for i, a in enumerate(history)}
        for thread_no in range(THREADS):
            mine = [position[a] for t, _, a in sorted(amounts[external_id]) if t == thread_no]
            assert mine == sorted(mine), (external_id, thread_no)
        _check_history(invoice, earlier, schedules)


def test_a_forced_deadlock_is_retried_inside_the_request(
    live_tenant: Tenant, database: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Another connection holds inv_01 and then asks for inv_00 while the request, which
    locks inv_00 then inv_01 (key order), waits for inv_01: a real deadlock. PostgreSQL
    aborts the request's transaction (its deadlock check runs first: the other
    connection's deadlock_timeout is 20 s); the request rolls back, runs again once the
    other connection commits, and answers 200 with the seed's statuses."""
    if database.sqlite:
        pytest.skip("a deadlock is PostgreSQL's: SQLite has one writer at a time")
    _setup(live_tenant)
    http = live_tenant.http
    first = [_invoice(0, 1000), _invoice(1, 2000)]
    assert [r["import_status"] for r in http.post("/api/v1/invoices", json=first).json()[
        "result"
    ]] == ["inserted", "inserted"]  # fmt: skip
    conninfo = database.url.replace("postgresql+psycopg://", "postgresql://")
    ids = (live_tenant.workspace_id, "inv_01")
    lock = "SELECT pk FROM invoices WHERE workspace_id = %s AND external_id = %s FOR UPDATE"
    caplog.set_level(logging.INFO, logger="revledger")
    answer: list[httpx.Response] = []
    with (
        psycopg.connect(conninfo) as other,
        psycopg.connect(conninfo, autocommit=True) as watcher,
    ):
        other.execute("SET deadlock_timeout = '20s'")
        other.execute(lock, ids)  # holds inv_01
        changed = [_invoice(1, 2001), _invoice(0, 1001)]  # request order is not lock order
        request = threading.Thread(
            target=lambda: answer.append(http.post("/api/v1/invoices", json=changed))
        )
        request.start()
        deadline = time.monotonic() + 10
        while not watcher.execute(  # until the request waits for inv_01
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        ).fetchone()[0]:  # type: ignore[index]
            assert time.monotonic() < deadline, "the request never waited for inv_01"
            time.sleep(0.02)
        other.execute(lock, (live_tenant.workspace_id, "inv_00"))  # the deadlock
        other.commit()
        request.join(timeout=30)
    assert answer and answer[0].status_code == 200, answer and answer[0].text
    assert [r["import_status"] for r in answer[0].json()["result"]] == ["updated", "updated"]
    retries = [r for r in caplog.records if "deadlock detected" in r.getMessage()]
    assert len(retries) == 1, [r.getMessage() for r in caplog.records]
    stored = _stored(live_tenant)
    assert {i: (inv["version"], inv["amount_cents"]) for i, (inv, _, _) in stored.items()} == {
        "inv_00": (2, 1001),
        "inv_01": (2, 2001),
    }
    for invoice, earlier, schedules in stored.values():
        _check_history(invoice, earlier, schedules)
