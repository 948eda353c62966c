"""CSV upload benchmark (issue 5 item 12).

Generates a revenue CSV (default 1,000,000 rows, built-in `revenues` template headers:
sales, refunds and adjustments, USD/EUR, dates over a year, some metadata columns),
uploads it with one multipart `POST /api/v1/uploads` (streamed from disk) to a real
`revledger serve` subprocess on a fresh PostgreSQL database, and polls
`GET /api/v1/uploads/{id}` until the upload is final. It prints rows/s end to end
(from the start of the POST to the final status), the time of each phase, the CPU used
by the server, PostgreSQL and everything else, and the server's peak memory (VmHWM).

In the same run, as the reference, PostgreSQL's own `COPY upload_copy FROM STDIN
(FORMAT csv, HEADER)` of the same file into a plain typed table without indexes
(psycopg, 1 MiB writes, one transaction), once before and once after the upload; the
ratio is upload / mean COPY rate. Finally (unless `--profile-rows 0`) an in-process
cProfile of the same upload path (`service.create_upload` then `jobs.process`, what
`revledger import` runs) on a smaller file against the same PostgreSQL database.

    .venv/bin/python bench/upload.py                  # 1,000,000 rows (several minutes)
    .venv/bin/python bench/upload.py --quick          # 50,000 rows, profile 5,000
    .venv/bin/python bench/upload.py --rows 200000 --workers 2 --keep

Only 127.0.0.1 is contacted. The PostgreSQL database is created here
(`revledger_bench_upload_<random>`) and dropped at the end unless `--keep`.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import io
import itertools
import json
import os
import pstats
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from benchhttp import free_port
from benchproc import code_version, cpu_by_pid, descendants, machine_busy, own_cpu, postgres_pids

PG_ADMIN_DB = "postgres"
HOST = "127.0.0.1"

# Targets from the specification (issue 5 item 12).
TARGET_RATE = 40_000.0  # rows/s end to end
TARGET_RATIO = 0.2  # upload rate / raw COPY rate, same run
TARGET_PEAK_MB = 300.0  # server peak resident memory (VmHWM), 10^6 bytes

FINAL = ("completed", "completed_with_errors", "failed")
HEADER = (
    "external_id",
    "type",
    "amount",
    "currency",
    "occurred_at",
    "external_product_identifier",
    "description",
    "metadata.plan",
    "metadata.channel",
)
COPY_TABLE = (
    "CREATE TABLE upload_copy (external_id text, type text, amount numeric, currency text, "
    "occurred_at timestamptz, external_product_identifier text, description text, "
    "metadata_plan text, metadata_channel text)"
)
DESCRIPTIONS = (
    "Pro plan, monthly",
    "Pro plan, annual",
    "Team plan, monthly",
    "Seat add-on",
    "Usage overage",
    "Partial refund: service credit",
    'FX rounding adjustment, "EUR" leg',  # quoted in the CSV
)
PLANS = ("starter", "pro", "team", "enterprise")
CHANNELS = ("web", "ios", "android", "sales")


# --------------------------------------------------------------------------- the file


def generate_csv(path: Path, rows: int, seed: int, tag: str, now: datetime) -> int:
    """`rows` revenue rows: ~80 % sales, 12 % refunds, 8 % adjustments; 70 % USD;
    occurred_at over the last 365 days (RFC 3339, UTC); ~90 % with a product, ~40 % a
    description, ~30 % metadata.plan, ~20 % metadata.channel. Every row is valid and has
    a unique external id. Returns the file's size in bytes."""
    rnd = random.Random(seed)
    year_s = 365 * 86_400
    start = int(now.timestamp()) - year_s
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        batch: list[tuple[str, ...]] = []
        for i in range(rows):
            r = rnd.random()
            if r < 0.80:
                type_, cents = "sale", rnd.randint(100, 50_000)
            elif r < 0.92:
                type_, cents = "refund", -rnd.randint(100, 20_000)
            else:
                type_, cents = "adjustment", rnd.choice((-1, 1)) * rnd.randint(1, 2_000)
            sign = "-" if cents < 0 else ""
            whole, frac = divmod(abs(cents), 100)
            occurred = datetime.fromtimestamp(start + rnd.randrange(year_s), UTC)
            batch.append(
                (
                    f"ord_{tag}_{i:08d}",
                    type_,
                    f"{sign}{whole}.{frac:02d}",
                    "USD" if rnd.random() < 0.7 else "EUR",
                    occurred.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    f"prod-{rnd.randrange(500):04d}" if rnd.random() < 0.9 else "",
                    rnd.choice(DESCRIPTIONS) if rnd.random() < 0.4 else "",
                    rnd.choice(PLANS) if rnd.random() < 0.3 else "",
                    rnd.choice(CHANNELS) if rnd.random() < 0.2 else "",
                )
            )
            if len(batch) == 10_000:
                writer.writerows(batch)
                batch.clear()
        writer.writerows(batch)
    return path.stat().st_size


# --------------------------------------------------------------------------- processes


def revledger_exe() -> str:
    local = Path(sys.executable).with_name("revledger")
    if local.exists():
        return str(local)
    found = shutil.which("revledger")
    if not found:
        sys.exit("cannot find the `revledger` command (install the package first)")
    return found


class Server:
    """`revledger serve` as a subprocess in its own process group."""

    def __init__(self, env: dict[str, str], workers: int, log_path: Path) -> None:
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [revledger_exe(), "serve", "--port", str(self.port), "--workers", str(workers)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, api_key: str, timeout_s: float = 120.0) -> None:
        deadline = time.monotonic() + timeout_s
        headers = {"Authorization": f"Bearer {api_key}"}
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early; log:\n{self.log_path.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/api/v1/ping", headers=headers).status_code == 200:
                    return
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


def proc_status_kb(pid: int, key: str) -> int | None:
    """A `kB` line of /proc/<pid>/status (VmHWM: peak resident set, VmRSS: current)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def our_backends(dbname: str) -> list[int]:
    """PostgreSQL backends connected to the bench database (the server's pool)."""
    with psycopg.connect(pg(dbname), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (dbname,),
        ).fetchall()
    return [int(r[0]) for r in rows]


@dataclass
class Snapshot:
    """CPU counters at one moment: per process for the server, for the PostgreSQL
    backends of the bench database and for every PostgreSQL process of the cluster
    (other databases on this machine, and the shared WAL writer, checkpointer ...)."""

    t: float
    server: dict[int, float]
    ours: dict[int, float]
    postgres: dict[int, float]
    client: float
    machine: float

    @classmethod
    def take(cls, server: Server, dbname: str) -> Snapshot:
        mine = our_backends(dbname)
        return cls(
            time.perf_counter(),
            cpu_by_pid(server.pids()),
            cpu_by_pid(mine),
            cpu_by_pid(postgres_pids()),
            own_cpu(),
            machine_busy(),
        )


def _delta(before: dict[int, float], after: dict[int, float]) -> float:
    """Processes born in between count in full (PostgreSQL backends open lazily)."""
    return sum(v - before.get(pid, 0.0) for pid, v in after.items())


def cpu_between(a: Snapshot, b: Snapshot) -> dict[str, float]:
    server = _delta(a.server, b.server)
    ours = _delta(a.ours, b.ours)
    postgres = _delta(a.postgres, b.postgres)
    client = b.client - a.client
    machine = b.machine - a.machine
    return {
        "wall": b.t - a.t,
        "server": server,
        "pg backends": ours,
        "pg rest": max(0.0, postgres - ours),
        "client": client,
        "other": max(0.0, machine - server - postgres - client),
    }


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


# --------------------------------------------------------------------------- database


def pg(dbname: str) -> str:
    return f"postgresql://postgres@{HOST}:5432/{dbname}"


def psql_exec(dbname: str, *statements: str) -> None:
    with psycopg.connect(pg(dbname), autocommit=True) as conn:
        for s in statements:
            conn.execute(s)


def scalar(dbname: str, query: str, params: tuple[Any, ...] = ()) -> Any:
    with psycopg.connect(pg(dbname)) as conn:
        row = conn.execute(query, params).fetchone()
    return None if row is None else row[0]


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
        settings = {
            name: str(conn.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
            for name in ("server_version", "shared_buffers", "synchronous_commit", "max_wal_size")
        }
    return {
        "code": code_version(),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "postgresql": ", ".join(f"{k}={v}" for k, v in settings.items()),
        "python": sys.version.split()[0],
    }


def copy_reference(dbname: str, path: Path) -> tuple[float, int]:
    """PostgreSQL's own COPY of the file into a fresh typed table without indexes, one
    transaction; (seconds including the commit, rows stored)."""
    psql_exec(dbname, "DROP TABLE IF EXISTS upload_copy", COPY_TABLE, "CHECKPOINT")
    with psycopg.connect(pg(dbname)) as conn:
        t0 = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY upload_copy FROM STDIN (FORMAT csv, HEADER)") as copy,
            path.open("rb") as fh,
        ):
            while data := fh.read(1 << 20):
                copy.write(data)
        conn.commit()
        seconds = time.perf_counter() - t0
        count = conn.execute("SELECT count(*) FROM upload_copy").fetchone()[0]  # type: ignore[index]
    psql_exec(dbname, "DROP TABLE upload_copy")
    return seconds, int(count)


class Sampler:
    """What this database's client backends do, sampled every `interval` seconds from
    pg_stat_activity (the statement's first words, and what it waits on)."""

    def __init__(self, dbname: str, interval: float = 0.1) -> None:
        self.dbname, self.interval = dbname, interval
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
        with psycopg.connect(pg(self.dbname), autocommit=True) as conn:
            while not self._stop.is_set():
                rows = conn.execute(
                    "SELECT state, wait_event_type, wait_event, left(query, 200) "
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
            return "idle"
        if state and state.startswith("idle in transaction"):
            return "idle in transaction (waiting for the server)"
        words = query.split()
        if words and words[0].upper() in ("INSERT", "DELETE"):
            head = " ".join(words[:3])
        elif words and words[0].upper() == "UPDATE":
            head = " ".join(words[:2])
        elif words and words[0].upper() == "SELECT" and "FROM" in words:
            head = "SELECT … FROM " + words[words.index("FROM") + 1]
        else:
            head = " ".join(words[:3]) or "?"
        if wtype is None or wtype == "CPU":
            return f"running `{head}`"
        return f"waiting on {wtype}:{wevent} in `{head}`"

    def report(self, top: int = 15) -> list[str]:
        busy = sum(n for k, n in self.counts.items() if k != "idle")
        out = [f"  {self.samples} samples, {busy} of a busy backend:"]
        for key, n in self.counts.most_common():
            if key != "idle" and len(out) <= top:
                out.append(f"  {n / max(1, busy):6.1%}  {key}")
        return out


# --------------------------------------------------------------------------- the upload


@dataclass
class UploadRun:
    data: dict[str, Any] = field(default_factory=dict)
    post_seconds: float = 0.0  # POST start -> 202 (transfer, hash, fsync, count, insert)
    e2e_seconds: float = 0.0  # POST start -> the poll that saw the final status
    server_seconds: float = 0.0  # POST start -> finished_at (server clock, same machine)
    phases: dict[str, float] = field(default_factory=dict)  # server timestamps
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)  # by observed status
    polls: int = 0
    rss_before_kb: int = 0
    peak_kb: dict[int, int] = field(default_factory=dict)  # VmHWM of each server process
    sampled_rss_kb: int = 0  # the largest VmRSS seen while polling


def _ts(value: str | datetime | None) -> datetime | None:
    """A timestamp of an upload, from the API (ISO text) or from upload_out (datetime)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def run_upload(
    server: Server, dbname: str, api_key: str, path: Path, source_id: str, poll_s: float
) -> UploadRun:
    res = UploadRun()
    res.rss_before_kb = sum(proc_status_kb(p, "VmRSS") or 0 for p in server.pids())
    headers = {"Authorization": f"Bearer {api_key}"}
    snaps: list[tuple[str, Snapshot]] = []
    with httpx.Client(base_url=server.base, headers=headers, timeout=600) as http:
        http.get("/api/v1/ping")  # connect before the clock starts
        snaps.append(("post", Snapshot.take(server, dbname)))
        wall0 = datetime.now(UTC)
        t0 = time.perf_counter()
        with path.open("rb") as fh:
            response = http.post(
                "/api/v1/uploads",
                files={"file": (path.name, fh, "text/csv")},
                data={"template": "revenues", "revenue_source_id": source_id},
            )
        res.post_seconds = time.perf_counter() - t0
        if response.status_code != 202:
            raise RuntimeError(f"POST /uploads: HTTP {response.status_code}: {response.text[:500]}")
        upload_id = response.json()["data"]["id"]
        status = "received"
        snaps.append((status, Snapshot.take(server, dbname)))
        while True:
            time.sleep(poll_s)
            rss = sum(proc_status_kb(p, "VmRSS") or 0 for p in server.pids())
            res.sampled_rss_kb = max(res.sampled_rss_kb, rss)
            got = http.get(f"/api/v1/uploads/{upload_id}")
            res.polls += 1
            if got.status_code != 200:
                raise RuntimeError(f"GET upload: HTTP {got.status_code}: {got.text[:500]}")
            data = got.json()["data"]
            if data["status"] != status:
                status = data["status"]
                snaps.append((status, Snapshot.take(server, dbname)))
            if status in FINAL:
                res.e2e_seconds = time.perf_counter() - t0
                break
    res.data = data
    for pid in server.pids():
        peak = proc_status_kb(pid, "VmHWM")
        if peak is not None:
            res.peak_kb[pid] = peak
    for (label, a), (_next, b) in itertools.pairwise(snaps):
        res.cpu[label] = cpu_between(a, b)
    res.cpu["total"] = cpu_between(snaps[0][1], snaps[-1][1])
    received = _ts(data.get("received_at"))
    pre = _ts(data.get("pre_staging_at"))
    staging = _ts(data.get("staging_at"))
    finished = _ts(data.get("finished_at"))
    if finished is not None:
        res.server_seconds = (finished - wall0).total_seconds()
    marks = [("POST start", wall0), ("received_at", received), ("pre_staging_at", pre)]
    marks += [("staging_at", staging), ("finished_at", finished)]
    known = [(k, v) for k, v in marks if v is not None]
    for (k1, v1), (k2, v2) in itertools.pairwise(known):
        res.phases[f"{k1} -> {k2}"] = (v2 - v1).total_seconds()
    return res


# --------------------------------------------------------------------------- profile


def profile_in_process(
    url: str, path: Path, rows: int, top: int, out: Path | None, upload_dir: Path
) -> list[str]:
    """`revledger import`'s local path (create_upload, then jobs.process) in this process
    under cProfile, in a new workspace of the bench database; report lines."""
    from revledger.auth.service import Principal, create_workspace
    from revledger.config import Settings
    from revledger.db import Database
    from revledger.sources.schemas import RevenueSourceCreate
    from revledger.sources.service import create as create_source
    from revledger.uploads import files, jobs, service

    db = Database(url)
    lines: list[str] = []
    try:
        with db.session(write=True) as session, session.begin():
            workspace, _key = create_workspace(session, "bench-profile")
            source = create_source(
                session,
                workspace.id,
                RevenueSourceCreate.model_validate({"name": "shop", "default_currency": "USD"}),
            )
            source_id = source.id
        principal = Principal(workspace.id, "bench", frozenset({"admin"}))

        def run(profiler: cProfile.Profile | None, path: Path) -> tuple[str, dict[str, Any], float]:
            directory = files.upload_dir(Settings(database_url=db.url, upload_dir=upload_dir))
            t0 = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            sink = files.Sink(directory)
            with path.open("rb") as fh:
                files.copy_into(sink, fh)
            sink.close()
            with db.session(write=True) as session, session.begin():
                upload, _ = service.create_upload(
                    session, principal, sink, directory, path.name, "revenues", source_id, None
                )
            owner = service.request_owner(upload.id)
            if jobs.claim(db, upload.id, owner):
                jobs.process(db, upload.id, owner)
            if profiler is not None:
                profiler.disable()
            seconds = time.perf_counter() - t0
            with db.session() as session:
                data = service.upload_out(service.get_upload(session, workspace.id, upload.id))
            return upload.id, data, seconds

        profiler = cProfile.Profile()
        _id, data, seconds = run(profiler, path)
        if data["status"] != "completed" or data["rows_posted"] != rows:
            lines.append(f"PROBLEM: profiled upload ended {data['status']}: {data}")
        stats = pstats.Stats(profiler)
        if out is not None:
            stats.dump_stats(out)
        phases = _phase_seconds(data)
        lines.append(
            f"profiled: {rows:,} rows in {seconds:.2f} s under cProfile "
            f"({rows / seconds:,.0f} rows/s; the profiler slows Python down); "
            + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items())
        )
        entries: Any = stats.stats  # type: ignore[attr-defined]
        total = seconds
        rows_out = []
        interesting = ("/revledger/", "sqlalchemy/orm/session.py", "csv", "psycopg/cursor.py")
        for (filename, _line, name), (_cc, calls, tt, cum, _callers) in entries.items():
            if "/revledger/" in filename:
                where = f"{Path(filename).parent.name}/{Path(filename).name}"
                rows_out.append((cum, tt, calls, f"{where}:{name}"))
            elif any(m in filename for m in interesting[1:]) and name in (
                "commit",
                "execute",
                "executemany",
                "flush",
            ):
                rows_out.append((cum, tt, calls, f"{Path(filename).name}:{name}"))
        lines.append(f"inclusive time (share of {total:.2f} s), top {top}:")
        for cum, tt, calls, name in sorted(rows_out, reverse=True)[:top]:
            lines.append(
                f"  {cum / total:6.1%}  {cum:7.2f} s  self {tt:6.2f} s  {calls:>9,}  {name}"
            )
        buffer = io.StringIO()
        stats.stream = buffer  # type: ignore[attr-defined]
        stats.sort_stats("tottime").print_stats(top)
        lines.append(f"top self time (tottime), top {top}:")
        lines.extend("  " + line for line in buffer.getvalue().splitlines()[4:] if line.strip())
        # without the profiler: a fresh file of new rows (phase times), then that same
        # file again, every row of it now a duplicate (the re-upload path)
        fresh = path.with_name("profile-fresh.csv")
        generate_csv(fresh, rows, 99, uuid.uuid4().hex[:6], datetime.now(UTC))
        for label, expected in (("new rows", "rows_posted"), ("same file again", "rows_duplicate")):
            _id, data, seconds = run(None, fresh)
            if data["status"] != "completed" or data[expected] != rows:
                lines.append(f"PROBLEM: unprofiled upload ({label}) ended {data}")
            phases = _phase_seconds(data)
            lines.append(
                f"unprofiled, {rows:,} rows, {label}: {seconds:.2f} s "
                f"({rows / seconds:,.0f} rows/s; posted {data['rows_posted']:,}, duplicate "
                f"{data['rows_duplicate']:,}); "
                + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items())
            )
    finally:
        db.dispose()
    return lines


def _phase_seconds(data: dict[str, Any]) -> dict[str, float]:
    pre, staging, done = (_ts(data.get(k)) for k in ("pre_staging_at", "staging_at", "finished_at"))
    out = {}
    if pre and staging:
        out["pre-stage"] = (staging - pre).total_seconds()
    if staging and done:
        out["staging"] = (done - staging).total_seconds()
    return out


# --------------------------------------------------------------------------- main


def mb(kb: int) -> float:
    return kb * 1024 / 1e6


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rows", type=int, default=1_000_000, help="rows in the file (1,000,000)")
    p.add_argument("--quick", action="store_true", help="50,000 rows, profile 5,000")
    p.add_argument("--workers", type=int, default=1, help="`revledger serve --workers` (1)")
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--poll", type=float, default=0.25, help="seconds between polls (0.25)")
    p.add_argument(
        "--profile-rows",
        type=int,
        default=20_000,
        help="rows of the in-process cProfile run; 0 to skip (20,000)",
    )
    p.add_argument("--profile-top", type=int, default=30)
    p.add_argument("--profile-out", metavar="FILE", help="also dump the pstats to FILE")
    p.add_argument("--keep", action="store_true", help="keep the database and the files")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = p.parse_args(argv)
    if args.quick:
        args.rows = min(args.rows, 50_000)
        args.profile_rows = min(args.profile_rows, 5_000)
    if args.rows < 1 or args.workers < 1:
        p.error("need --rows >= 1 and --workers >= 1")

    load_start = load_average()
    print(f"machine: {os.cpu_count()} cores; load average {load_start}")
    tmp = Path(tempfile.mkdtemp(prefix="revledger-bench-upload-"))
    upload_dir = tmp / "uploads"
    upload_dir.mkdir()
    dbname = f"revledger_bench_upload_{uuid.uuid4().hex[:10]}"
    url = pg(dbname).replace("postgresql://", "postgresql+psycopg://")
    now = datetime.now(UTC).replace(microsecond=0)
    tag = uuid.uuid4().hex[:6]
    problems: list[str] = []
    results: dict[str, Any] = {"args": vars(args), "load_start": load_start}
    server: Server | None = None
    try:
        path = tmp / "revenues.csv"
        t0 = time.perf_counter()
        size = generate_csv(path, args.rows, args.seed, tag, now)
        print(
            f"generated {path} : {args.rows:,} rows, {size / 1e6:,.1f} MB "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        psql_exec(PG_ADMIN_DB, f'CREATE DATABASE "{dbname}"')
        print(f"PostgreSQL database {dbname}")
        env = {
            **os.environ,
            "REVLEDGER_DATABASE_URL": url,
            "REVLEDGER_LOG_LEVEL": "WARNING",
            "REVLEDGER_UPLOAD_DIR": str(upload_dir),
        }
        out = subprocess.run(
            [revledger_exe(), "workspace", "create", "bench", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if out.returncode != 0:
            raise RuntimeError(f"`revledger workspace create` failed:\n{out.stdout}{out.stderr}")
        created = json.loads(out.stdout.strip().splitlines()[-1])
        workspace_id, api_key = created["workspace_id"], created["api_key"]
        machine = machine_info(dbname)
        results["machine"] = machine
        print("machine: " + "; ".join(f"{k} {v}" for k, v in machine.items()))

        print("reference 1: COPY upload_copy FROM STDIN (FORMAT csv, HEADER) ...")
        copy1, copied = copy_reference(dbname, path)
        if copied != args.rows:
            problems.append(f"COPY stored {copied} rows, expected {args.rows}")
        print(f"  {args.rows / copy1:,.0f} rows/s ({copy1:.2f} s)")

        server = Server(env, args.workers, tmp / "serve.log")
        server.wait_ready(api_key)
        response = httpx.post(
            f"{server.base}/api/v1/revenue-sources",
            headers={"Authorization": f"Bearer {api_key}"},
            json={"name": "shop", "kind": "shop", "default_currency": "USD"},
        )
        if response.status_code != 201:
            raise RuntimeError(f"creating the source: {response.status_code} {response.text}")
        source_id = response.json()["data"]["id"]
        psql_exec(dbname, "CHECKPOINT")

        print(
            f"upload: POST /api/v1/uploads (multipart, template revenues, {args.workers} "
            f"server worker(s)), polling every {args.poll} s ..."
        )
        load_before = load_average()
        with Sampler(dbname) as sampler:
            run = run_upload(server, dbname, api_key, path, source_id, args.poll)
        load_after = load_average()
        data = run.data
        counts = {
            k: data[k]
            for k in (
                "status",
                "rows_total",
                "rows_checked",
                "rows_processed",
                "rows_posted",
                "rows_duplicate",
                "rows_error",
            )
        }
        print("  final: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        if data["status"] != "completed" or data["rows_posted"] != args.rows:
            problems.append(f"upload ended {counts} (message {data.get('message')!r})")
        stored = scalar(
            dbname, "SELECT count(*) FROM revenues WHERE workspace_id = %s", (workspace_id,)
        )
        day_counts = scalar(dbname, "SELECT coalesce(sum(n), 0) FROM revenue_day_counts")
        print(f"  revenues stored {stored:,}; day counts sum {day_counts:,}")
        if stored != args.rows or day_counts != args.rows:
            problems.append(f"stored {stored}, day counts {day_counts}, expected {args.rows}")
        rate = args.rows / run.e2e_seconds
        print(
            f"  end to end {run.e2e_seconds:.1f} s = {rate:,.0f} rows/s "
            f"(server finished_at: {run.server_seconds:.1f} s = "
            f"{args.rows / run.server_seconds if run.server_seconds else 0:,.0f} rows/s); "
            f"POST answered in {run.post_seconds:.2f} s; {run.polls} polls"
        )
        for name, seconds in run.phases.items():
            print(f"    {name:34s} {seconds:8.2f} s")
        print("  CPU by status observed (core-seconds; cores = CPU / wall):")
        for label, c in run.cpu.items():
            wall = c["wall"] or 1e-9
            print(
                f"    {label:14s} wall {c['wall']:7.1f} s  "
                + "  ".join(
                    f"{k} {c[k]:6.1f} ({c[k] / wall:.2f})"
                    for k in ("server", "pg backends", "pg rest", "client", "other")
                )
            )
        peak_kb = max(run.peak_kb.values()) if run.peak_kb else 0
        print(
            f"  server memory: peak VmHWM {mb(peak_kb):.1f} MB (10^6 bytes) "
            + (
                "per process "
                + ", ".join(f"{pid}: {mb(kb):.1f}" for pid, kb in run.peak_kb.items())
                if len(run.peak_kb) > 1
                else ""
            )
            + f"; RSS before the upload {mb(run.rss_before_kb):.1f} MB, "
            f"largest RSS sampled while polling {mb(run.sampled_rss_kb):.1f} MB"
        )
        print("  PostgreSQL backends of the bench database during the upload (pg_stat_activity):")
        activity = sampler.report()
        print("\n".join(activity))
        server.stop()
        server = None

        print("reference 2: COPY again, after the upload ...")
        copy2, copied = copy_reference(dbname, path)
        if copied != args.rows:
            problems.append(f"COPY stored {copied} rows, expected {args.rows}")
        print(f"  {args.rows / copy2:,.0f} rows/s ({copy2:.2f} s)")
        copy_rate = args.rows / ((copy1 + copy2) / 2)
        ratio = rate / copy_rate

        profile_lines: list[str] = []
        if args.profile_rows > 0:
            small = tmp / "profile.csv"
            generate_csv(small, args.profile_rows, args.seed + 1, tag + "p", now)
            print(f"in-process cProfile of the upload path, {args.profile_rows:,} rows ...")
            profile_lines = profile_in_process(
                url,
                small,
                args.profile_rows,
                args.profile_top,
                Path(args.profile_out) if args.profile_out else None,
                upload_dir,
            )
            print("\n".join(profile_lines))
            problems.extend(line for line in profile_lines if line.startswith("PROBLEM"))

        load_end = load_average()
        checks = [
            (
                f"upload end to end, {args.rows:,} rows",
                f"{rate:,.0f} rows/s",
                f">= {TARGET_RATE:,.0f}",
                rate >= TARGET_RATE,
            ),
            (
                "PostgreSQL COPY, same file (mean of 2)",
                f"{copy_rate:,.0f} rows/s ({args.rows / copy1:,.0f} / {args.rows / copy2:,.0f})",
                "",
                None,
            ),
            ("ratio upload / COPY", f"{ratio:.3f}", f">= {TARGET_RATIO}", ratio >= TARGET_RATIO),
            (
                "server peak memory (VmHWM)",
                f"{mb(peak_kb):.1f} MB",
                f"<= {TARGET_PEAK_MB:.0f} MB",
                mb(peak_kb) <= TARGET_PEAK_MB,
            ),
        ]
        print()
        print("=" * 80)
        print(
            f"code {machine['code']}; load average {load_start} (start), {load_before} "
            f"(before upload), {load_after} (after upload), {load_end} (end)"
        )
        total_cpu = run.cpu["total"]
        other = (total_cpu["other"] + total_cpu["pg rest"]) / (total_cpu["wall"] or 1e-9)
        print(
            f"other work on the machine (other processes and PostgreSQL outside the bench "
            f"database's backends) used {other:.2f} of {os.cpu_count()} cores during the upload"
        )
        own = total_cpu["server"] + total_cpu["pg backends"]
        print(
            f"CPU cost of the upload: server {1000 * total_cpu['server'] / args.rows:.3f} + "
            f"PostgreSQL backends {1000 * total_cpu['pg backends'] / args.rows:.3f} core-s per "
            f"1,000 rows; one upload is one connection working in turn with one server thread, "
            f"so alone on the machine it would need about {own:.1f} s "
            f"(~{args.rows / own:,.0f} rows/s)"
        )
        width = [max(len(str(c[i])) for c in checks) for i in range(3)]
        passed = not problems
        for label, value, target, ok in checks:
            verdict = "-" if ok is None else ("PASS" if ok else "FAIL")
            passed = passed and ok is not False
            print(
                f"{label.ljust(width[0])}  {value.ljust(width[1])}  {target.ljust(width[2])}  "
                f"{verdict}"
            )
        for problem in problems:
            print(f"PROBLEM: {problem}")
        print("ALL TARGETS MET" if passed else "SOME TARGETS MISSED")
        results.update(
            {
                "rows": args.rows,
                "file_bytes": size,
                "upload": counts,
                "e2e_seconds": run.e2e_seconds,
                "server_seconds": run.server_seconds,
                "post_seconds": run.post_seconds,
                "rate": rate,
                "phases": run.phases,
                "cpu": run.cpu,
                "peak_mb": mb(peak_kb),
                "peak_kb_by_pid": run.peak_kb,
                "rss_before_mb": mb(run.rss_before_kb),
                "copy_seconds": [copy1, copy2],
                "copy_rate": copy_rate,
                "ratio": ratio,
                "load": [load_start, load_before, load_after, load_end],
                "other_cores": other,
                "own_cpu_seconds": own,
                "profile": profile_lines,
                "activity": activity,
                "problems": problems,
                "passed": passed,
            }
        )
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2, default=str))
        return 0 if passed else 1
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"kept database {dbname} and files in {tmp}")
        else:
            with contextlib.suppress(psycopg.Error):
                psql_exec(PG_ADMIN_DB, f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
