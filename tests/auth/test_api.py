"""API keys and authentication, through HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from revledger.db import Database
from tests.conftest import Tenant, sale

PROBLEM = "application/problem+json"
ALL_SCOPES = ["read:revenues", "write:revenues", "read:sources", "write:sources", "admin"]
NON_ADMIN = ALL_SCOPES[:-1]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


# --- authentication -------------------------------------------------------------------


def test_missing_authorization_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/ping")
    body = assert_problem(response, 401)
    assert "Authorization" in body["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer rl_thisKeyDoesNotExistAnywhere0000000000000000",
        "Bearer ",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Token rl_abc",
        "",
    ],
)
def test_unknown_or_malformed_key_is_401(client: TestClient, header: str) -> None:
    assert_problem(client.get("/api/v1/ping", headers={"Authorization": header}), 401)


def test_key_without_bearer_scheme_is_401(tenant: Tenant, client: TestClient) -> None:
    """The raw secret alone (no 'Bearer ') is not accepted, even though the key is valid."""
    assert_problem(client.get("/api/v1/ping", headers={"Authorization": tenant.api_key}), 401)
    assert client.get("/api/v1/ping", headers=bearer(tenant.api_key)).status_code == 200


def test_bearer_scheme_is_case_insensitive(tenant: Tenant, client: TestClient) -> None:
    response = client.get("/api/v1/ping", headers={"Authorization": f"bearer {tenant.api_key}"})
    assert response.status_code == 200, response.text


def test_unauthenticated_request_changes_nothing(tenant: Tenant, client: TestClient) -> None:
    response = client.post(
        "/api/v1/revenue-sources",
        json={"name": "sneaky"},
        headers={"Authorization": "Bearer rl_wrong"},
    )
    assert_problem(response, 401)
    names = [s["name"] for s in tenant.http.get("/api/v1/revenue-sources").json()["data"]]
    assert "sneaky" not in names


# --- ping -----------------------------------------------------------------------------


def test_ping_with_admin_key(tenant: Tenant) -> None:
    response = tenant.http.get("/api/v1/ping")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "status": "ok",
        "service": "revledger",
        "workspace_id": tenant.workspace_id,
    }


@pytest.mark.parametrize("scope", NON_ADMIN)
def test_ping_with_a_single_unrelated_scope(tenant: Tenant, client: TestClient, scope: str) -> None:
    key = tenant.key(scope)
    response = client.get("/api/v1/ping", headers=bearer(key))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ok",
        "service": "revledger",
        "workspace_id": tenant.workspace_id,
    }


def test_ping_answers_with_the_keys_own_workspace(tenant: Tenant, other_tenant: Tenant) -> None:
    assert tenant.workspace_id != other_tenant.workspace_id
    assert tenant.http.get("/api/v1/ping").json()["workspace_id"] == tenant.workspace_id
    assert other_tenant.http.get("/api/v1/ping").json()["workspace_id"] == (
        other_tenant.workspace_id
    )


# --- scopes ---------------------------------------------------------------------------


def _endpoints(tenant: Tenant) -> list[tuple[str, str, str, Any, int]]:
    """(scope, method, path, json body, success status) for every scoped endpoint."""
    source_id = tenant.source("scoped-src", default_currency="USD")
    created = tenant.http.post("/api/v1/revenues", json=sale(source_id, "scope-0"))
    assert created.status_code == 201, created.text
    revenue_id = created.json()["data"]["id"]
    other_key_id = tenant.http.post(
        "/api/v1/api-keys", json={"name": "victim", "scopes": ["read:sources"]}
    ).json()["data"]["id"]
    return [
        ("read:sources", "GET", "/api/v1/revenue-sources", None, 200),
        ("read:sources", "GET", f"/api/v1/revenue-sources/{source_id}", None, 200),
        ("write:sources", "POST", "/api/v1/revenue-sources", {"name": "fresh-src"}, 201),
        ("read:revenues", "GET", "/api/v1/revenues", None, 200),
        ("read:revenues", "GET", f"/api/v1/revenues/{revenue_id}", None, 200),
        ("read:revenues", "GET", "/api/v1/revenues/export", None, 200),
        ("write:revenues", "POST", "/api/v1/revenues", sale(source_id, "scope-1"), 201),
        (
            "write:revenues",
            "POST",
            "/api/v1/revenues/batch",
            {"records": [sale(source_id, "scope-2")]},
            200,
        ),
        ("admin", "GET", "/api/v1/api-keys", None, 200),
        ("admin", "POST", "/api/v1/api-keys", {"name": "n", "scopes": ["read:sources"]}, 201),
        ("admin", "DELETE", f"/api/v1/api-keys/{other_key_id}", None, 200),
    ]


def test_key_lacking_the_scope_is_403_naming_it(tenant: Tenant, client: TestClient) -> None:
    for scope, method, path, body, _ in _endpoints(tenant):
        others = [s for s in NON_ADMIN if s != scope]
        key = tenant.key(*others)
        response = client.request(method, path, json=body, headers=bearer(key))
        problem = assert_problem(response, 403)
        assert scope in problem["detail"], (method, path, problem)


def test_key_holding_only_the_scope_succeeds(tenant: Tenant, client: TestClient) -> None:
    for scope, method, path, body, status in _endpoints(tenant):
        key = tenant.key(scope)
        response = client.request(method, path, json=body, headers=bearer(key))
        assert response.status_code == status, (method, path, response.text)


def test_admin_implies_every_scope(tenant: Tenant, client: TestClient) -> None:
    key = tenant.key("admin")
    for _scope, method, path, body, status in _endpoints(tenant):
        response = client.request(method, path, json=body, headers=bearer(key))
        assert response.status_code == status, (method, path, response.text)


def test_forbidden_write_changes_nothing(tenant: Tenant, client: TestClient) -> None:
    key = tenant.key("read:sources", "read:revenues", "write:revenues")
    response = client.post(
        "/api/v1/revenue-sources", json={"name": "not-allowed"}, headers=bearer(key)
    )
    assert "write:sources" in assert_problem(response, 403)["detail"]
    listed = client.get("/api/v1/revenue-sources", headers=bearer(key)).json()
    assert listed["meta"]["total"] == 0
    assert listed["data"] == []


# --- creating keys --------------------------------------------------------------------


def test_create_key(tenant: Tenant, client: TestClient) -> None:
    response = tenant.http.post(
        "/api/v1/api-keys", json={"name": "reporting", "scopes": ["read:revenues"]}
    )
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert set(data) == {"id", "name", "scopes", "key", "created_at"}
    assert data["name"] == "reporting"
    assert data["scopes"] == ["read:revenues"]
    assert isinstance(data["key"], str) and len(data["key"]) >= 32
    created_at = datetime.fromisoformat(data["created_at"])
    assert created_at.utcoffset() is not None

    # The new key belongs to the same workspace and holds exactly its scopes.
    ping = client.get("/api/v1/ping", headers=bearer(data["key"]))
    assert ping.json()["workspace_id"] == tenant.workspace_id
    assert client.get("/api/v1/revenues", headers=bearer(data["key"])).status_code == 200
    assert_problem(client.get("/api/v1/revenue-sources", headers=bearer(data["key"])), 403)


def test_every_new_key_is_different(tenant: Tenant) -> None:
    keys = {tenant.key("read:sources") for _ in range(5)}
    assert len(keys) == 5
    assert tenant.api_key not in keys


@pytest.mark.parametrize(
    "scopes", [["read:everything"], ["read:sources", "superuser"], ["ADMIN"], ["read:source"]]
)
def test_create_key_with_unknown_scope_is_422(tenant: Tenant, scopes: list[str]) -> None:
    response = tenant.http.post("/api/v1/api-keys", json={"name": "bad", "scopes": scopes})
    body = assert_problem(response, 422)
    assert {"field": "scopes"}.items() <= body["errors"][0].items()
    assert all(e["field"] == "scopes" for e in body["errors"])
    listed = tenant.http.get("/api/v1/api-keys").json()["data"]
    assert [k["name"] for k in listed] == ["default"]


def test_create_key_without_scopes_field_is_422(tenant: Tenant) -> None:
    body = assert_problem(tenant.http.post("/api/v1/api-keys", json={"name": "x"}), 422)
    assert "scopes" in [e["field"] for e in body["errors"]]


@pytest.mark.parametrize("scopes", [NON_ADMIN, ["write:sources"]])
def test_non_admin_key_cannot_create_keys(
    tenant: Tenant, client: TestClient, scopes: list[str]
) -> None:
    key = tenant.key(*scopes)
    response = client.post(
        "/api/v1/api-keys", json={"name": "escalate", "scopes": ["admin"]}, headers=bearer(key)
    )
    assert "admin" in assert_problem(response, 403)["detail"]
    names = [k["name"] for k in tenant.http.get("/api/v1/api-keys").json()["data"]]
    assert "escalate" not in names


# --- listing keys ---------------------------------------------------------------------


def test_list_keys_never_shows_secrets(tenant: Tenant) -> None:
    created = tenant.http.post(
        "/api/v1/api-keys", json={"name": "ci", "scopes": ["write:revenues", "read:sources"]}
    ).json()["data"]
    response = tenant.http.get("/api/v1/api-keys")
    assert response.status_code == 200
    assert created["key"] not in response.text
    assert tenant.api_key not in response.text
    data = response.json()["data"]
    assert sorted(k["name"] for k in data) == ["ci", "default"]
    listed = next(k for k in data if k["id"] == created["id"])
    assert "key" not in listed
    assert listed["name"] == "ci"
    assert listed["scopes"] == ["write:revenues", "read:sources"]
    assert listed["revoked_at"] is None


def test_list_keys_only_shows_own_workspace(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = other_tenant.http.post(
        "/api/v1/api-keys", json={"name": "theirs", "scopes": ["read:sources"]}
    ).json()["data"]
    ours = tenant.http.get("/api/v1/api-keys").json()["data"]
    assert theirs["id"] not in {k["id"] for k in ours}
    assert [k["name"] for k in ours] == ["default"]


def test_non_admin_key_cannot_list_keys(tenant: Tenant, client: TestClient) -> None:
    key = tenant.key(*NON_ADMIN)
    assert (
        "admin"
        in assert_problem(client.get("/api/v1/api-keys", headers=bearer(key)), 403)["detail"]
    )


# --- revoking keys --------------------------------------------------------------------


def test_revoked_key_is_401_at_once(tenant: Tenant, client: TestClient) -> None:
    created = tenant.http.post(
        "/api/v1/api-keys", json={"name": "temp", "scopes": ["read:sources"]}
    ).json()["data"]
    assert client.get("/api/v1/ping", headers=bearer(created["key"])).status_code == 200

    response = tenant.http.delete(f"/api/v1/api-keys/{created['id']}")
    assert response.status_code == 200, response.text
    revoked = response.json()["data"]
    assert revoked["id"] == created["id"]
    assert revoked["revoked_at"] is not None
    assert created["key"] not in response.text

    for path in ("/api/v1/ping", "/api/v1/revenue-sources"):
        assert_problem(client.get(path, headers=bearer(created["key"])), 401)
    # The admin key that revoked it keeps working, and the list shows the revocation.
    listed = {k["id"]: k for k in tenant.http.get("/api/v1/api-keys").json()["data"]}
    assert listed[created["id"]]["revoked_at"] is not None


def test_revoking_twice_keeps_it_revoked(tenant: Tenant, client: TestClient) -> None:
    created = tenant.http.post(
        "/api/v1/api-keys", json={"name": "temp", "scopes": ["read:sources"]}
    ).json()["data"]
    first = tenant.http.delete(f"/api/v1/api-keys/{created['id']}").json()["data"]
    second = tenant.http.delete(f"/api/v1/api-keys/{created['id']}")
    assert second.status_code in (200, 404)
    if second.status_code == 200:
        assert second.json()["data"]["revoked_at"] == first["revoked_at"]
    assert_problem(client.get("/api/v1/ping", headers=bearer(created["key"])), 401)


def test_revoking_another_workspaces_key_is_404(
    tenant: Tenant, other_tenant: Tenant, client: TestClient
) -> None:
    theirs = other_tenant.http.post(
        "/api/v1/api-keys", json={"name": "theirs", "scopes": ["read:sources"]}
    ).json()["data"]
    assert_problem(tenant.http.delete(f"/api/v1/api-keys/{theirs['id']}"), 404)
    assert client.get("/api/v1/ping", headers=bearer(theirs["key"])).status_code == 200
    their_list = {k["id"]: k for k in other_tenant.http.get("/api/v1/api-keys").json()["data"]}
    assert their_list[theirs["id"]]["revoked_at"] is None


def test_revoking_unknown_key_is_404(tenant: Tenant) -> None:
    assert_problem(tenant.http.delete("/api/v1/api-keys/01900000-0000-7000-8000-000000000000"), 404)


def test_non_admin_key_cannot_revoke(tenant: Tenant, client: TestClient) -> None:
    created = tenant.http.post(
        "/api/v1/api-keys", json={"name": "temp", "scopes": ["read:sources"]}
    ).json()["data"]
    weak = tenant.key(*NON_ADMIN)
    response = client.delete(f"/api/v1/api-keys/{created['id']}", headers=bearer(weak))
    assert "admin" in assert_problem(response, 403)["detail"]
    assert client.get("/api/v1/ping", headers=bearer(created["key"])).status_code == 200


# --- storage --------------------------------------------------------------------------


def test_keys_are_stored_only_as_a_hash(tenant: Tenant, database: Database) -> None:
    created = tenant.http.post(
        "/api/v1/api-keys", json={"name": "stored", "scopes": ["read:sources"]}
    ).json()["data"]
    secrets = [tenant.api_key, created["key"]]
    with database.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT * FROM api_keys WHERE workspace_id = :w"), {"w": tenant.workspace_id}
        ).all()
    assert len(rows) == 2
    for row in rows:
        stored = " ".join(str(value) for value in row)
        for secret in secrets:
            assert secret not in stored
            # Not even the part after the prefix is kept.
            assert secret[10:] not in stored
