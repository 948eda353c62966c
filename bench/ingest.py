"""Ingestion and list-latency benchmark (issue item 20).

Into a fresh PostgreSQL database, posts N revenue records through
`POST /api/v1/revenues/batch` (100 per request, 8 concurrent clients) to a real
`revledger serve` subprocess, then inserts the same rows with plain psycopg
`executemany` of `INSERT … ON CONFLICT DO NOTHING` in batches of 1,000 into a table
of the same shape, and prints both rates and their ratio. Then, with `--list-rows`
rows in one workspace, measures p50/p99 latency (one client) of `GET /api/v1/revenues`
for five queries and checks `meta.total` against a direct SQL count. Finally the same
HTTP ingestion against `revledger serve` on a fresh SQLite file.

    .venv/bin/python bench/ingest.py                     # full run (defaults below)
    .venv/bin/python bench/ingest.py --n 20000 --list-rows 50000 --sqlite-n 5000

Only 127.0.0.1 is contacted. The PostgreSQL database is created here
(`revledger_bench_<random>`) and dropped at the end unless `--keep`.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import psycopg
import uuid_utils
from benchhttp import free_port
from benchproc import code_version, cpu_by_pid, descendants, machine_busy, own_cpu, postgres_pids

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
HOST = "127.0.0.1"

# Targets from the specification (issue item 20).
TARGET_HTTP_RATE = 20_000.0  # records/s through HTTP on PostgreSQL
TARGET_RATIO = 0.3  # HTTP rate / raw psycopg rate, same run
TARGET_P99_MS = 50.0  # every list query on PostgreSQL

N_PRODUCTS = 500
SEARCH_TERM = "prod-0042"  # one product id: ~0.18 % of the rows
DESCRIPTIONS = (
    "Pro plan, monthly",
    "Pro plan, annual",
    "Team plan, monthly",
    "Seat add-on",
    "Usage overage",
    "Partial refund: service credit",
    "FX rounding adjustment",
)


# --------------------------------------------------------------------------- records


@dataclass
class Batch:
    body: bytes  # the POST body, serialized before timing
    raw: list[tuple[Any, ...]]  # the same rows for the plain-psycopg reference
    count: int  # records in the body


def revledger_exe() -> str:
    local = Path(sys.executable).with_name("revledger")
    if local.exists():
        return str(local)
    found = shutil.which("revledger")
    if not found:
        sys.exit("cannot find the `revledger` command (install the package first)")
    return found


def generate(
    n: int,
    batch: int,
    workspace_id: str,
    source_ids: list[str],
    tag: str,
    start: int,
    seed: int,
    now: datetime,
    with_raw: bool,
) -> list[Batch]:
    """`n` records numbered from `start`: ~80 % sales, 12 % refunds, 8 % adjustments,
    USD/EUR, occurred_at spread over the last 365 days, unique external ids."""
    rnd = random.Random(seed)
    year_us = 365 * 86_400 * 1_000_000
    out: list[Batch] = []
    records: list[dict[str, Any]] = []
    raws: list[tuple[Any, ...]] = []
    created_at = now
    for i in range(start, start + n):
        r = rnd.random()
        if r < 0.80:
            type_, milli = "sale", rnd.randint(1_000, 500_000)
        elif r < 0.92:
            type_, milli = "refund", -rnd.randint(1_000, 200_000)
        else:
            type_, milli = "adjustment", rnd.choice((-1, 1)) * rnd.randint(1, 20_000)
        currency = "USD" if rnd.random() < 0.7 else "EUR"
        occurred = now - timedelta(microseconds=rnd.randrange(year_us))
        occurred = occurred.replace(microsecond=(occurred.microsecond // 1000) * 1000)
        source_id = source_ids[i % len(source_ids)]
        external_id = f"ch_{tag}_{i:08d}"
        product = f"prod-{rnd.randrange(N_PRODUCTS):04d}" if rnd.random() < 0.9 else None
        description = rnd.choice(DESCRIPTIONS) if rnd.random() < 0.4 else None
        metadata = {"plan": "pro", "seats": rnd.randint(1, 50)} if rnd.random() < 0.1 else None
        sign = "-" if milli < 0 else ""
        whole, frac = divmod(abs(milli), 1000)
        rec: dict[str, Any] = {
            "revenue_source_id": source_id,
            "type": type_,
            "amount": f"{sign}{whole}.{frac:03d}",
            "currency": currency,
            "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "external_id": external_id,
        }
        if product is not None:
            rec["external_product_identifier"] = product
        if description is not None:
            rec["description"] = description
        if metadata is not None:
            rec["metadata"] = metadata
        records.append(rec)
        if with_raw:
            raws.append(
                (
                    str(uuid_utils.uuid7()),
                    workspace_id,
                    source_id,
                    external_id,
                    product,
                    type_,
                    milli,
                    currency,
                    occurred,
                    description,
                    orjson.dumps(metadata).decode() if metadata is not None else None,
                    created_at,
                )
            )
        if len(records) == batch:
            out.append(Batch(orjson.dumps({"records": records}), raws, len(records)))
            records, raws = [], []
    if records:
        out.append(Batch(orjson.dumps({"records": records}), raws, len(records)))
    return out


# --------------------------------------------------------------------------- server


class Server:
    """`revledger serve` as a subprocess in its own process group."""

    def __init__(self, env: dict[str, str], workers: int, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [revledger_exe(), "serve", "--port", str(self.port), "--workers", str(workers)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, api_key: str, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early; log:\n{self.log_path.read_text()}")
            try:
                status, _ = request(self.port, "GET", "/api/v1/ping", api_key)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"server not ready after {timeout_s}s; log:\n{self.log_path.read_text()}"
        )

    def pids(self) -> list[int]:
        """The server process and its descendants (uvicorn workers)."""
        return [self.proc.pid, *descendants(self.proc.pid)]

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two snapshots; processes born in between count in full
    (connection pools open their PostgreSQL backends lazily)."""
    return sum(v - before.get(pid, 0.0) for pid, v in after.items())


def busy_other(machine: float, cpu0: tuple[Any, ...], cpu1: tuple[Any, ...], wall: float) -> float:
    """CPU used by processes other than the server, PostgreSQL and this client: noise."""
    ours = cpu_delta(cpu0[0], cpu1[0]) + cpu_delta(cpu0[1], cpu1[1]) + (cpu1[2] - cpu0[2])
    return max(0.0, machine - ours)


# --------------------------------------------------------------------------- HTTP


def request(
    port: int, method: str, path: str, api_key: str, body: bytes | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        headers = {"Authorization": f"Bearer {api_key}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@dataclass
class IngestResult:
    records: int
    created: int
    requests: int
    seconds: float
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.created / self.seconds if self.seconds else 0.0


def ingest_http(port: int, api_key: str, batches: list[Batch], clients: int) -> IngestResult:
    """`clients` threads, one keep-alive connection each, sharing one queue of bodies."""
    next_index = itertools.count()
    created = [0] * clients
    errors: list[str] = []
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    start_gate = threading.Barrier(clients + 1)

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=300)
        conn.request("GET", "/api/v1/ping", headers=headers)  # connect before timing
        conn.getresponse().read()
        start_gate.wait()
        try:
            while True:
                i = next(next_index)
                if i >= len(batches):
                    return
                conn.request(
                    "POST", "/api/v1/revenues/batch", body=batches[i].body, headers=headers
                )
                resp = conn.getresponse()
                data = resp.read()
                if resp.status != 200:
                    errors.append(f"batch {i}: HTTP {resp.status}: {data[:300]!r}")
                    continue
                items = orjson.loads(data)["data"]
                ok = sum(1 for item in items if item["status"] == 201)
                created[k] += ok
                if ok != len(items):
                    bad = next(item for item in items if item["status"] != 201)
                    errors.append(f"batch {i}: {len(items) - ok} not created, e.g. {bad}")
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    start_gate.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    total_records = sum(b.count for b in batches)
    return IngestResult(total_records, sum(created), len(batches), seconds, errors)


def latency(
    port: int, api_key: str, path: str, warmup: int, count: int
) -> tuple[list[float], dict[str, Any]]:
    """One client, one keep-alive connection; wall time per request in ms."""
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    headers = {"Authorization": f"Bearer {api_key}"}
    times: list[float] = []
    last: dict[str, Any] = {}
    try:
        for k in range(warmup + count):
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            elapsed = (time.perf_counter() - t0) * 1000
            if resp.status != 200:
                raise RuntimeError(f"GET {path}: HTTP {resp.status}: {data[:300]!r}")
            if k >= warmup:
                times.append(elapsed)
            if k == warmup:
                last = orjson.loads(data)
    finally:
        conn.close()
    return times, last


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# --------------------------------------------------------------------------- setup


def pg(dbname: str) -> str:
    return f"postgresql://postgres@{HOST}:5432/{dbname}"


def create_workspace(env: dict[str, str]) -> tuple[str, str]:
    out = subprocess.run(
        [revledger_exe(), "workspace", "create", "bench", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if out.returncode != 0:
        raise RuntimeError(f"`revledger workspace create` failed:\n{out.stdout}\n{out.stderr}")
    payload = json.loads(out.stdout.strip().splitlines()[-1])
    return payload["workspace_id"], payload["api_key"]


def create_sources(port: int, api_key: str) -> list[str]:
    ids = []
    for name, currency in (("stripe", "USD"), ("app-store", "EUR")):
        body = orjson.dumps({"name": name, "kind": name, "default_currency": currency})
        status, data = request(port, "POST", "/api/v1/revenue-sources", api_key, body)
        if status != 201:
            raise RuntimeError(f"creating source {name}: HTTP {status}: {data!r}")
        ids.append(orjson.loads(data)["data"]["id"])
    return ids


def psql_exec(dbname: str, *statements: str) -> None:
    with psycopg.connect(pg(dbname), autocommit=True) as conn:
        for s in statements:
            conn.execute(s)


# --------------------------------------------------------------------------- raw


RAW_COLUMNS = (
    "id, workspace_id, revenue_source_id, external_id, external_product_identifier, type, "
    "amount_milli, currency, occurred_at, description, metadata, created_at"
)


CORE_INDEXES = (
    "(id)",
    "(workspace_id, revenue_source_id, external_id)",
    "(workspace_id, occurred_at, id)",
)


def ingest_raw(
    dbname: str, batches: list[Batch], chunk: int, core_only: bool = False
) -> tuple[float, int, list[str]]:
    """Plain psycopg: executemany of INSERT … ON CONFLICT DO NOTHING, `chunk` rows per
    executemany and per commit, one connection, into a copy of `revenues`' shape.

    The copy is `LIKE revenues INCLUDING ALL`: same columns, NOT NULLs, primary key,
    unique constraint and every index (not foreign keys). `core_only` keeps just the
    primary key, the unique constraint and the list index."""
    rows = [r for b in batches for r in b.raw]
    with psycopg.connect(pg(dbname), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS revenues_raw")
        conn.execute("CREATE TABLE revenues_raw (LIKE revenues INCLUDING ALL)")
        if core_only:
            for name, indexdef in conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'revenues_raw'"
            ).fetchall():
                if not any(indexdef.split(" USING btree ")[-1].startswith(c) for c in CORE_INDEXES):
                    conn.execute(f'DROP INDEX "{name}"')
        indexes = [
            r[0]
            for r in conn.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'revenues_raw' ORDER BY 1"
            )
        ]
        conn.execute("CHECKPOINT")
    sql = (
        f"INSERT INTO revenues_raw ({RAW_COLUMNS}) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
    )
    with psycopg.connect(pg(dbname)) as conn:
        t0 = time.perf_counter()
        for i in range(0, len(rows), chunk):
            with conn.cursor() as cur:
                cur.executemany(sql, rows[i : i + chunk])
            conn.commit()
        seconds = time.perf_counter() - t0
        (count,) = conn.execute("SELECT count(*) FROM revenues_raw").fetchone()  # type: ignore[misc]
    with psycopg.connect(pg(dbname), autocommit=True) as conn:
        conn.execute("DROP TABLE revenues_raw")
    return seconds, int(count), indexes


# --------------------------------------------------------------------------- profile


def start_pyspy(pid: int, out: Path, rate: int) -> subprocess.Popen[bytes] | None:
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(exe).exists():
        print("  py-spy not found: `pip install py-spy` to profile; continuing without")
        return None
    proc = subprocess.Popen(
        [
            exe,
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--format",
            "raw",
            "--rate",
            str(rate),
            "--gil",
            "--nonblocking",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(1.5)  # let it attach
    return proc


def stop_pyspy(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def summarize_profile(path: Path, top: int) -> str:
    """Collapsed stacks -> self and inclusive sample shares by function and by area."""
    self_counts: Counter[str] = Counter()
    incl_counts: Counter[str] = Counter()
    area_counts: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n_text = line.rpartition(" ")
        if not stack or not n_text.isdigit():
            continue
        n = int(n_text)
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        if not frames:
            continue
        total += n
        names = [_frame_name(f) for f in frames]
        self_counts[names[-1]] += n
        for name in set(names):
            incl_counts[name] += n
        area_counts[_area(frames)] += n
    if not total:
        return "  (no samples)"
    lines = [
        f"  {total} samples (non-idle threads, all server processes)",
        "  by area (innermost match):",
    ]
    for area, n in area_counts.most_common():
        lines.append(f"    {100 * n / total:5.1f} %  {area}")
    lines.append("  self time, top functions:")
    for name, n in self_counts.most_common(top):
        lines.append(f"    {100 * n / total:5.1f} %  {name}")
    lines.append("  inclusive time, revledger functions:")
    for name, n in incl_counts.most_common():
        if "revledger" in name:
            lines.append(f"    {100 * n / total:5.1f} %  {name}")
            if len(lines) > 200:
                break
    return "\n".join(lines)


def _frame_name(frame: str) -> str:
    # "function (path/to/file.py:123)" -> "function (file-ish:path)"
    func, _, loc = frame.partition(" (")
    loc = loc.rstrip(")")
    file = loc.rsplit(":", 1)[0]
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{func} ({file})"


AREAS = (
    ("psycopg/", "psycopg (driver: send/receive, adapt/load)"),
    ("sqlalchemy/engine", "SQLAlchemy engine (execute, result rows)"),
    ("sqlalchemy/sql", "SQLAlchemy SQL compile / construct"),
    ("sqlalchemy/orm", "SQLAlchemy ORM session"),
    ("sqlalchemy/", "SQLAlchemy (other)"),
    ("pydantic", "pydantic validation"),
    ("revledger/kit", "revledger kit (parse/format helpers)"),
    ("revledger/", "revledger (own code)"),
    ("json/", "json (request parse)"),
    ("orjson", "orjson"),
    ("fastapi/", "FastAPI"),
    ("starlette/", "Starlette"),
    ("uvicorn/", "uvicorn / HTTP"),
    ("h11", "uvicorn / HTTP"),
    ("httptools", "uvicorn / HTTP"),
    ("anyio/", "anyio (thread pool)"),
    ("asyncio/", "asyncio"),
    ("threading.py", "threading"),
)


def _area(frames: list[str]) -> str:
    for frame in reversed(frames):
        for marker, area in AREAS:
            if marker in frame:
                return area
    return "other"


# --------------------------------------------------------------------------- phases


@dataclass
class Results:
    machine: dict[str, str] = field(default_factory=dict)
    http: IngestResult | None = None
    http_cpu: dict[str, float] = field(default_factory=dict)
    raw_seconds: float = 0.0
    raw_rows: int = 0
    raw_indexes: list[str] = field(default_factory=list)
    raw_core_seconds: float = 0.0
    sqlite: IngestResult | None = None
    load: IngestResult | None = None
    list_rows: int = 0
    queries: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def machine_info(dbname: str) -> dict[str, str]:
    mem_kb = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    cpu = "?"
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with psycopg.connect(pg(dbname)) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in ("shared_buffers", "synchronous_commit", "max_wal_size")
        }
    return {
        "code": code_version(),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "postgresql": version + " (" + ", ".join(f"{k}={v}" for k, v in settings.items()) + ")",
        "python": sys.version.split()[0],
    }


def run_postgres(args: argparse.Namespace, res: Results, tmp: Path) -> None:
    dbname = f"revledger_bench_{uuid.uuid4().hex[:10]}"
    psql_exec("postgres", f'CREATE DATABASE "{dbname}"')
    print(f"PostgreSQL database {dbname}")
    server: Server | None = None
    try:
        env = {
            **os.environ,
            "REVLEDGER_DATABASE_URL": pg(dbname).replace("postgresql://", "postgresql+psycopg://"),
            "REVLEDGER_LOG_LEVEL": "WARNING",
        }
        res.machine = machine_info(dbname)
        workspace_id, api_key = create_workspace(env)
        server = Server(env, args.workers, tmp / "serve-pg.log")
        server.wait_ready(api_key)
        sources = create_sources(server.port, api_key)
        now = datetime.now(UTC)
        tag = uuid.uuid4().hex[:6]

        print(f"generating {args.n:,} records ...")
        batches = generate(args.n, args.batch, workspace_id, sources, tag, 0, 1, now, with_raw=True)

        print(
            f"HTTP ingest on PostgreSQL: {args.n:,} records, {args.batch}/request, "
            f"{args.clients} clients, {args.workers} worker(s) ..."
        )
        psql_exec(dbname, "CHECKPOINT")
        spy = None
        if args.profile:
            spy = start_pyspy(server.proc.pid, tmp / "pyspy-ingest.txt", args.profile_rate)
        cpu_total0 = machine_busy()
        cpu0 = (cpu_by_pid(server.pids()), cpu_by_pid(postgres_pids()), own_cpu())
        res.http = ingest_http(server.port, api_key, batches, args.clients)
        cpu1 = (cpu_by_pid(server.pids()), cpu_by_pid(postgres_pids()), own_cpu())
        cpu_total1 = machine_busy()
        if spy is not None:
            stop_pyspy(spy)
        res.http_cpu = {
            "other": busy_other(cpu_total1 - cpu_total0, cpu0, cpu1, res.http.seconds),
            "server": cpu_delta(cpu0[0], cpu1[0]),
            "postgres": cpu_delta(cpu0[1], cpu1[1]),
            "client": cpu1[2] - cpu0[2],
            "wall": res.http.seconds,
        }
        _check_ingest("PostgreSQL HTTP", res.http, res)
        with psycopg.connect(pg(dbname)) as conn:
            stored = conn.execute("SELECT count(*) FROM revenues").fetchone()[0]  # type: ignore[index]
            counted = conn.execute("SELECT coalesce(sum(n), 0) FROM revenue_day_counts").fetchone()[
                0
            ]  # type: ignore[index]
        if stored != args.n or counted != args.n:
            res.problems.append(
                f"after ingest: {stored} rows, day counts sum {counted}, expected {args.n}"
            )
        print(
            f"  {res.http.rate:,.0f} records/s ({res.http.seconds:.1f} s); CPU s: "
            + ", ".join(f"{k} {v:.1f}" for k, v in res.http_cpu.items())
        )
        if spy is not None and (tmp / "pyspy-ingest.txt").exists():
            dest = Path(args.profile)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(tmp / "pyspy-ingest.txt", dest)
            print(f"profile (py-spy, collapsed stacks) saved to {dest}")
            print(summarize_profile(dest, args.profile_top))

        print(f"raw psycopg executemany, batches of {args.raw_batch:,} ...")
        res.raw_seconds, res.raw_rows, res.raw_indexes = ingest_raw(dbname, batches, args.raw_batch)
        if res.raw_rows != args.n:
            res.problems.append(f"raw table holds {res.raw_rows} rows, expected {args.n}")
        print(f"  {args.n / res.raw_seconds:,.0f} rows/s ({res.raw_seconds:.1f} s); indexes:")
        for indexdef in res.raw_indexes:
            print(f"    {indexdef}")
        if len(res.raw_indexes) > len(CORE_INDEXES):
            print("raw again, core indexes only (primary key, unique, list index) ...")
            res.raw_core_seconds, core_rows, _ = ingest_raw(dbname, batches, args.raw_batch, True)
            print(
                f"  {core_rows / res.raw_core_seconds:,.0f} rows/s ({res.raw_core_seconds:.1f} s)"
            )
        del batches

        if not args.skip_list:
            run_list(args, res, dbname, server, api_key, workspace_id, sources, tag, now)
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"kept database {dbname}")
        else:
            psql_exec("postgres", f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def run_list(
    args: argparse.Namespace,
    res: Results,
    dbname: str,
    server: Server,
    api_key: str,
    workspace_id: str,
    sources: list[str],
    tag: str,
    now: datetime,
) -> None:
    more = max(0, args.list_rows - args.n)
    if more:
        print(f"loading {more:,} more records through the API (to {args.list_rows:,}) ...")
        loaded: IngestResult | None = None
        chunk = 200_000
        for start in range(args.n, args.list_rows, chunk):
            count = min(chunk, args.list_rows - start)
            batches = generate(
                count, args.batch, workspace_id, sources, tag, start, start + 7, now, False
            )
            part = ingest_http(server.port, api_key, batches, args.clients)
            _check_ingest("list load", part, res)
            if loaded is None:
                loaded = part
            else:
                loaded = IngestResult(
                    loaded.records + part.records,
                    loaded.created + part.created,
                    loaded.requests + part.requests,
                    loaded.seconds + part.seconds,
                    loaded.errors + part.errors,
                )
        res.load = loaded
        assert loaded is not None
        print(f"  {loaded.rate:,.0f} records/s ({loaded.seconds:.1f} s)")
    print("VACUUM ANALYZE ...")
    psql_exec(dbname, "VACUUM ANALYZE revenues", "VACUUM ANALYZE revenue_day_counts")

    with psycopg.connect(pg(dbname)) as conn:
        res.list_rows = conn.execute(  # type: ignore[index]
            "SELECT count(*) FROM revenues WHERE workspace_id = %s", (workspace_id,)
        ).fetchone()[0]
    month_day = (now - timedelta(days=180)).date().replace(day=1)
    month_end = (month_day + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    start_ts = datetime.combine(month_day, datetime.min.time(), tzinfo=UTC)
    end_ts = datetime.combine(month_end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    like = f"%{SEARCH_TERM}%"
    queries = [
        ("page 1, no filter", "/api/v1/revenues", "TRUE", ()),
        (
            "type=sale & currency=USD",
            "/api/v1/revenues?type=sale&currency=USD",
            "type = 'sale' AND currency = 'USD'",
            (),
        ),
        (
            f"one month ({month_day:%Y-%m})",
            f"/api/v1/revenues?date_from={month_day.isoformat()}&date_to={month_end.isoformat()}",
            "occurred_at >= %s AND occurred_at < %s",
            (start_ts, end_ts),
        ),
        (
            f"search={SEARCH_TERM}",
            f"/api/v1/revenues?search={SEARCH_TERM}",
            "(external_id ILIKE %s OR external_product_identifier ILIKE %s"
            " OR description ILIKE %s)",
            (like, like, like),
        ),
        ("page 2,000, no filter", "/api/v1/revenues?page=2000", "TRUE", ()),
    ]
    print(
        f"list latency, one client, {args.warmup} warm-ups + {args.requests} requests each, "
        f"{res.list_rows:,} rows in the workspace"
    )
    for label, path, where, params in queries:
        with psycopg.connect(pg(dbname)) as conn:
            expected = conn.execute(  # type: ignore[index]
                f"SELECT count(*) FROM revenues WHERE workspace_id = %s AND {where}",
                (workspace_id, *params),
            ).fetchone()[0]
        times, body = latency(server.port, api_key, path, args.warmup, args.requests)
        total = body["meta"]["total"]
        page = int(path.split("page=")[1]) if "page=" in path else 1
        want_rows = max(0, min(25, expected - (page - 1) * 25))
        ok_total = total == expected and len(body["data"]) == want_rows
        if not ok_total:
            res.problems.append(
                f"{label}: meta.total {total} / {len(body['data'])} rows, "
                f"SQL count {expected} / {want_rows} rows expected"
            )
        q = {
            "label": label,
            "path": path,
            "total": total,
            "expected": expected,
            "total_ok": ok_total,
            "p50": percentile(times, 50),
            "p99": percentile(times, 99),
            "mean": statistics.fmean(times),
            "max": max(times),
        }
        res.queries.append(q)
        print(
            f"  {label:28s} p50 {q['p50']:7.1f} ms  p99 {q['p99']:7.1f} ms  "
            f"total {total:,} ({'ok' if ok_total else 'WRONG'})"
        )


def run_sqlite(args: argparse.Namespace, res: Results, tmp: Path) -> None:
    path = tmp / "bench.db"
    env = {
        **os.environ,
        "REVLEDGER_DATABASE_URL": f"sqlite:///{path}",
        "REVLEDGER_LOG_LEVEL": "WARNING",
    }
    workspace_id, api_key = create_workspace(env)
    server = Server(env, args.workers, tmp / "serve-sqlite.log")
    try:
        server.wait_ready(api_key)
        sources = create_sources(server.port, api_key)
        batches = generate(
            args.sqlite_n,
            args.batch,
            workspace_id,
            sources,
            "sq",
            0,
            3,
            datetime.now(UTC),
            with_raw=False,
        )
        print(f"HTTP ingest on SQLite: {args.sqlite_n:,} records ...")
        res.sqlite = ingest_http(server.port, api_key, batches, args.clients)
        _check_ingest("SQLite HTTP", res.sqlite, res)
        print(f"  {res.sqlite.rate:,.0f} records/s ({res.sqlite.seconds:.1f} s)")
    finally:
        server.stop()


def _check_ingest(label: str, r: IngestResult, res: Results) -> None:
    if r.created != r.records or r.errors:
        res.problems.append(f"{label}: created {r.created} of {r.records}; errors: {r.errors[:3]}")


# --------------------------------------------------------------------------- report


def report(args: argparse.Namespace, res: Results) -> bool:
    rows: list[tuple[str, str, str, str]] = []
    passed = True

    def add(label: str, value: str, target: str, ok: bool | None) -> None:
        nonlocal passed
        if ok is False:
            passed = False
        rows.append((label, value, target, "-" if ok is None else ("PASS" if ok else "FAIL")))

    raw_rate = args.n / res.raw_seconds if res.raw_seconds else 0.0
    if res.http is not None:
        add(
            f"HTTP ingest, PostgreSQL ({args.workers} worker(s))",
            f"{res.http.rate:,.0f} rec/s",
            f">= {TARGET_HTTP_RATE:,.0f}",
            res.http.rate >= TARGET_HTTP_RATE,
        )
        add("raw psycopg executemany (1,000/batch)", f"{raw_rate:,.0f} rows/s", "", None)
        if res.raw_core_seconds:
            add(
                "  raw, core indexes only", f"{args.n / res.raw_core_seconds:,.0f} rows/s", "", None
            )
        ratio = res.http.rate / raw_rate if raw_rate else 0.0
        add("ratio HTTP / raw", f"{ratio:.2f}", f">= {TARGET_RATIO}", ratio >= TARGET_RATIO)
    if res.load is not None:
        add("HTTP load to list size (PostgreSQL)", f"{res.load.rate:,.0f} rec/s", "", None)
    if res.sqlite is not None:
        add("HTTP ingest, SQLite", f"{res.sqlite.rate:,.0f} rec/s", "", None)
    for q in res.queries:
        add(
            f"GET {q['label']} p50 / p99",
            f"{q['p50']:.1f} / {q['p99']:.1f} ms",
            f"p99 <= {TARGET_P99_MS:.0f} ms",
            q["p99"] <= TARGET_P99_MS and q["total_ok"],
        )
    if res.problems:
        passed = False

    width = [max(len(r[i]) for r in rows) for i in range(4)] if rows else [0] * 4
    print()
    print("=" * 80)
    print("machine: " + ", ".join(f"{k} {v}" for k, v in res.machine.items()))
    print(
        f"run: n={args.n:,} batch={args.batch} clients={args.clients} workers={args.workers} "
        f"list_rows={res.list_rows:,} sqlite_n={args.sqlite_n:,}"
    )
    if res.http_cpu:
        wall = res.http_cpu["wall"]
        print(
            "CPU during PostgreSQL HTTP ingest (core-seconds / wall s): "
            + ", ".join(
                f"{k} {v:.1f} ({v / wall:.2f} cores)"
                for k, v in res.http_cpu.items()
                if k != "wall"
            )
            + f"; wall {wall:.1f} s"
        )
    for r in rows:
        print("  ".join(r[i].ljust(width[i]) for i in range(4)))
    for p in res.problems:
        print(f"PROBLEM: {p}")
    print("ALL TARGETS MET" if passed else "SOME TARGETS MISSED")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "args": vars(args),
                    "machine": res.machine,
                    "http_rate": res.http.rate if res.http else None,
                    "raw_rate": raw_rate,
                    "raw_core_rate": args.n / res.raw_core_seconds
                    if res.raw_core_seconds
                    else None,
                    "sqlite_rate": res.sqlite.rate if res.sqlite else None,
                    "load_rate": res.load.rate if res.load else None,
                    "http_cpu": res.http_cpu,
                    "list_rows": res.list_rows,
                    "queries": res.queries,
                    "raw_indexes": res.raw_indexes,
                    "problems": res.problems,
                    "passed": passed,
                },
                indent=2,
                default=str,
            )
        )
    return passed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--n", type=int, default=200_000, help="records to ingest (default 200,000)")
    p.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (default 8)")
    p.add_argument("--batch", type=int, default=100, help="records per request (default 100)")
    p.add_argument("--workers", type=int, default=2, help="`revledger serve --workers` (default 2)")
    p.add_argument(
        "--raw-batch", type=int, default=1000, help="rows per executemany (default 1,000)"
    )
    p.add_argument(
        "--list-rows",
        type=int,
        default=1_000_000,
        help="rows in the workspace for the latency part (default 1,000,000)",
    )
    p.add_argument(
        "--requests", type=int, default=200, help="timed requests per list query (default 200)"
    )
    p.add_argument(
        "--warmup", type=int, default=5, help="warm-up requests per list query (default 5)"
    )
    p.add_argument(
        "--sqlite-n", type=int, default=50_000, help="records for SQLite (default 50,000)"
    )
    p.add_argument("--skip-sqlite", action="store_true")
    p.add_argument("--skip-list", action="store_true")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument(
        "--profile",
        metavar="FILE",
        help="py-spy the server during the PostgreSQL HTTP ingest; collapsed stacks to FILE "
        "(slows the server: do not quote rates from a profiled run)",
    )
    p.add_argument("--profile-rate", type=int, default=200, help="py-spy samples/s (default 200)")
    p.add_argument("--profile-top", type=int, default=30)
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = p.parse_args(argv)
    if args.batch < 1 or args.batch > 100 or args.n < 1 or args.clients < 1:
        p.error("need 1 <= --batch <= 100, --n >= 1, --clients >= 1")

    res = Results()
    tmp = Path(tempfile.mkdtemp(prefix="revledger-bench-"))
    try:
        run_postgres(args, res, tmp)
        if not args.skip_sqlite:
            run_sqlite(args, res, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if report(args, res) else 1


if __name__ == "__main__":
    sys.exit(main())
