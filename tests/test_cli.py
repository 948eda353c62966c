"""The `revledger` command: migrations, workspaces and `serve --demo`."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

from revledger.cli import app
from revledger.migrate import alembic_config
from tests.conftest import _create_pg_database, _drop_pg_database, sale

REVLEDGER = str(Path(sys.executable).parent / "revledger")
KEY = re.compile(r"\brl_[A-Za-z0-9_-]{20,}")
TABLES = {"workspaces", "api_keys", "revenue_sources", "revenues", "revenue_day_counts"}

runner = CliRunner()


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "REVLEDGER_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}


def _scalar(url: str, sql: str, **params: Any) -> Any:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


@pytest.fixture
def fresh_pg_url(pg_admin_url: str) -> Iterator[str]:
    """An empty, never-migrated PostgreSQL database, dropped afterwards."""
    name, url = _create_pg_database(pg_admin_url)
    try:
        yield url
    finally:
        _drop_pg_database(pg_admin_url, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, never-migrated database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    return str(request.getfixturevalue("fresh_pg_url"))


# --- db upgrade -----------------------------------------------------------------------


def test_db_upgrade_is_idempotent(fresh_url: str) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["db", "upgrade"], env={"REVLEDGER_DATABASE_URL": fresh_url})
        assert result.exit_code == 0, result.output
        assert "up to date" in result.output
    engine = create_engine(fresh_url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        head = ScriptDirectory.from_config(alembic_config(fresh_url)).get_current_head()
        assert versions == [head]
    finally:
        engine.dispose()


def test_db_upgrade_hides_the_password(fresh_pg_url: str) -> None:
    # The test server trusts local connections, so any password is accepted.
    url = fresh_pg_url.replace("://postgres@", "://postgres:s3cr3t-pw@")
    assert "s3cr3t-pw" in url
    result = runner.invoke(app, ["db", "upgrade"], env={"REVLEDGER_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "s3cr3t-pw" not in result.output
    assert "***" in result.output


# --- workspace create -----------------------------------------------------------------


def _assert_key_holds_every_scope(client: TestClient, key: str, workspace_id: str) -> None:
    auth = {"Authorization": f"Bearer {key}"}
    ping = client.get("/api/v1/ping", headers=auth)
    assert ping.status_code == 200, ping.text
    assert ping.json() == {"status": "ok", "service": "revledger", "workspace_id": workspace_id}

    created = client.post("/api/v1/revenue-sources", json={"name": "cli-src"}, headers=auth)
    assert created.status_code == 201, created.text  # write:sources
    source_id = created.json()["data"]["id"]
    assert client.get("/api/v1/revenue-sources", headers=auth).json()["meta"]["total"] == 1
    posted = client.post("/api/v1/revenues", json=sale(source_id, "cli-1"), headers=auth)
    assert posted.status_code == 201, posted.text  # write:revenues
    assert client.get("/api/v1/revenues", headers=auth).json()["meta"]["total"] == 1
    keys = client.get("/api/v1/api-keys", headers=auth)  # admin
    assert keys.status_code == 200, keys.text
    assert keys.json()["data"][0]["scopes"] == ["admin"]


def test_workspace_create_json(database_url: str, client: TestClient) -> None:
    result = subprocess.run(
        [REVLEDGER, "workspace", "create", "Json Corp", "--json"],
        env=_env(database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    payload = json.loads(lines[0])
    assert set(payload) == {"workspace_id", "api_key"}
    _assert_key_holds_every_scope(client, payload["api_key"], payload["workspace_id"])


def test_workspace_create_human(database_url: str, client: TestClient) -> None:
    result = runner.invoke(
        app, ["workspace", "create", "Human Corp"], env={"REVLEDGER_DATABASE_URL": database_url}
    )
    assert result.exit_code == 0, result.output
    keys = KEY.findall(result.output)
    assert len(keys) == 1, result.output
    ids = re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", result.output)
    assert len(ids) == 1, result.output
    assert "Human Corp" in result.output
    _assert_key_holds_every_scope(client, keys[0], ids[0])


def test_workspace_create_on_a_fresh_database(fresh_url: str) -> None:
    """`workspace create` migrates first, so it works on an empty database."""
    result = runner.invoke(
        app, ["workspace", "create", "First", "--json"], env={"REVLEDGER_DATABASE_URL": fresh_url}
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert _scalar(fresh_url, "SELECT count(*) FROM workspaces") == 1
    assert _scalar(
        fresh_url, "SELECT name FROM workspaces WHERE id = :id", id=payload["workspace_id"]
    ) == ("First")


# --- serve --demo ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    def __init__(self, url: str, cwd: Path, tag: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"serve-{tag}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [REVLEDGER, "serve", "--demo", "--port", str(self.port)],
                env=_env(url),
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.output = ""
        self.key = ""

    def wait_ready(self, timeout: float = 45) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.output = self.log.read_text(errors="replace")
            if self.proc.poll() is not None:
                pytest.fail(f"serve exited with {self.proc.returncode}:\n{self.output}")
            keys = KEY.findall(self.output)
            if keys and f"{self.base}/docs" in self.output:
                self.key = keys[-1]
                try:
                    response = httpx.get(
                        f"{self.base}/api/v1/ping",
                        headers={"Authorization": f"Bearer {self.key}"},
                        timeout=5,
                    )
                    if response.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
            time.sleep(0.1)
        pytest.fail(f"serve did not become ready in {timeout}s:\n{self.output}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def _export(http: httpx.Client) -> list[dict[str, Any]]:
    response = http.get("/api/v1/revenues/export")
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines() if line]


def test_serve_demo(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"

    first = Served(url, tmp_path, "first")
    try:
        first.wait_ready()
        assert first.base in first.output
        assert f"{first.base}/docs" in first.output
        auth = {"Authorization": f"Bearer {first.key}"}
        with httpx.Client(base_url=first.base, headers=auth, timeout=30) as http:
            workspace_id = http.get("/api/v1/ping").json()["workspace_id"]
            docs = http.get("/docs")
            assert docs.status_code == 200
            assert "text/html" in docs.headers["content-type"]

            sources = http.get("/api/v1/revenue-sources").json()
            assert sources["meta"]["total"] == 2
            source_ids = {s["id"] for s in sources["data"]}
            assert len({s["name"] for s in sources["data"]}) == 2

            rows = _export(http)
            total = http.get("/api/v1/revenues", params={"per_page": 1}).json()["meta"]["total"]
    finally:
        first.stop()

    assert total == len(rows)
    assert 200 <= len(rows) <= 1000, len(rows)
    assert {r["type"] for r in rows} == {"sale", "refund", "adjustment"}
    assert len({r["currency"] for r in rows}) == 2
    assert {r["revenue_source_id"] for r in rows} == source_ids
    now = datetime.now(UTC)
    occurred = [datetime.fromisoformat(r["occurred_at"]) for r in rows]
    assert max(occurred) <= now
    assert min(occurred) >= now - timedelta(days=366)
    assert min(occurred) <= now - timedelta(days=270), "spread over the last year"
    for row in rows:
        amount = Decimal(row["amount"])
        if row["type"] == "sale":
            assert amount > 0
        elif row["type"] == "refund":
            assert amount < 0
        else:
            assert amount != 0

    # A second `serve --demo` reuses the demo workspace and issues a working key.
    second = Served(url, tmp_path, "second")
    try:
        second.wait_ready()
        assert second.key != first.key
        with httpx.Client(
            base_url=second.base, headers={"Authorization": f"Bearer {second.key}"}, timeout=30
        ) as http:
            assert http.get("/api/v1/ping").json()["workspace_id"] == workspace_id
    finally:
        second.stop()

    assert _scalar(url, "SELECT count(*) FROM workspaces") == 1
    assert _scalar(url, "SELECT count(*) FROM revenue_sources") == 2
    assert _scalar(url, "SELECT count(*) FROM revenues") == len(rows)
