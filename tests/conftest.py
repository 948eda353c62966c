"""Every API test runs on SQLite and on PostgreSQL, through real HTTP.

PostgreSQL is required, never skipped: the suite fails when it cannot reach
REVLEDGER_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
Each run creates its own databases and drops them at the end. Tests isolate by
creating their own workspaces, as tenants of one real deployment would be.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn
from fastapi.testclient import TestClient

from revledger.app import create_app
from revledger.auth.service import create_workspace
from revledger.config import Settings
from revledger.db import Database
from revledger.migrate import upgrade

PG_ADMIN_URL = os.environ.get(
    "REVLEDGER_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]
SETTINGS = Settings.from_env()
"""REVLEDGER_PG_PREPARED_STATEMENTS=0 runs the suite as behind a transaction-pooling
PgBouncer (`.ci/run` does, with REVLEDGER_TEST_PG_URL pointing at one)."""
PREPARED = SETTINGS.pg_prepared_statements


def _pg_conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    try:
        with psycopg.connect(_pg_conninfo(PG_ADMIN_URL), connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:  # fail loudly: PostgreSQL is part of the contract
        pytest.fail(f"PostgreSQL is required for the test suite but unreachable: {exc}")
    return PG_ADMIN_URL


def _create_pg_database(admin_url: str) -> tuple[str, str]:
    name = f"revledger_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_conninfo(admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = _pg_conninfo(admin_url).rsplit("/", 1)[0]
    return name, base.replace("postgresql://", "postgresql+psycopg://") + "/" + name


def _drop_pg_database(admin_url: str, name: str) -> None:
    with psycopg.connect(_pg_conninfo(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty database of each backend, for the whole session."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "revledger.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    admin_url = request.getfixturevalue("pg_admin_url")
    name, url = _create_pg_database(admin_url)
    try:
        upgrade(url, PREPARED)
        yield url
    finally:
        _drop_pg_database(admin_url, name)


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url, prepared_statements=PREPARED)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def client(database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(database), raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class Tenant:
    """A workspace with its all-scopes key and an HTTP client authenticated as it."""

    workspace_id: str
    api_key: str
    http: Any  # TestClient or httpx.Client with the Authorization header set

    def source(self, name: str = "stripe", **extra: Any) -> str:
        response = self.http.post("/api/v1/revenue-sources", json={"name": name, **extra})
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    def key(self, *scopes: str) -> str:
        response = self.http.post("/api/v1/api-keys", json={"name": "k", "scopes": list(scopes)})
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["key"])


def make_tenant(database: Database, http_base: Any, name: str = "acme") -> Tenant:
    with database.session(write=True) as session, session.begin():
        workspace, secret = create_workspace(session, name)
    http_base.headers["Authorization"] = f"Bearer {secret}"
    return Tenant(workspace.id, secret, http_base)


@pytest.fixture
def tenant(database: Database, client: TestClient) -> Tenant:
    http = TestClient(client.app, raise_server_exceptions=False)
    return make_tenant(database, http)


@pytest.fixture
def other_tenant(database: Database, client: TestClient) -> Tenant:
    http = TestClient(client.app, raise_server_exceptions=False)
    return make_tenant(database, http, "other")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_url(database: Database) -> Iterator[str]:
    """The app served by a real uvicorn on a free local port (for concurrency tests)."""
    port = _free_port()
    config = uvicorn.Config(create_app(database), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def live_tenant(database: Database, live_url: str) -> Iterator[Tenant]:
    with httpx.Client(base_url=live_url, timeout=60) as http:
        yield make_tenant(database, http)


def sale(source_id: str, external_id: str, **overrides: Any) -> dict[str, Any]:
    record = {
        "revenue_source_id": source_id,
        "type": "sale",
        "amount": "249.000",
        "currency": "USD",
        "occurred_at": "2026-05-31T10:00:00Z",
        "external_id": external_id,
    }
    record.update(overrides)
    return record
