"""`revledger import FILE`: local database and running server, progress, exit codes,
FILE.errors.csv."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from revledger.app import create_app
from revledger.auth.service import Principal, create_workspace
from revledger.cli import app
from revledger.config import Settings
from revledger.db import Database
from revledger.kit.timeutil import utcnow
from revledger.migrate import upgrade
from revledger.uploads import files, jobs, service
from revledger.uploads.models import Upload
from tests.conftest import PREPARED, Tenant
from tests.test_cli import fresh_pg_url, fresh_url  # noqa: F401  (fixtures)
from tests.uploads.helpers import csv_text, sales

runner = CliRunner()


@pytest.fixture
def local(fresh_url: str, tmp_path: Path) -> dict[str, Any]:  # noqa: F811
    """A migrated database with one workspace and a revenue source named stripe."""
    upgrade(fresh_url, PREPARED)
    db = Database(fresh_url, prepared_statements=PREPARED)
    with db.session(write=True) as session, session.begin():
        workspace, secret = create_workspace(session, "acme")
    with TestClient(create_app(db)) as http:
        http.headers["Authorization"] = f"Bearer {secret}"
        assert http.post("/api/v1/revenue-sources", json={"name": "stripe"}).status_code == 201
    db.dispose()
    env = {"REVLEDGER_DATABASE_URL": fresh_url, "REVLEDGER_UPLOAD_DIR": str(tmp_path / "up")}
    return {"url": fresh_url, "env": env, "workspace_id": workspace.id, "key": secret}


def _import(local: dict[str, Any], path: Path, *args: str) -> Any:
    return runner.invoke(app, ["import", str(path), *args], env=local["env"])


def test_local_import_exit_codes_and_error_file(local: dict[str, Any], tmp_path: Path) -> None:
    clean = tmp_path / "clean.csv"
    clean.write_text(csv_text(sales(30)))
    result = _import(local, clean, "--source", "stripe")
    assert result.exit_code == 0, result.output
    assert "completed" in result.output and "posted 30" in result.output
    assert "rows/s" in result.output
    assert not (tmp_path / "clean.csv.errors.csv").exists()

    again = _import(local, clean, "--source", "stripe", "--template", "revenues")
    assert again.exit_code == 0, again.output
    assert "duplicate 30" in again.output

    mixed = tmp_path / "mixed.csv"
    mixed.write_text(
        csv_text([*sales(2, "m"), ["refund", "4.00", "USD", "2026-05-31T10:00:00Z", "r"]])
    )
    result = _import(local, mixed, "--source", "stripe")
    assert result.exit_code == 1, result.output
    errors_file = tmp_path / "mixed.csv.errors.csv"
    rows = list(csv.DictReader(errors_file.open()))
    assert [(r["error_row_number"], r["external_id"], r["error_code"]) for r in rows] == [
        ("3", "r", "INVALID")
    ]

    broken = tmp_path / "broken.csv"
    broken.write_text(csv_text([*sales(2, "b"), ["sale", "1.00"]]))
    result = _import(local, broken, "--source", "stripe")
    assert result.exit_code == 2, result.output
    assert "failed" in result.output
    assert (tmp_path / "broken.csv.errors.csv").exists()

    unknown = tmp_path / "unknown.csv"
    unknown.write_text("a,b\n1,2\n")
    result = _import(local, unknown, "--source", "stripe")
    assert result.exit_code == 2
    assert "external_revenue_id" in result.output  # the headers it expected


def test_local_import_needs_a_workspace_choice(local: dict[str, Any], tmp_path: Path) -> None:
    db = Database(local["url"], prepared_statements=PREPARED)
    with db.session(write=True) as session, session.begin():
        create_workspace(session, "second")
    db.dispose()
    path = tmp_path / "s.csv"
    path.write_text(csv_text(sales(1)))
    result = _import(local, path, "--source", "stripe")
    assert result.exit_code == 2 and "--workspace" in result.output
    result = _import(local, path, "--source", "stripe", "--workspace", "acme")
    assert result.exit_code == 0, result.output


def test_import_to_a_running_server(live_tenant: Tenant, tmp_path: Path) -> None:
    live_tenant.source("stripe")
    path = tmp_path / "remote.csv"
    path.write_text(csv_text([*sales(40, "w"), ["sale", "0", "USD", "2026-05-31T10:00:00Z", "z"]]))
    server = str(live_tenant.http.base_url)
    args = ["--server", server, "--api-key", live_tenant.api_key, "--source", "stripe"]
    result = runner.invoke(app, ["import", str(path), *args])
    assert result.exit_code == 1, result.output
    assert "posted 40" in result.output and "errors 1" in result.output
    rows = list(csv.DictReader((tmp_path / "remote.csv.errors.csv").open()))
    assert [r["external_id"] for r in rows] == ["z"]
    bad_key = runner.invoke(app, ["import", str(path), "--server", server, "--api-key", "nope"])
    assert bad_key.exit_code == 2


def test_error_file_for_a_header_failure_and_no_stale_one(
    local: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "sales.csv"
    path.write_text(
        csv_text([["sale", "1.00", "USD", "s1"]], ["type", "amount", "currency", "external_id"])
    )
    result = _import(local, path, "--source", "stripe", "--template", "revenues")
    assert result.exit_code == 2, result.output
    rows = list(csv.DictReader((tmp_path / "sales.csv.errors.csv").open()))
    assert [(r["error_row_number"], r["error_column"], r["error_code"]) for r in rows] == [
        ("0", "occurred_at", "MISSING_COLUMN")
    ]
    # The file fixed and imported again: no errors, so no (stale) error file.
    path.write_text(csv_text(sales(1)))
    result = _import(local, path, "--source", "stripe")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "sales.csv.errors.csv").exists()


def test_an_interrupted_local_import_is_finished_by_the_next(
    local: dict[str, Any], tmp_path: Path
) -> None:
    db = Database(local["url"], prepared_statements=PREPARED)
    directory = files.upload_dir(replace(Settings.from_env(), database_url=db.url))
    sink = files.Sink(directory)
    sink.write(csv_text(sales(10, "k")).encode())
    sink.close()
    principal = Principal(local["workspace_id"], "cli", frozenset({"admin"}))
    with db.session(write=True) as session, session.begin():
        created, _ = service.create_upload(
            session, principal, sink, directory, "k.csv", None, "stripe", None
        )
    owner = service.request_owner(created.id)
    assert jobs.claim(db, created.id, owner)
    # The process "dies" after 4 rows; its lease runs out.
    assert jobs.process(db, created.id, owner, chunk_size=4, stop_after_chunks=1) == "staging"
    with db.session(write=True) as session, session.begin():
        session.execute(
            update(Upload)
            .where(Upload.id == created.id)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
    path = tmp_path / "next.csv"
    path.write_text(csv_text(sales(2, "n")))
    result = _import(local, path, "--source", "stripe")
    assert result.exit_code == 0, result.output
    assert "Resumed 1 interrupted upload" in result.output
    with db.session() as session:
        done = service.get_upload(session, local["workspace_id"], created.id)
        assert (done.status, done.rows_posted, done.rows_duplicate) == ("completed", 10, 0)
    db.dispose()
