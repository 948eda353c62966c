"""Metrics benchmark (issue 3, item 13).

Generates customers and subscription histories over 3 years (monthly, quarterly and
annual plans, upgrades at renewal and mid-period, cancellations, lapses, one-time
invoices), imports them through the HTTP API of a real `revledger serve` subprocess
into a fresh PostgreSQL database, then times:

1. the full recalculation of every customer (the worker, in this process);
2. an incremental one after 1,000 customers have an invoice changed (through the API);
3. `GET /api/v1/metrics/mrr` for 36 months (p50/p99 over --requests calls);

and, in the same run, computes the same monthly MRR series with DuckDB in one SQL
query over the same invoices, checks that both series agree to the cent (after the
full and after the incremental recalculation) and prints the ratios.

    pip install duckdb          # the reference engine; not a dependency of revledger
    .venv/bin/python bench/metrics.py                      # 100,000 customers (~1M invoices)
    .venv/bin/python bench/metrics.py --customers 10000    # a quicker run

Only 127.0.0.1 is contacted. The database `revledger_bench_metrics_<random>` is created
here and dropped at the end unless `--keep`.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
import psycopg
from benchhttp import Server, chunks, post_all, request

try:
    import duckdb
except ImportError:  # pragma: no cover - a hint, not a dependency
    sys.exit("bench/metrics.py compares against DuckDB: `pip install duckdb` first")

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
HOST = "127.0.0.1"
START = date(2022, 1, 1)
END = date(2025, 1, 1)  # exclusive: 36 months
MRR_SCALE = 33_264_000  # revledger.metrics.rules.MRR_SCALE

TARGET_FULL_S = 30.0
TARGET_INCREMENTAL_S = 2.0
TARGET_P99_MS = 50.0

# plan id -> (interval_unit, interval_count, amount_cents, tier)
PLANS: dict[str, tuple[str, int, int, int]] = {
    "m_basic": ("month", 1, 2900, 0),
    "m_pro": ("month", 1, 9900, 1),
    "m_team": ("month", 1, 29900, 2),
    "q_basic": ("month", 3, 7900, 0),
    "q_pro": ("month", 3, 26900, 1),
    "q_team": ("month", 3, 80700, 2),
    "y_basic": ("year", 1, 29000, 0),
    "y_pro": ("year", 1, 99000, 1),
    "y_team": ("year", 1, 299000, 2),
}
FREQUENCIES = (("m", 1, 0.60, 0.03), ("q", 3, 0.25, 0.07), ("y", 12, 0.15, 0.20))
TIERS = ("basic", "pro", "team")


# ------------------------------------------------------------------------ generation


@dataclass
class Invoice:
    id: str
    customer: str
    type: str
    day: date
    amount: int
    plan: str | None
    subscription: str | None
    start: date
    end: date

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "customer_id": self.customer,
            "data_source": "billing",
            "type": self.type,
            "date": f"{self.day}T00:00:00Z",
            "amount_cents": self.amount,
            "currency": "USD",
            "start_date": f"{self.start}T00:00:00Z",
            "end_date": f"{self.end}T00:00:00Z",
        }
        if self.plan:
            out["plan_id"] = self.plan
        if self.subscription:
            out["subscription_id"] = self.subscription
        return out


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def generate(n_customers: int, seed: int) -> list[Invoice]:
    rng = random.Random(seed)
    invoices: list[Invoice] = []
    for c in range(n_customers):
        customer = f"cus_{c:06d}"
        roll = rng.random()
        for prefix, months, share, churn in FREQUENCIES:  # noqa: B007 (used after the break)
            if roll < share:
                break
            roll -= share
        tier = rng.choices((0, 1, 2), (0.6, 0.3, 0.1))[0]
        subscription = f"sub_{c:06d}"
        start = add_months(START, rng.randrange(36)).replace(day=rng.randint(1, 28))
        n = 0
        while start < END:
            plan = f"{prefix}_{TIERS[tier]}"
            end = add_months(start, months)
            invoices.append(
                Invoice(
                    f"inv_{c:06d}_{n:03d}",
                    customer,
                    "subscription",
                    start,
                    PLANS[plan][2],
                    plan,
                    subscription,
                    start,
                    end,
                )
            )
            n += 1
            if tier < 2 and rng.random() < 0.02:  # mid-period upgrade: a new period from mid
                tier += 1
                mid = start + timedelta(days=rng.randint(1, (end - start).days - 1))
                plan = f"{prefix}_{TIERS[tier]}"
                end = add_months(mid, months)
                invoices.append(
                    Invoice(
                        f"inv_{c:06d}_{n:03d}",
                        customer,
                        "subscription",
                        mid,
                        PLANS[plan][2],
                        plan,
                        subscription,
                        mid,
                        end,
                    )
                )
                n += 1
            if rng.random() < churn:
                if rng.random() < 0.3:  # cancelled before the period ends
                    day = start + timedelta(days=rng.randint(1, (end - start).days - 1))
                    invoices.append(
                        Invoice(
                            f"inv_{c:06d}_{n:03d}",
                            customer,
                            "cancellation",
                            day,
                            0,
                            None,
                            subscription,
                            day,
                            day,
                        )
                    )
                break
            if rng.random() < 0.05:  # changes tier at renewal
                tier = min(2, tier + 1) if rng.random() < 0.7 else max(0, tier - 1)
            start = end
        if rng.random() < 0.05:
            day = add_months(START, rng.randrange(36))
            invoices.append(
                Invoice(f"inv_{c:06d}_otp", customer, "one-time", day, 15000, None, None, day, day)
            )
    return invoices


# ------------------------------------------------------------------------ server


class Analyzer:
    """ANALYZE once the first requests are in, as autovacuum would do within a minute.

    Without statistics PostgreSQL believes a source has a handful of rows, and its
    plans for the imports' lookups get slower with every request. Autovacuum is off on
    some benchmark machines (`SHOW autovacuum`), so the run does it itself, timed."""

    def __init__(self, url: str) -> None:
        self.conninfo = url.replace("+psycopg", "")
        with psycopg.connect(self.conninfo) as conn:
            setting = conn.execute("SHOW autovacuum").fetchone()[0]
        print(f"autovacuum is {setting} on this server; ANALYZE after the first requests")

    def __call__(self) -> float:
        t0 = time.perf_counter()
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute("ANALYZE")
        return time.perf_counter() - t0


# ------------------------------------------------------------------------ DuckDB

DUCKDB_QUERY = """
WITH
months AS (
    SELECT CAST(last_day(m) AS DATE) AS d
    FROM range(DATE '2022-01-01', DATE '2025-01-01', INTERVAL 1 MONTH) t(m)
),
cancels AS (SELECT subscription, day FROM inv WHERE type = 'cancellation'),
periods AS (
    SELECT i.subscription, i.start_day, i.day, i.id,
           least(i.end_day, coalesce(
               (SELECT min(c.day) FROM cancels c
                WHERE c.subscription = i.subscription AND c.day >= i.start_day
                  AND i.day <= c.day),
               i.end_day)) AS end_day,
           CAST(i.amount AS HUGEINT) * (CASE p.unit WHEN 'month' THEN 12 WHEN 'year' THEN 1
                WHEN 'week' THEN 52 ELSE 365 END) * {scale} // (12 * p.count) AS units
    FROM inv i JOIN plans p ON p.id = i.plan
    WHERE i.type = 'subscription'
),
covering AS (
    SELECT m.d, p.units
    FROM months m JOIN periods p ON p.start_day <= m.d AND m.d < p.end_day
    QUALIFY row_number() OVER (
        PARTITION BY p.subscription, m.d ORDER BY p.start_day DESC, p.day DESC, p.id DESC) = 1
)
SELECT m.d, CAST((2 * coalesce(sum(c.units), 0) + {scale}) // (2 * {scale}) AS BIGINT) AS mrr
FROM months m LEFT JOIN covering c ON c.d = m.d
GROUP BY m.d ORDER BY m.d
""".format(scale=MRR_SCALE)  # noqa: UP032


def duckdb_series(invoices: list[Invoice], workdir: Path) -> tuple[list[tuple[str, int]], float]:
    path = workdir / "invoices.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "id",
                "customer",
                "type",
                "day",
                "amount",
                "plan",
                "subscription",
                "start_day",
                "end_day",
            ]
        )
        for i in invoices:
            writer.writerow(
                [
                    i.id,
                    i.customer,
                    i.type,
                    i.day,
                    i.amount,
                    i.plan or "",
                    i.subscription or "",
                    i.start,
                    i.end,
                ]
            )
    con = duckdb.connect()
    types = "{'amount': 'BIGINT', 'day': 'DATE', 'start_day': 'DATE', 'end_day': 'DATE'}"
    con.execute(f"CREATE TABLE inv AS SELECT * FROM read_csv('{path}', header=true, types={types})")
    con.execute("CREATE TABLE plans(id VARCHAR, unit VARCHAR, count INTEGER)")
    plan_rows = [(k, v[0], v[1]) for k, v in PLANS.items()]
    con.executemany("INSERT INTO plans VALUES (?, ?, ?)", plan_rows)
    con.execute(DUCKDB_QUERY).fetchall()  # warm
    times = []
    rows: list[tuple[Any, ...]] = []
    for _ in range(3):
        t0 = time.perf_counter()
        rows = con.execute(DUCKDB_QUERY).fetchall()
        times.append(time.perf_counter() - t0)
    con.close()
    return [(str(d), int(mrr)) for d, mrr in rows], min(times)


# ------------------------------------------------------------------------ workers


def _worker(url: str, batch_size: int) -> int:
    from revledger.db import Database
    from revledger.metrics.jobs import run_until_idle

    db = Database(url)
    try:
        return run_until_idle(db, batch_size)
    finally:
        db.dispose()


def _warm(_: int) -> int:
    import revledger.metrics.jobs  # noqa: F401  (imports done before the clock starts)

    return os.getpid()


def worker_pool(processes: int) -> Any:
    """`processes` started and warmed processes, each later running `revledger worker --once`."""
    import multiprocessing

    pool = multiprocessing.get_context("spawn").Pool(processes)
    pool.map(_warm, range(processes))
    return pool


# ------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--changed", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=5000, help="customers per worker batch")
    parser.add_argument(
        "--worker-processes",
        type=int,
        default=2,
        help="`revledger worker` processes sharing the full recalculation (SKIP LOCKED)",
    )
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    from revledger.auth.service import create_workspace
    from revledger.db import Database
    from revledger.metrics.jobs import run_until_idle
    from revledger.migrate import upgrade

    name = f"revledger_bench_metrics_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    workdir = Path(tempfile.mkdtemp(prefix="revledger-bench-"))
    server: Server | None = None
    try:
        upgrade(url)
        db = Database(url)
        with db.session(write=True) as session, session.begin():
            _workspace, key = create_workspace(session, "bench")

        t0 = time.perf_counter()
        invoices = generate(args.customers, args.seed)
        by_type: dict[str, int] = {}
        for i in invoices:
            by_type[i.type] = by_type.get(i.type, 0) + 1
        print(
            f"generated {args.customers:,} customers, {len(invoices):,} invoices "
            f"({', '.join(f'{k} {v:,}' for k, v in sorted(by_type.items()))}) "
            f"in {time.perf_counter() - t0:.1f} s"
        )

        server = Server(url, args.server_workers, workdir / "server.log")
        server.wait_ready(key)
        status, _ = request(
            server.port, "POST", "/api/v1/revenue-sources", key, orjson.dumps({"name": "billing"})
        )
        assert status == 201
        plans = [
            {
                "id": k,
                "data_source": "billing",
                "name": k,
                "interval_unit": v[0],
                "interval_count": v[1],
                "currency": "USD",
                "amount_cents": v[2],
            }
            for k, v in PLANS.items()
        ]
        post_all(server.port, key, "/api/v1/plans", [orjson.dumps(plans)], 1)
        customers = [
            {"id": f"cus_{c:06d}", "data_source": "billing", "name": f"Customer {c}"}
            for c in range(args.customers)
        ]
        analyze = Analyzer(url)
        bodies = [orjson.dumps(b) for b in chunks(customers, 1000)]
        secs = post_all(server.port, key, "/api/v1/customers", bodies[:2], 1)
        secs += analyze()
        secs += post_all(server.port, key, "/api/v1/customers", bodies[2:], args.clients)
        print(f"imported customers through the API: {secs:.1f} s ({args.customers / secs:,.0f}/s)")
        bodies = [orjson.dumps([i.body() for i in b]) for b in chunks(invoices, 1000)]
        secs = post_all(server.port, key, "/api/v1/invoices", bodies[:2], 1)
        secs += analyze()
        secs += post_all(server.port, key, "/api/v1/invoices", bodies[2:], args.clients)
        print(f"imported invoices through the API: {secs:.1f} s ({len(invoices) / secs:,.0f}/s)")

        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
            pending = conn.execute("SELECT count(*) FROM metrics_pending").fetchone()[0]
            conn.execute("ANALYZE")

        pool = worker_pool(args.worker_processes)
        t0 = time.perf_counter()
        done = sum(pool.starmap(_worker, [(url, args.batch_size)] * args.worker_processes))
        full_s = time.perf_counter() - t0
        pool.close()
        print(
            f"full recalculation: {done:,} customers ({pending:,} pending) in {full_s:.2f} s "
            f"with {args.worker_processes} worker processes (target ≤ {TARGET_FULL_S:.0f} s)"
        )

        def api_series() -> list[tuple[str, int]]:
            path = "/api/v1/metrics/mrr?start_date=2022-01-01&end_date=2024-12-31&interval=month"
            status, out = request(server.port, "GET", path, key)
            assert status == 200, out
            return [(p["date"], p["mrr"]) for p in orjson.loads(out)["data"]]

        ref, duck_s = duckdb_series(invoices, workdir)
        ours = api_series()
        assert ours == ref, f"series differ:\n{ours}\n{ref}"
        print(
            f"DuckDB monthly MRR series, 36 months, one query: {duck_s * 1000:.1f} ms; "
            f"revledger's series agrees to the cent (36 of 36 months)"
        )

        # incremental: one invoice of each of `changed` customers gets a new amount
        rng = random.Random(args.seed + 1)
        subs_by_customer: dict[str, list[Invoice]] = {}
        for i in invoices:
            if i.type == "subscription":
                subs_by_customer.setdefault(i.customer, []).append(i)
        chosen = rng.sample(sorted(subs_by_customer), args.changed)
        changed = []
        for customer in chosen:
            inv = rng.choice(subs_by_customer[customer])
            inv.amount += 1200
            changed.append(inv)
        post_all(
            server.port,
            key,
            "/api/v1/invoices",
            [orjson.dumps([i.body() for i in b]) for b in chunks(changed, 1000)],
            1,
        )
        t0 = time.perf_counter()
        done = run_until_idle(db, args.batch_size)
        incr_s = time.perf_counter() - t0
        print(
            f"incremental recalculation: {done:,} customers in {incr_s:.2f} s "
            f"(target ≤ {TARGET_INCREMENTAL_S:.0f} s)"
        )
        ref2, duck2_s = duckdb_series(invoices, workdir)
        assert api_series() == ref2, "series differ after the incremental recalculation"
        assert ref2 != ref
        print("after the change: revledger's series agrees with DuckDB's to the cent again")

        path = "/api/v1/metrics/mrr?start_date=2022-01-01&end_date=2024-12-31&interval=month"
        for _ in range(10):
            request(server.port, "GET", path, key)
        latencies = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            status, _ = request(server.port, "GET", path, key)
            latencies.append((time.perf_counter() - t0) * 1000)
            assert status == 200
        latencies.sort()
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        duck_ms = min(duck_s, duck2_s) * 1000
        print(
            f"GET /api/v1/metrics/mrr, 36 months: p50 {p50:.1f} ms, p99 {p99:.1f} ms "
            f"(target ≤ {TARGET_P99_MS:.0f} ms); DuckDB from raw invoices {duck_ms:.1f} ms; "
            f"ratio p99 / DuckDB = {p99 / duck_ms:.2f}"
        )
        print()
        print("| measure | result | target | DuckDB, same run | ratio |")
        print("| --- | --- | --- | --- | --- |")
        print(
            f"| full recalculation, {args.customers:,} customers / {len(invoices):,} invoices "
            f"| {full_s:.1f} s | ≤ {TARGET_FULL_S:.0f} s | {duck_ms:.0f} ms (36-month series) "
            f"| {full_s * 1000 / duck_ms:.0f}× |"
        )
        print(
            f"| incremental recalculation, {args.changed:,} customers | {incr_s:.2f} s "
            f"| ≤ {TARGET_INCREMENTAL_S:.0f} s | | |"
        )
        print(
            f"| GET /metrics/mrr 36 months, p50 / p99 | {p50:.1f} / {p99:.1f} ms "
            f"| p99 ≤ {TARGET_P99_MS:.0f} ms, < DuckDB | {duck_ms:.1f} ms "
            f"| {p99 / duck_ms:.2f} |"
        )
        db.dispose()
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
