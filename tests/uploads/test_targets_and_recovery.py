"""Built-in templates of customers, plans and invoices; OAuth tokens; an upload
interrupted and resumed; two uploads at once."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from revledger.auth.models import OAuthAccessToken
from revledger.config import Settings
from revledger.db import Database
from revledger.kit.ids import hash_secret
from revledger.kit.timeutil import utcnow
from revledger.uploads import jobs
from revledger.uploads.models import Upload
from tests.conftest import Tenant
from tests.uploads.helpers import csv_text, errors, get, revenue_ids, sales, upload


def test_customers_plans_and_invoices_templates(tenant: Tenant) -> None:
    tenant.source("stripe")
    customers = csv_text(
        [["c1", "stripe", "Acme", "FR", "gold"], ["c2", "stripe", "Beta", "DE", ""]],
        ["id", "data_source", "name", "country", "custom_variables.tier"],
    )
    done = get(tenant, upload(tenant, customers, template="customers")["id"])
    assert (done["status"], done["rows_posted"]) == ("completed", 2), done
    plans = csv_text(
        [["p1", "stripe", "Pro", "1", "month", "USD", "9900"]],
        [
            "id",
            "data_source",
            "name",
            "interval_count",
            "interval_unit",
            "currency",
            "amount_cents",
        ],
    )
    plan_upload = upload(tenant, plans)
    assert plan_upload["template"] == "plans"
    assert get(tenant, plan_upload["id"])["rows_posted"] == 1
    header = [
        "id",
        "customer_id",
        "data_source",
        "type",
        "date",
        "amount_cents",
        "currency",
        "plan_id",
        "subscription_id",
        "start_date",
        "end_date",
    ]
    rows = [
        [
            "i1",
            "c1",
            "stripe",
            "subscription",
            "2026-01-01T00:00:00Z",
            "9900",
            "USD",
            "p1",
            "sub1",
            "2026-01-01T00:00:00Z",
            "2026-02-01T00:00:00Z",
        ],
        [
            "i2",
            "c9",
            "stripe",
            "one-time",
            "2026-01-02T00:00:00Z",
            "500",
            "USD",
            "",
            "",
            "2026-01-02T00:00:00Z",
            "2026-01-02T00:00:00Z",
        ],
    ]
    invoices = upload(tenant, csv_text(rows, header))
    assert invoices["template"] == "invoices"
    done = get(tenant, invoices["id"])
    assert (done["status"], done["rows_posted"], done["rows_error"]) == (
        "completed_with_errors",
        1,
        1,
    )
    [error] = errors(tenant, invoices["id"])
    assert (error["row_number"], error["column"], error["value"], error["code"]) == (
        2,
        "customer_id",
        "c9",
        "UNKNOWN_REFERENCE",
    )
    staged = tenant.http.get("/api/v1/stage-errors", params={"target": "invoices"}).json()
    assert [e["row_number"] for e in staged["data"]] == [2]
    listed = tenant.http.get("/api/v1/invoices", params={"source": "stripe"}).json()
    assert [i["id"] for i in listed["result"]["list"]] == ["i1"]
    # The same customers again: unchanged rows count as duplicates.
    again = get(tenant, upload(tenant, customers, template="customers")["id"])
    assert (again["rows_posted"], again["rows_duplicate"]) == (0, 2)
    customer = tenant.http.get("/api/v1/customers", params={"source": "stripe"}).json()
    by_id = {c["id"]: c for c in customer["result"]["list"]}
    assert by_id["c1"]["custom_variables"] == {"tier": "gold"}


def _token(tenant: Tenant, client: TestClient, *scopes: str) -> tuple[str, str]:
    created = tenant.http.post(
        "/api/v1/oauth-clients", json={"name": "sync", "scopes": list(scopes)}
    )
    assert created.status_code == 201, created.text
    c = created.json()["data"]
    response = client.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": c["client_id"],
            "client_secret": c["client_secret"],
        },
    )
    assert response.status_code == 200, response.text
    return c["id"], response.json()["access_token"]


def test_uploads_with_an_oauth_token_until_expiry_or_revocation(
    tenant: Tenant, client: TestClient, database: Database
) -> None:
    source = tenant.source("stripe")
    _id, token = _token(tenant, client, "write:uploads", "write:revenues", "read:uploads")
    auth = {"Authorization": f"Bearer {token}"}

    def post(text: str) -> Any:
        return client.post(
            "/api/v1/uploads",
            content=text.encode(),
            headers={
                **auth,
                "Content-Type": "text/csv",
                "templatename": "revenues",
                "filename": "t.csv",
            },
            params={"revenue_source_id": source},
        )

    ok = post(csv_text(sales(1)))
    assert ok.status_code == 202, ok.text
    assert (
        client.get(f"/api/v1/uploads/{ok.json()['data']['id']}", headers=auth).json()["data"][
            "status"
        ]
        == "completed"
    )

    with database.session(write=True) as session, session.begin():
        session.execute(
            update(OAuthAccessToken)
            .where(OAuthAccessToken.token_hash == hash_secret(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expired = post(csv_text(sales(1, "e")))
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]

    _client_id, fresh = _token(tenant, client, "write:uploads", "write:revenues")
    auth["Authorization"] = f"Bearer {fresh}"
    assert post(csv_text(sales(1, "f"))).status_code == 202
    clients = tenant.http.get("/api/v1/oauth-clients").json()["data"]
    for c in clients:
        assert tenant.http.delete(f"/api/v1/oauth-clients/{c['id']}").status_code == 200
    assert post(csv_text(sales(1, "g"))).status_code == 401
    assert revenue_ids(tenant) == ["f0", "s0"]


def _expire_lease(database: Database, upload_id: str) -> None:
    with database.session(write=True) as session, session.begin():
        session.execute(
            update(Upload)
            .where(Upload.id == upload_id)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )


def test_an_interrupted_upload_resumes_and_posts_every_row_once(
    tenant: Tenant, database: Database
) -> None:
    from revledger.auth.service import Principal
    from revledger.uploads import files, service

    source = tenant.source("stripe")
    rows = sales(25, "k")
    rows[17][1] = "-1.00"  # one business error, in a chunk after the interruption
    directory = files.upload_dir(replace(Settings.from_env(), database_url=database.url))
    sink = files.Sink(directory)
    sink.write(csv_text(rows).encode())
    sink.close()
    principal = Principal(tenant.workspace_id, "test", frozenset({"admin"}))
    with database.session(write=True) as session, session.begin():
        created, _ = service.create_upload(
            session, principal, sink, directory, "k.csv", None, source, None
        )
    owner = service.request_owner(created.id)
    assert jobs.claim(database, created.id, owner)
    assert jobs.process(database, created.id, owner, chunk_size=5, stop_after_chunks=2) == "staging"
    halfway = get(tenant, created.id)
    assert (halfway["status"], halfway["rows_processed"], halfway["rows_posted"]) == (
        "staging",
        10,
        10,
    )
    # The lease still holds: nobody else takes it yet.
    assert jobs.run_until_idle(database, workspace_id=tenant.workspace_id) == 0
    # The process is gone; its lease runs out; a worker resumes after row 10.
    _expire_lease(database, created.id)
    assert jobs.run_until_idle(database, workspace_id=tenant.workspace_id) == 1
    done = get(tenant, created.id)
    assert done["status"] == "completed_with_errors"
    assert (done["rows_posted"], done["rows_duplicate"], done["rows_error"]) == (24, 0, 1)
    assert [e["row_number"] for e in errors(tenant, created.id)] == [18]
    # The first processor, back to life, cannot post anything more.
    assert jobs.process(database, created.id, owner, chunk_size=5) == "completed_with_errors"
    assert len([i for i in revenue_ids(tenant) if i.startswith("k")]) == 24


def test_a_stale_processor_loses_its_chunk(tenant: Tenant, database: Database) -> None:
    from revledger.auth.service import Principal
    from revledger.uploads import files, service

    source = tenant.source("stripe")
    directory = files.upload_dir(replace(Settings.from_env(), database_url=database.url))
    sink = files.Sink(directory)
    sink.write(csv_text(sales(12, "q")).encode())
    sink.close()
    principal = Principal(tenant.workspace_id, "test", frozenset({"admin"}))
    with database.session(write=True) as session, session.begin():
        created, _ = service.create_upload(
            session, principal, sink, directory, "q.csv", None, source, None
        )
    slow = service.request_owner(created.id)
    assert jobs.claim(database, created.id, slow)
    assert jobs.process(database, created.id, slow, chunk_size=4, stop_after_chunks=1) == "staging"
    _expire_lease(database, created.id)
    assert jobs.claim(database, created.id, "other-worker")
    # The slow one wakes up: its guarded update finds another owner and posts nothing.
    assert jobs.process(database, created.id, slow, chunk_size=4) == "staging"
    assert get(tenant, created.id)["rows_processed"] == 4
    assert jobs.process(database, created.id, "other-worker", chunk_size=4) == "completed"
    done = get(tenant, created.id)
    assert (done["rows_posted"], done["rows_duplicate"]) == (12, 0)


def test_two_uploads_of_one_workspace_at_once(live_tenant: Tenant) -> None:
    source = live_tenant.source("stripe")
    texts = [csv_text(sales(300, "c")), csv_text(sales(300, "c", start=150))]
    results: list[Any] = [None, None]

    def send(i: int) -> None:
        results[i] = live_tenant.http.post(
            "/api/v1/uploads",
            files={"file": (f"{i}.csv", texts[i].encode(), "text/csv")},
            data={"revenue_source_id": source},
        )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [r.json()["data"]["id"] for r in results]
    finals = []
    for upload_id in ids:
        for _ in range(200):
            data = get(live_tenant, upload_id)
            if data["status"] not in ("received", "pre_staging", "staging"):
                break
            threading.Event().wait(0.05)
        finals.append(data)
    assert [f["status"] for f in finals] == ["completed", "completed"]
    assert sum(f["rows_posted"] for f in finals) == 450
    assert sum(f["rows_duplicate"] for f in finals) == 150
    assert len(revenue_ids(live_tenant)) == 450
