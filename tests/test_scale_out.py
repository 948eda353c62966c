"""Two `revledger serve` processes and a `revledger worker` against one PostgreSQL share
the ingest: every record and invoice is stored once, with one schedule each, and the
metrics of every customer are recalculated once the queue is drained."""

from __future__ import annotations

import json
import random
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from revledger.cli import app
from tests.conftest import sale
from tests.metrics.helpers import sub
from tests.test_cli import REVLEDGER, Served, _env, _scalar, fresh_pg_url  # noqa: F401

RECORDS = 300
INVOICES = 60
runner = CliRunner()


def _post(base: str, key: str, path: str, body: Any) -> httpx.Response:
    return httpx.post(
        f"{base}{path}", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=60
    )


def test_two_servers_and_a_worker_share_the_ingest_on_postgresql(
    fresh_pg_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    created = runner.invoke(
        app,
        ["workspace", "create", "Scale", "--json"],
        env={"REVLEDGER_DATABASE_URL": fresh_pg_url},
    )
    assert created.exit_code == 0, created.output
    workspace = json.loads(created.stdout)
    key, workspace_id = workspace["api_key"], workspace["workspace_id"]
    servers = [Served(fresh_pg_url, tmp_path, tag) for tag in ("a", "b")]
    worker = subprocess.Popen(
        [REVLEDGER, "worker", "--poll", "0.2"],
        env=_env(fresh_pg_url),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for server in servers:
            server.wait_ready()
        bases = [s.base for s in servers]
        source = _post(bases[0], key, "/api/v1/revenue-sources", {"name": "stripe"})
        assert source.status_code == 201, source.text
        source_id = source.json()["data"]["id"]
        customers = [{"id": f"c{i}", "data_source": "stripe"} for i in range(20)]
        plan = {"id": "p", "data_source": "stripe", "name": "Pro"}
        plan |= {"interval_unit": "month", "interval_count": 1}
        assert _post(bases[1], key, "/api/v1/customers", customers).status_code == 200
        assert _post(bases[1], key, "/api/v1/plans", plan).status_code == 200

        records = [sale(source_id, f"r{i}") for i in range(RECORDS)]
        invoices = [
            {
                "data_source": "stripe",
                **sub(f"i{i}", f"c{i % 20}", "p", f"s{i}", "2026-01-01", "2026-02-01", 9900),
            }
            for i in range(INVOICES)
        ]
        rng = random.Random(7)

        def send(n: int) -> list[int]:
            """Every client posts every record and invoice (retries, in its own order),
            alternating between the two servers."""
            base = bases[n % 2]
            mine = rng.sample(records, len(records))
            statuses = [
                _post(
                    base, key, "/api/v1/revenues/batch", {"records": mine[i : i + 100]}
                ).status_code
                for i in range(0, len(mine), 100)
            ]
            shuffled = rng.sample(invoices, len(invoices))
            statuses.append(_post(base, key, "/api/v1/invoices", shuffled).status_code)
            return statuses

        with ThreadPoolExecutor(6) as pool:
            answers = [s for statuses in pool.map(send, range(6)) for s in statuses]
        assert set(answers) == {200}, answers

        def count(sql: str) -> int:
            return int(_scalar(fresh_pg_url, sql, w=workspace_id))

        assert count("SELECT count(*) FROM revenues WHERE workspace_id = :w") == RECORDS
        assert count(
            "SELECT count(DISTINCT external_id) FROM revenues WHERE workspace_id = :w"
        ) == (RECORDS)
        assert count("SELECT count(*) FROM invoices WHERE workspace_id = :w") == INVOICES
        assert count("SELECT count(*) FROM revenue_schedules WHERE workspace_id = :w") == (
            RECORDS + INVOICES
        )
        drained = subprocess.run(
            [REVLEDGER, "worker", "--once"],
            env=_env(fresh_pg_url),
            capture_output=True,
            timeout=120,
        )
        assert drained.returncode == 0, drained.stderr
        assert count("SELECT count(*) FROM metrics_pending WHERE workspace_id = :w") == 0
        status = httpx.get(
            f"{bases[0]}/api/v1/metrics/mrr",
            params={"start_date": "2026-01-15", "end_date": "2026-01-15", "interval": "day"},
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        )
        assert status.status_code == 200, status.text
        # 60 monthly subscriptions of $99.00, all running on January 15th
        assert status.json()["data"][0]["mrr"] == INVOICES * 9900
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        for server in servers:
            server.stop()
