"""Revenue recognition benchmark (issue 4, item 12).

Generates invoices of monthly and annual subscriptions (and a few one-time invoices)
dated over 24 months (2024-01 to 2025-12), imports them through the HTTP API of a real
`revledger serve` subprocess into a fresh PostgreSQL database, and times:

1. **schedule and event creation**: every `POST /api/v1/invoices` (1,000 per request,
   --clients threads) creates, in the same transaction, one revenue schedule, one
   `Invoice Posted` event and one revenue item per month the invoice touches (rule
   `daily`: a monthly invoice 1-2 items, an annual one 12-13). Reported as invoices,
   schedules, events and items per second. Reference, same run: the same schedule,
   event and item rows (exported from the tables just filled) written again with plain
   psycopg `COPY … FROM STDIN` into `LIKE … INCLUDING ALL` copies of the three tables
   (same columns, keys and indexes, no foreign keys), one transaction per 1,000
   invoices' rows, from the same number of client threads;
2. **the waterfall**: `GET /api/v1/reports/waterfall` over the 24 periods (p50/p99 over
   --requests calls). References, same run: the same report computed (a) by DuckDB from
   the revenue items exported from PostgreSQL (CSV loaded before the clock starts; one
   aggregate query plus the few hundred cells arranged in Python; best of 3) and (b) by
   the same aggregate as one raw SQL query on PostgreSQL (psycopg, best of 3). The
   script checks that the API's report equals the reference to the ledger unit;
3. **closing a period**: `POST /api/v1/accounting-periods/Jan'2024/close` (the first
   period; it also writes the period's summary journal batch), then the next one.

During the import a thread samples `pg_stat_activity` every 50 ms, to show where the
server's connections wait (the workspace's recognition lock is held from the start of
the posting to the commit).

With `--profile FILE` the script instead imports --invoices in this process through
`create_app(Database(url))` and a TestClient, under cProfile, and prints the costs of
the import and of its recognition part.

    pip install duckdb          # the reference engine; not a dependency of revledger
    .venv/bin/python bench/recognition.py                       # 1,000,000 invoices
    .venv/bin/python bench/recognition.py --invoices 20000      # a quick run
    .venv/bin/python bench/recognition.py --invoices 20000 --profile /tmp/rec.prof

Only 127.0.0.1 is contacted. The database `revledger_bench_recognition_<random>` is
created here and dropped at the end unless `--keep`.
"""

from __future__ import annotations

import argparse
import calendar
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
import psycopg
from benchhttp import Server, chunks, post_all, request
from psycopg import sql

try:
    import duckdb
except ImportError:  # pragma: no cover - a hint, not a dependency
    sys.exit("bench/recognition.py compares against DuckDB: `pip install duckdb` first")

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
HOST = "127.0.0.1"
FIRST = date(2024, 1, 1)
MONTHS = 24  # invoices are dated in 2024-01 .. 2025-12; the waterfall covers the same
LAST = date(2025, 12, 1)
LEDGER_PER_CENT = 100  # USD: ledger units are ten-thousandths, amount_cents hundredths

TARGET_INVOICES_PER_S = 10_000.0
TARGET_WATERFALL_S = 2.0
TARGET_CLOSE_S = 30.0

# plan id -> (interval_unit, interval_count, amount_cents)
PLANS: dict[str, tuple[str, int, int]] = {
    "m_basic": ("month", 1, 2900),
    "m_pro": ("month", 1, 9900),
    "m_team": ("month", 1, 29900),
    "y_basic": ("year", 1, 29000),
    "y_pro": ("year", 1, 99000),
    "y_team": ("year", 1, 299000),
}
TIERS = ("basic", "pro", "team")
ANNUAL_SHARE = 0.30  # of customers
MONTHLY_CHURN, ANNUAL_CHURN = 0.03, 0.15
EXISTING_BASE = 0.40  # share of monthly customers already subscribed in 2024-01
ONE_TIME_SHARE = 0.05  # of customers, one one-time invoice each


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
            "start_date": f"{self.day}T00:00:00Z",
            "end_date": f"{self.end}T00:00:00Z",
        }
        if self.plan:
            out["plan_id"] = self.plan
        if self.subscription:
            out["subscription_id"] = self.subscription
        return out

    def items(self) -> int:
        """Revenue items the `daily` rule gives it: one per month of [day, end)."""
        if self.end <= self.day:
            return 1
        last = date.fromordinal(self.end.toordinal() - 1)
        return (last.year - self.day.year) * 12 + last.month - self.day.month + 1


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def generate(n_invoices: int, seed: int) -> tuple[list[Invoice], int]:
    """Exactly `n_invoices` invoices of as many customers as it takes; (invoices, customers)."""
    rng = random.Random(seed)
    invoices: list[Invoice] = []
    c = 0
    while len(invoices) < n_invoices:
        customer = f"cus_{c:07d}"
        subscription = f"sub_{c:07d}"
        tier = rng.choices((0, 1, 2), (0.6, 0.3, 0.1))[0]
        annual = rng.random() < ANNUAL_SHARE
        if annual:
            offset = rng.randrange(12)  # renewals spread over the year
        else:
            offset = 0 if rng.random() < EXISTING_BASE else rng.randrange(MONTHS)
        start = add_months(FIRST, offset).replace(day=rng.randint(1, 28))
        plan = f"{'y' if annual else 'm'}_{TIERS[tier]}"
        step, churn = (12, ANNUAL_CHURN) if annual else (1, MONTHLY_CHURN)
        n = 0
        while start < add_months(FIRST, MONTHS):
            end = add_months(start, step)
            invoices.append(
                Invoice(
                    f"inv_{c:07d}_{n:03d}",
                    customer,
                    "subscription",
                    start,
                    PLANS[plan][2],
                    plan,
                    subscription,
                    end,
                )
            )
            n += 1
            if rng.random() < churn:
                break
            start = end
        if rng.random() < ONE_TIME_SHARE:
            day = add_months(FIRST, rng.randrange(MONTHS)).replace(day=rng.randint(1, 28))
            invoices.append(
                Invoice(f"inv_{c:07d}_otp", customer, "one-time", day, 15000, None, None, day)
            )
        c += 1
    del invoices[n_invoices:]
    # in date order, as a billing system exports them: a request's 1,000 invoices are of
    # as many customers, and concurrent requests rarely share one
    invoices.sort(key=lambda i: (i.day, i.id))
    return invoices, len({i.customer for i in invoices})


# ------------------------------------------------------------------------ server


def analyze(conninfo: str) -> float:
    t0 = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("ANALYZE")
    return time.perf_counter() - t0


# ------------------------------------------------------------------------ machine load


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def busy_cores(seconds: float) -> float:
    """Cores busy on the machine over the next `seconds` (before this run starts work)."""
    b0, t0 = cpu_times()
    time.sleep(seconds)
    b1, t1 = cpu_times()
    return (b1 - b0) / max(1, t1 - t0) * (os.cpu_count() or 1)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Sampler:
    """Samples what this database's backends do every `interval` seconds."""

    def __init__(self, conninfo: str, dbname: str, interval: float = 0.05) -> None:
        self.conninfo, self.dbname, self.interval = conninfo, dbname, interval
        self.counts: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            while not self._stop.is_set():
                rows = conn.execute(
                    "SELECT state, wait_event_type, wait_event, left(query, 60) "
                    "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend'",
                    (self.dbname,),
                ).fetchall()
                self.samples += 1
                for state, wtype, wevent, query in rows:
                    self.counts[self._classify(state, wtype, wevent, query or "")] += 1
                time.sleep(self.interval)

    @staticmethod
    def _classify(state: str, wtype: str | None, wevent: str | None, query: str) -> str:
        if state == "idle":
            return "idle (no transaction)"
        if state and state.startswith("idle in transaction"):
            return "idle in transaction (waiting for the server)"
        words = query.split()
        head = " ".join(words[:3]) if words else "?"
        if wtype == "Lock":
            return f"waiting on Lock:{wevent} in `{head}`"
        if wtype is None or wtype == "CPU":
            return f"running `{head}`"
        return f"waiting on {wtype}:{wevent} in `{head}`"

    def report(self) -> list[str]:
        busy = sum(n for k, n in self.counts.items() if not k.startswith("idle (no"))
        out = []
        for key, n in self.counts.most_common():
            if key.startswith("idle (no"):
                continue
            out.append(f"  {n / max(1, busy):6.1%}  {key}")
        return out[:12]


# ------------------------------------------------------------------------ raw reference

RAW_TABLES = ("revenue_schedules", "revenue_events", "revenue_items")


def export_rows(conninfo: str, workspace_id: str, workdir: Path, per_chunk: int) -> Any:
    """The rows the import wrote, as COPY text in files, cut into transactions of
    `per_chunk` invoices' rows (schedules and events by number, items by their event's
    number). Returns {table: (path, {chunk: (offset, length, rows)})}."""
    queries = {
        "revenue_schedules": (
            "COPY (SELECT number, s.* FROM revenue_schedules s WHERE workspace_id = {ws} "
            "ORDER BY number) TO STDOUT"
        ),
        "revenue_events": (
            "COPY (SELECT number, e.* FROM revenue_events e WHERE workspace_id = {ws} "
            "ORDER BY number) TO STDOUT"
        ),
        "revenue_items": (
            "COPY (SELECT e.number, i.* FROM revenue_items i "
            "JOIN revenue_events e ON e.pk = i.event_pk WHERE i.workspace_id = {ws} "
            "ORDER BY e.number, i.period_start) TO STDOUT"
        ),
    }
    out: dict[str, tuple[Path, dict[int, tuple[int, int, int]]]] = {}
    with psycopg.connect(conninfo) as conn:
        literal = sql.Literal(workspace_id).as_string(conn)
        for table, query in queries.items():
            path = workdir / f"{table}.copy"
            spans: dict[int, tuple[int, int, int]] = {}
            with path.open("wb") as f, conn.cursor().copy(query.format(ws=literal)) as copy:
                chunk, start, rows = -1, 0, 0
                for data in copy:
                    line = bytes(data)
                    tab = line.index(b"\t")
                    number = int(line[:tab])
                    index = (number - 1) // per_chunk
                    if index != chunk:
                        if rows:
                            spans[chunk] = (start, f.tell() - start, rows)
                        chunk, start, rows = index, f.tell(), 0
                    f.write(line[tab + 1 :])
                    rows += 1
                if rows:
                    spans[chunk] = (start, f.tell() - start, rows)
            out[table] = (path, spans)
    return out


def raw_copy(conninfo: str, exported: Any, clients: int) -> tuple[float, dict[str, int]]:
    """COPY the exported rows into `<table>_raw (LIKE <table> INCLUDING ALL)`: one
    transaction per chunk (schedules, events, items of 1,000 invoices), `clients`
    threads. Seconds taken and rows written per table."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for table in RAW_TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}_raw")
            conn.execute(f"CREATE TABLE {table}_raw (LIKE {table} INCLUDING ALL)")
    span_of = {table: spans for table, (_, spans) in exported.items()}
    queue = sorted({k for spans in span_of.values() for k in spans}, reverse=True)
    lock = threading.Lock()
    errors: list[BaseException] = []
    files = {table: path.read_bytes() for table, (path, _) in exported.items()}

    def run() -> None:
        try:
            with psycopg.connect(conninfo) as conn:
                while True:
                    with lock:
                        if not queue or errors:
                            return
                        index = queue.pop()
                    with conn.transaction(), conn.cursor() as cur:
                        for table in RAW_TABLES:
                            span = span_of[table].get(index)
                            if span is None:
                                continue
                            offset, length, _rows = span
                            with cur.copy(f"COPY {table}_raw FROM STDIN") as copy:
                                copy.write(files[table][offset : offset + length])
        except BaseException as exc:
            with lock:
                errors.append(exc)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    if errors:
        raise errors[0]
    counts = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for table in RAW_TABLES:
            counts[table] = conn.execute(f"SELECT count(*) FROM {table}_raw").fetchone()[0]
            conn.execute(f"DROP TABLE {table}_raw")
    return seconds, counts


# ------------------------------------------------------------------------ waterfall

CELLS_SQL = """
SELECT currency, billed_period, period_start, CAST(sum(amount) AS BIGINT)
FROM {items}
WHERE {where}(billed_period <= {last} OR period_start <= {last})
GROUP BY currency, billed_period, period_start
"""


def period_label(start: date) -> str:
    return f"{start.strftime('%b')}'{start.year}"


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def waterfall_reference(
    cells: list[tuple[str, date, date, int]], first: date, last: date
) -> dict[str, Any]:
    """The waterfall by its definitions (docs/reports.md, the recognition contract), from
    cells (currency, billed period, recognized period, ledger units): rows per billed
    period (`earlier`, each period, `later`), and the summary per period."""
    periods = [
        date(i // 12, i % 12 + 1, 1) for i in range(month_index(first), month_index(last) + 1)
    ]
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    billed_in: dict[str, Counter[date]] = defaultdict(Counter)
    recognized_in: dict[str, Counter[date]] = defaultdict(Counter)
    for currency, billed, recognized, amount in cells:
        key = "earlier" if billed < first else "later" if billed > last else billed.isoformat()
        row = rows.setdefault(
            (currency, key), {"billed": 0, "before": 0, "cells": Counter(), "to_date": 0}
        )
        if billed <= last:
            row["billed"] += amount
            billed_in[currency][billed] += amount
        if recognized < first:
            row["before"] += amount
            row["to_date"] += amount
        elif recognized <= last:
            row["cells"][recognized] += amount
            row["to_date"] += amount
        if recognized <= last:
            recognized_in[currency][recognized] += amount
    summary: dict[tuple[str, date], tuple[int, int, int, int]] = {}
    for currency in billed_in.keys() | recognized_in.keys():
        b_to = sum(v for p, v in billed_in[currency].items() if p < first)
        r_to = sum(v for p, v in recognized_in[currency].items() if p < first)
        for p in periods:
            b, r = billed_in[currency][p], recognized_in[currency][p]
            b_to, r_to = b_to + b, r_to + r
            summary[(currency, p)] = (b, r, b_to, r_to)
    return {"rows": rows, "summary": summary, "periods": periods}


def units(text: str) -> int:
    return int(Decimal(text).scaleb(4))


def compare_waterfall(api: dict[str, Any], ref: dict[str, Any]) -> list[str]:
    """Differences between the API's report and the reference, in ledger units."""
    from revledger.kit.calendar import period_name

    problems: list[str] = []
    names = {p: period_name(p) for p in ref["periods"]}
    seen = set()
    for row in api["data"]:
        key = (
            row["currency"],
            row["row"] if row["row"] != "period" else row["billed_period_start"],
        )
        seen.add(key)
        want = ref["rows"].get(key)
        if want is None:
            problems.append(f"row {key}: not in the reference")
            continue
        got = {
            "billed": units(row["billed"]),
            "before": units(row["recognized_before"]),
            "to_date": units(row["recognized_to_date"]),
            "deferred": units(row["deferred"]),
            "cells": {p: units(row["recognized"][names[p]]) for p in ref["periods"]},
        }
        expected = {
            "billed": want["billed"],
            "before": want["before"],
            "to_date": want["to_date"],
            "deferred": want["billed"] - want["to_date"],
            "cells": {p: want["cells"].get(p, 0) for p in ref["periods"]},
        }
        if got != expected:
            diff = [k for k in got if got[k] != expected[k]]
            problems.append(f"row {key}: {', '.join(diff)} differ")
    for key in ref["rows"].keys() - seen:
        problems.append(f"row {key}: missing from the API's report")
    for s in api["summary"]:
        key = (s["currency"], date.fromisoformat(s["period_start"]))
        got4 = tuple(
            units(s[k]) for k in ("billed", "recognized", "billed_to_date", "recognized_to_date")
        )
        want4 = ref["summary"].get(key)
        if got4 != want4:
            problems.append(f"summary {key[0]} {names.get(key[1])}: API {got4}, reference {want4}")
        elif units(s["deferred"]) != got4[2] - got4[3]:
            problems.append(
                f"summary {key[0]} {names.get(key[1])}: deferred != billed - recognized"
            )
    return problems


def duckdb_waterfall(conninfo: str, workspace_id: str, workdir: Path) -> tuple[Any, float]:
    """The reference waterfall from the revenue items exported to CSV; best of 3."""
    path = workdir / "items.csv"
    with psycopg.connect(conninfo) as conn, path.open("wb") as f:
        query = sql.SQL(
            "COPY (SELECT currency, billed_period, period_start, amount FROM revenue_items "
            "WHERE workspace_id = {}) TO STDOUT WITH (FORMAT csv, HEADER)"
        ).format(sql.Literal(workspace_id))
        with conn.cursor().copy(query) as copy:
            for data in copy:
                f.write(data)
    con = duckdb.connect()
    types = "{'currency': 'VARCHAR', 'billed_period': 'DATE', 'period_start': 'DATE', " + (
        "'amount': 'BIGINT'}"
    )
    con.execute(
        f"CREATE TABLE items AS SELECT * FROM read_csv('{path}', header=true, types={types})"
    )
    cells_sql = CELLS_SQL.format(items="items", where="", last=f"DATE '{LAST}'")
    best, report = float("inf"), None
    con.execute(cells_sql).fetchall()  # warm
    for _ in range(3):
        t0 = time.perf_counter()
        cells = [(c, b, p, int(a)) for c, b, p, a in con.execute(cells_sql).fetchall()]
        report = waterfall_reference(cells, FIRST, LAST)
        best = min(best, time.perf_counter() - t0)
    con.close()
    return report, best


def postgres_waterfall(conninfo: str, workspace_id: str) -> float:
    """The same aggregate as one raw SQL query on PostgreSQL (plus the arrangement in
    Python); best of 3 after a warm-up."""
    cells_sql = CELLS_SQL.format(items="revenue_items", where="workspace_id = %s AND ", last="%s")
    best = float("inf")
    with psycopg.connect(conninfo) as conn:
        for n in range(4):
            t0 = time.perf_counter()
            cells = conn.execute(cells_sql, (workspace_id, LAST, LAST)).fetchall()
            waterfall_reference(cells, FIRST, LAST)
            if n:
                best = min(best, time.perf_counter() - t0)
    return best


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


# ------------------------------------------------------------------------ checks


def check_counts(conninfo: str, invoices: list[Invoice]) -> dict[str, int]:
    with psycopg.connect(conninfo) as conn:
        got = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in RAW_TABLES
        }
        billed = conn.execute("SELECT coalesce(sum(amount), 0) FROM revenue_events").fetchone()[0]
        items_sum = conn.execute("SELECT coalesce(sum(amount), 0) FROM revenue_items").fetchone()[0]
        periods = conn.execute(
            "SELECT count(*), min(start_date), max(start_date) FROM accounting_periods"
        ).fetchone()
    want = {
        "revenue_schedules": len(invoices),
        "revenue_events": len(invoices),
        "revenue_items": sum(i.items() for i in invoices),
    }
    assert got == want, f"rows {got}, expected {want}"
    total = sum(i.amount for i in invoices) * LEDGER_PER_CENT
    assert int(billed) == total == int(items_sum), (billed, total, items_sum)
    print(
        f"checked: {got['revenue_schedules']:,} schedules, {got['revenue_events']:,} events, "
        f"{got['revenue_items']:,} items (as the daily rule gives); events and items both sum "
        f"to the invoices' total; {periods[0]} periods {periods[1]} .. {periods[2]}"
    )
    return got


# ------------------------------------------------------------------------ database


def create_database() -> tuple[str, str]:
    name = f"revledger_bench_recognition_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def plan_bodies() -> list[dict[str, Any]]:
    return [
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


def customer_bodies(invoices: list[Invoice]) -> list[dict[str, Any]]:
    ids = sorted({i.customer for i in invoices})
    return [{"id": c, "data_source": "billing", "name": f"Customer {c[4:]}"} for c in ids]


# ------------------------------------------------------------------------ profile


def profile(args: argparse.Namespace, invoices: list[Invoice], url: str) -> None:
    """Import in this process (create_app + TestClient) under cProfile; print the costs.

    The app runs in the TestClient's portal thread and its thread pool, so every thread
    started during the profiled part gets its own profiler (threading.setprofile) and
    their statistics are merged."""
    os.environ.setdefault("REVLEDGER_LOG_LEVEL", "WARNING")
    from fastapi.testclient import TestClient

    from revledger.app import create_app
    from revledger.auth.service import create_workspace
    from revledger.db import Database

    db = Database(url)
    with db.session(write=True) as session, session.begin():
        _workspace, key = create_workspace(session, "bench")
    conninfo = url.replace("+psycopg", "")
    bodies = [orjson.dumps([i.body() for i in b]) for b in chunks(invoices, 1000)]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    app = create_app(db, worker=False)
    with TestClient(app, raise_server_exceptions=True) as http:
        http.headers["Authorization"] = f"Bearer {key}"
        assert http.post("/api/v1/revenue-sources", json={"name": "billing"}).status_code == 201
        assert http.post("/api/v1/plans", json=plan_bodies()).status_code == 200
        for body in chunks(customer_bodies(invoices), 1000):
            assert http.post("/api/v1/customers", json=body).status_code == 200
        for body in bodies[:2]:  # warm-up and statistics, as the server run does
            assert http.post("/api/v1/invoices", content=body, headers=headers).status_code == 200
    analyze(conninfo)

    profilers: list[cProfile.Profile] = []

    def install(*_: object) -> None:
        sys.setprofile(None)
        profiler = cProfile.Profile()
        profilers.append(profiler)
        profiler.enable()

    threading.setprofile(install)
    try:
        with TestClient(app, raise_server_exceptions=True) as http:
            t0 = time.perf_counter()
            for body in bodies[2:]:
                response = http.post("/api/v1/invoices", content=body, headers=headers)
                assert response.status_code == 200, response.text[:500]
            seconds = time.perf_counter() - t0
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
    db.dispose()
    stats = pstats.Stats(profilers[0])
    for other in profilers[1:]:
        stats.add(other)
    stats.dump_stats(args.profile)
    n = max(0, len(invoices) - 2000)
    print(
        f"profiled: {n:,} invoices, one client, in {seconds:.1f} s under cProfile "
        f"({n / seconds:,.0f}/s; the profiler slows Python down) -> {args.profile}"
    )
    entries: Any = stats.stats  # type: ignore[attr-defined]
    print(f"inclusive time of revledger functions, share of the {seconds:.1f} s:")
    rows = []
    for (filename, _line, name), (_cc, calls, _tt, cum, _callers) in entries.items():
        if "/revledger/" in filename:
            where = f"{Path(filename).parent.name}/{Path(filename).name}"
            rows.append((cum, calls, where, name))
        elif name == "commit" and filename.endswith("sqlalchemy/orm/session.py"):
            rows.append((cum, calls, "sqlalchemy/orm/session.py", name))
    for cum, calls, where, name in sorted(rows, reverse=True)[: args.profile_top]:
        print(f"  {cum / seconds:6.1%}  {cum:7.2f} s  {calls:>9,} calls  {where}:{name}")
    buffer = io.StringIO()
    stats.stream = buffer  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(args.profile_top)
    print("top self time:")
    print("\n".join(line for line in buffer.getvalue().splitlines()[4:] if line.strip()))


# ------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--requests", type=int, default=20, help="timed waterfall calls")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--profile", metavar="FILE", help="in-process cProfile run instead")
    parser.add_argument("--profile-top", type=int, default=40, help="lines of the profile")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    t0 = time.perf_counter()
    invoices, n_customers = generate(args.invoices, args.seed)
    kinds = Counter("annual" if i.plan and i.plan[0] == "y" else i.type for i in invoices)
    kinds = Counter({("monthly" if k == "subscription" else k): v for k, v in kinds.items()})
    n_items = sum(i.items() for i in invoices)
    print(
        f"generated {len(invoices):,} invoices of {n_customers:,} customers "
        f"({', '.join(f'{k} {v:,}' for k, v in sorted(kinds.items()))}); "
        f"{n_items:,} revenue items expected; {time.perf_counter() - t0:.1f} s"
    )
    print(
        f"machine: {os.cpu_count()} cores; load average {load_average()}; "
        f"busy before the run: {busy_cores(3.0):.2f} cores"
    )
    name, url = create_database()
    conninfo = url.replace("+psycopg", "")
    from revledger.migrate import upgrade

    if args.profile:
        try:
            upgrade(url)
            profile(args, invoices, url)
        finally:
            if not args.keep:
                drop_database(name)
        return

    from revledger.auth.service import create_workspace
    from revledger.db import Database

    workdir = Path(tempfile.mkdtemp(prefix="revledger-bench-recognition-"))
    server: Server | None = None
    try:
        upgrade(url)
        db = Database(url)
        with db.session(write=True) as session, session.begin():
            workspace, key = create_workspace(session, "bench")
            workspace_id = workspace.id
        db.dispose()
        with psycopg.connect(conninfo) as conn:
            autovacuum = conn.execute("SHOW autovacuum").fetchone()[0]
        print(f"database {name}; autovacuum {autovacuum} (ANALYZE is run by this script)")

        server = Server(url, args.server_workers, workdir / "server.log")
        server.wait_ready(key)
        port = server.port
        status, out = request(
            port, "POST", "/api/v1/revenue-sources", key, orjson.dumps({"name": "billing"})
        )
        assert status == 201, out
        post_all(
            port, key, "/api/v1/plans", [orjson.dumps(plan_bodies())], 1, accepted=("inserted",)
        )
        bodies = [orjson.dumps(b) for b in chunks(customer_bodies(invoices), 1000)]
        secs = post_all(port, key, "/api/v1/customers", bodies[:2], 1, accepted=("inserted",))
        secs += analyze(conninfo)
        secs += post_all(
            port, key, "/api/v1/customers", bodies[2:], args.clients, accepted=("inserted",)
        )
        print(f"customers through the API: {n_customers:,} in {secs:.1f} s")

        # 1. schedule and event creation = the invoice import with recognition inline
        bodies = [orjson.dumps([i.body() for i in b]) for b in chunks(invoices, 1000)]
        load_before = load_average()
        b0, t0_jiffies = cpu_times()
        with Sampler(conninfo, name) as sampler:
            import_s = post_all(
                port, key, "/api/v1/invoices", bodies[:2], 1, accepted=("inserted",)
            )
            import_s += analyze(conninfo)  # as autovacuum would after the first requests
            import_s += post_all(
                port, key, "/api/v1/invoices", bodies[2:], args.clients, accepted=("inserted",)
            )
        b1, t1_jiffies = cpu_times()
        machine_busy = (b1 - b0) / max(1, t1_jiffies - t0_jiffies) * (os.cpu_count() or 1)
        analyze_s = analyze(conninfo)
        counts = check_counts(conninfo, invoices)
        inv_rate = len(invoices) / import_s
        print(
            f"import with recognition: {len(invoices):,} invoices in {import_s:.1f} s = "
            f"{inv_rate:,.0f} invoices/s, {counts['revenue_schedules'] / import_s:,.0f} "
            f"schedules/s, {counts['revenue_events'] / import_s:,.0f} events/s, "
            f"{counts['revenue_items'] / import_s:,.0f} items/s "
            f"(target ≥ {TARGET_INVOICES_PER_S:,.0f} invoices/s); machine busy "
            f"{machine_busy:.2f} cores during it; load average {load_before} -> "
            f"{load_average()}; ANALYZE after the load {analyze_s:.1f} s"
        )
        print("where this database's busy connections were during the import (samples):")
        print("\n".join(sampler.report()))

        exported = export_rows(conninfo, workspace_id, workdir, 1000)
        raw_s, raw_counts = raw_copy(conninfo, exported, args.clients)
        assert raw_counts == counts, (raw_counts, counts)
        raw_rate = len(invoices) / raw_s
        raw_rows = sum(raw_counts.values())
        print(
            f"raw reference: psycopg COPY of the same {raw_rows:,} schedule/event/item rows "
            f"into LIKE … INCLUDING ALL tables, {args.clients} threads, one transaction per "
            f"1,000 invoices: {raw_s:.1f} s = {raw_rate:,.0f} invoices/s "
            f"({raw_rows / raw_s:,.0f} rows/s); ratio API / raw = {inv_rate / raw_rate:.2f}"
        )

        # 2. the waterfall, 24 periods
        path = (
            f"/api/v1/reports/waterfall?start_period={quote(period_label(FIRST))}"
            f"&end_period={quote(period_label(LAST))}"
        )
        status, out = request(port, "GET", path, key)
        assert status == 200, out[:500]
        api_report = orjson.loads(out)
        assert api_report["meta"]["periods"] == MONTHS, api_report["meta"]
        request(port, "GET", path, key)
        latencies = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            status, _ = request(port, "GET", path, key)
            latencies.append(time.perf_counter() - t0)
            assert status == 200
        p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
        ref, duck_s = duckdb_waterfall(conninfo, workspace_id, workdir)
        pg_s = postgres_waterfall(conninfo, workspace_id)
        problems = compare_waterfall(api_report, ref)
        agree = "agrees with the reference to the ledger unit" if not problems else "DIFFERS"
        print(
            f"GET /api/v1/reports/waterfall, {MONTHS} periods ({len(api_report['data'])} rows): "
            f"p50 {p50 * 1000:,.0f} ms, p99 {p99 * 1000:,.0f} ms over {args.requests} calls "
            f"(target ≤ {TARGET_WATERFALL_S:.0f} s); DuckDB over the exported items "
            f"{duck_s * 1000:,.0f} ms; one raw SQL query on PostgreSQL {pg_s * 1000:,.0f} ms; "
            f"p50 / DuckDB = {p50 / duck_s:.1f}, p50 / raw SQL = {p50 / pg_s:.2f}; {agree}"
        )
        for line in problems[:10]:
            print(f"  {line}")

        # 3. closing periods
        closes = []
        for period in ("Jan'2024", "Feb'2024"):
            t0 = time.perf_counter()
            status, out = request(
                port, "POST", f"/api/v1/accounting-periods/{quote(period)}/close", key, b""
            )
            closes.append(time.perf_counter() - t0)
            assert status == 200, out[:500]
        with psycopg.connect(conninfo) as conn:
            batches = conn.execute(
                "SELECT period_start, line_count FROM journal_batches ORDER BY period_start"
            ).fetchall()
            jan_items = conn.execute(
                "SELECT count(*) FROM revenue_items WHERE period_start = %s OR billed_period = %s",
                (FIRST, FIRST),
            ).fetchone()[0]
        print(
            f"close Jan'2024 (first period; {jan_items:,} items billed or recognized in it): "
            f"{closes[0]:.2f} s; close Feb'2024: {closes[1]:.2f} s "
            f"(target ≤ {TARGET_CLOSE_S:.0f} s); journal batches: "
            + (", ".join(f"{p} {n} lines" for p, n in batches) or "none")
        )
        status, out = request(port, "GET", path, key)
        after = orjson.loads(out)
        same = after["data"] == api_report["data"] and after["summary"] == api_report["summary"]
        print(f"waterfall after the closes: {'unchanged' if same else 'CHANGED'}")

        print()
        print("| measure | result | target | reference, same run | ratio |")
        print("| --- | --- | --- | --- | --- |")
        print(
            f"| import with schedules and events, {len(invoices):,} invoices "
            f"({counts['revenue_items']:,} items) | {inv_rate:,.0f} invoices/s "
            f"({counts['revenue_items'] / import_s:,.0f} items/s) "
            f"| ≥ {TARGET_INVOICES_PER_S:,.0f} invoices/s "
            f"| raw COPY {raw_rate:,.0f} invoices/s ({raw_rows / raw_s:,.0f} rows/s) "
            f"| {inv_rate / raw_rate:.2f} |"
        )
        print(
            f"| waterfall, {MONTHS} periods, p50 / p99 | {p50 * 1000:,.0f} / {p99 * 1000:,.0f} ms "
            f"| ≤ {TARGET_WATERFALL_S * 1000:,.0f} ms | DuckDB {duck_s * 1000:,.0f} ms; "
            f"raw SQL on PostgreSQL {pg_s * 1000:,.0f} ms "
            f"| p99 / DuckDB {p99 / duck_s:.1f}; p99 / raw SQL {p99 / pg_s:.2f} |"
        )
        print(
            f"| close Jan'2024 (first period) / Feb'2024 | {closes[0]:.2f} / {closes[1]:.2f} s "
            f"| ≤ {TARGET_CLOSE_S:.0f} s | | |"
        )
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            drop_database(name)


if __name__ == "__main__":
    main()
