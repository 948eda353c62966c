"""OAuth 2.0 client credentials, through HTTP on SQLite and PostgreSQL.

Clients are created by an admin; `POST /api/v1/oauth/token` exchanges a client's id and
secret (form body or HTTP Basic) for a bearer token that works wherever an API key
does, with at most the client's scopes, until it expires or its client is revoked.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from revledger.auth.models import OAuthAccessToken
from revledger.db import Database
from revledger.kit.ids import hash_secret
from revledger.kit.timeutil import utcnow
from tests.auth.test_api import NON_ADMIN, _endpoints
from tests.conftest import Tenant, sale

PROBLEM = "application/problem+json"
TOKEN_URL = "/api/v1/oauth/token"
UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def new_client(tenant: Tenant, *scopes: str, name: str = "integration") -> dict[str, Any]:
    response = tenant.http.post("/api/v1/oauth-clients", json={"name": name, "scopes": [*scopes]})
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def request_token(http: TestClient, oauth_client: dict[str, Any], **form: Any) -> Any:
    body = {
        "grant_type": "client_credentials",
        "client_id": oauth_client["client_id"],
        "client_secret": oauth_client["client_secret"],
        **form,
    }
    return http.post(TOKEN_URL, data={k: v for k, v in body.items() if v is not None})


def get_token(http: TestClient, oauth_client: dict[str, Any], **form: Any) -> str:
    response = request_token(http, oauth_client, **form)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def assert_oauth_error(response: Any, status: int, error: str) -> dict[str, Any]:
    """RFC 6749 section 5.2: a JSON object with `error` (and a description), not a problem."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    assert body["error"] == error, body
    assert set(body) <= {"error", "error_description", "error_uri"}
    assert isinstance(body.get("error_description", ""), str)
    return body


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


# --- clients --------------------------------------------------------------------------


def test_create_client_shows_the_secret_once(tenant: Tenant) -> None:
    response = tenant.http.post(
        "/api/v1/oauth-clients",
        json={"name": "warehouse sync", "scopes": ["read:revenues", "write:revenues"]},
    )
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert set(data) == {"id", "client_id", "client_secret", "name", "scopes", "created_at"}
    assert data["client_id"] == data["id"]
    assert data["name"] == "warehouse sync"
    assert data["scopes"] == ["read:revenues", "write:revenues"]
    assert data["client_secret"].startswith("rlc_") and len(data["client_secret"]) >= 40

    listed = tenant.http.get("/api/v1/oauth-clients")
    assert listed.status_code == 200, listed.text
    assert data["client_secret"] not in listed.text
    assert data["client_secret"][10:] not in listed.text
    [row] = listed.json()["data"]
    assert row == {
        "id": data["id"],
        "client_id": data["id"],
        "name": "warehouse sync",
        "scopes": ["read:revenues", "write:revenues"],
        "secret_prefix": data["client_secret"][:10],
        "created_at": data["created_at"],
        "revoked_at": None,
    }


@pytest.mark.parametrize("scopes", [["read:everything"], ["read:revenues", "ADMIN"], []])
def test_create_client_with_unknown_or_no_scopes_is_422(tenant: Tenant, scopes: list[str]) -> None:
    response = tenant.http.post("/api/v1/oauth-clients", json={"name": "bad", "scopes": scopes})
    body = assert_problem(response, 422)
    assert {e["field"] for e in body["errors"]} == {"scopes"}
    assert tenant.http.get("/api/v1/oauth-clients").json()["data"] == []


def test_create_client_rejects_unknown_fields(tenant: Tenant) -> None:
    response = tenant.http.post(
        "/api/v1/oauth-clients",
        json={"name": "x", "scopes": ["read:revenues"], "client_secret": "mine"},
    )
    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == ["client_secret"]


def test_client_endpoints_need_admin(tenant: Tenant, client: TestClient) -> None:
    theirs = new_client(tenant, "read:revenues")
    weak = tenant.key(*NON_ADMIN)
    attempts = [
        client.post(
            "/api/v1/oauth-clients",
            json={"name": "escalate", "scopes": ["admin"]},
            headers=bearer(weak),
        ),
        client.get("/api/v1/oauth-clients", headers=bearer(weak)),
        client.delete(f"/api/v1/oauth-clients/{theirs['id']}", headers=bearer(weak)),
    ]
    for response in attempts:
        assert "admin" in assert_problem(response, 403)["detail"]
    assert_problem(client.get("/api/v1/oauth-clients"), 401)
    [row] = tenant.http.get("/api/v1/oauth-clients").json()["data"]
    assert row["revoked_at"] is None


def test_a_token_without_admin_cannot_create_clients(tenant: Tenant, client: TestClient) -> None:
    token = get_token(client, new_client(tenant, *NON_ADMIN))
    response = client.post(
        "/api/v1/oauth-clients",
        json={"name": "escalate", "scopes": ["admin"]},
        headers=bearer(token),
    )
    assert "admin" in assert_problem(response, 403)["detail"]


# --- issuing tokens -------------------------------------------------------------------


def test_issue_token_with_credentials_in_the_body(tenant: Tenant, client: TestClient) -> None:
    oauth_client = new_client(tenant, "read:revenues", "write:revenues")
    response = request_token(client, oauth_client)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1800
    assert body["scope"] == "read:revenues write:revenues"
    assert body["access_token"].startswith("rlt_") and len(body["access_token"]) >= 40

    ping = client.get("/api/v1/ping", headers=bearer(body["access_token"]))
    assert ping.status_code == 200, ping.text
    assert ping.json()["workspace_id"] == tenant.workspace_id


def test_issue_token_with_http_basic(tenant: Tenant, client: TestClient) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    response = client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        headers=basic(oauth_client["client_id"], oauth_client["client_secret"]),
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    token = response.json()["access_token"]
    assert response.json()["scope"] == "read:revenues"
    assert client.get("/api/v1/revenues", headers=bearer(token)).status_code == 200


def test_basic_credentials_may_repeat_the_client_id_in_the_body(
    tenant: Tenant, client: TestClient
) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    response = client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials", "client_id": oauth_client["client_id"]},
        headers=basic(oauth_client["client_id"], oauth_client["client_secret"]),
    )
    assert response.status_code == 200, response.text


def test_two_authentication_methods_at_once_are_invalid_request(
    tenant: Tenant, client: TestClient
) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    other = new_client(tenant, "read:revenues", name="other")
    both = [
        {"client_secret": oauth_client["client_secret"]},
        {"client_id": other["client_id"]},
    ]
    for extra in both:
        response = client.post(
            TOKEN_URL,
            data={"grant_type": "client_credentials", **extra},
            headers=basic(oauth_client["client_id"], oauth_client["client_secret"]),
        )
        assert_oauth_error(response, 400, "invalid_request")


def test_the_token_endpoint_needs_no_api_key(tenant: Tenant, client: TestClient) -> None:
    """The request carries no Bearer header at all; an API key in it is no client auth."""
    oauth_client = new_client(tenant, "read:revenues")
    assert "authorization" not in {h.lower() for h in client.headers}
    assert request_token(client, oauth_client).status_code == 200
    response = client.post(
        TOKEN_URL, data={"grant_type": "client_credentials"}, headers=bearer(tenant.api_key)
    )
    body = assert_oauth_error(response, 401, "invalid_client")
    assert "www-authenticate" not in response.headers
    assert body["error_description"]


def test_every_token_is_different_and_all_work(tenant: Tenant, client: TestClient) -> None:
    oauth_client = new_client(tenant, "read:sources")
    tokens = {get_token(client, oauth_client) for _ in range(4)}
    assert len(tokens) == 4
    for token in tokens:
        assert client.get("/api/v1/revenue-sources", headers=bearer(token)).status_code == 200


# --- failed client authentication -----------------------------------------------------


def test_wrong_secret_in_the_body_is_invalid_client(tenant: Tenant, client: TestClient) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    response = request_token(client, oauth_client, client_secret=oauth_client["client_secret"][:-1])
    assert_oauth_error(response, 401, "invalid_client")
    assert "www-authenticate" not in response.headers


def test_wrong_secret_with_basic_challenges_basic(tenant: Tenant, client: TestClient) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    response = client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        headers=basic(oauth_client["client_id"], "rlc_wrong"),
    )
    assert_oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic not-base64!",
        "Basic " + base64.b64encode(b"no-colon-here").decode(),
        "Basic " + base64.b64encode(b":rlc_secret_without_id").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
        "Basic ",
    ],
)
def test_malformed_basic_is_invalid_client(client: TestClient, authorization: str) -> None:
    response = client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": authorization},
    )
    assert_oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "client_id", [UNKNOWN_ID, "not-a-uuid", "x" * 500, "' OR 1=1 --", "ü-unicode"]
)
def test_unknown_client_is_invalid_client(client: TestClient, client_id: str) -> None:
    fake = {"client_id": client_id, "client_secret": "rlc_" + "a" * 43}
    assert_oauth_error(request_token(client, fake), 401, "invalid_client")


def test_missing_client_authentication_is_invalid_client(client: TestClient) -> None:
    response = client.post(TOKEN_URL, data={"grant_type": "client_credentials"})
    assert_oauth_error(response, 401, "invalid_client")


def test_half_of_the_body_credentials_is_invalid_request(
    tenant: Tenant, client: TestClient
) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    for given in ("client_id", "client_secret"):
        form = {"grant_type": "client_credentials", given: oauth_client[given]}
        body = assert_oauth_error(client.post(TOKEN_URL, data=form), 400, "invalid_request")
        missing = "client_secret" if given == "client_id" else "client_id"
        assert missing in body["error_description"]


def test_an_api_key_is_not_a_client_secret(tenant: Tenant, client: TestClient) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    response = request_token(client, oauth_client, client_secret=tenant.api_key)
    assert_oauth_error(response, 401, "invalid_client")


# --- request format -------------------------------------------------------------------


@pytest.mark.parametrize("grant_type", ["password", "authorization_code", "refresh_token", "x"])
def test_unknown_grant_type_is_unsupported(
    tenant: Tenant, client: TestClient, grant_type: str
) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    response = request_token(client, oauth_client, grant_type=grant_type)
    assert_oauth_error(response, 400, "unsupported_grant_type")


@pytest.mark.parametrize("grant_type", [None, ""])
def test_missing_grant_type_is_invalid_request(
    tenant: Tenant, client: TestClient, grant_type: str | None
) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    form = {
        "client_id": oauth_client["client_id"],
        "client_secret": oauth_client["client_secret"],
    }
    if grant_type is not None:
        form["grant_type"] = grant_type
    assert_oauth_error(client.post(TOKEN_URL, data=form), 400, "invalid_request")


@pytest.mark.parametrize("repeated", ["grant_type", "client_id", "client_secret", "scope"])
def test_a_repeated_parameter_is_invalid_request(
    tenant: Tenant, client: TestClient, repeated: str
) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    form: dict[str, Any] = {
        "grant_type": "client_credentials",
        "client_id": oauth_client["client_id"],
        "client_secret": oauth_client["client_secret"],
        "scope": "read:revenues",
    }
    form[repeated] = [form[repeated], form[repeated]]
    response = client.post(TOKEN_URL, data=form)
    body = assert_oauth_error(response, 400, "invalid_request")
    assert repeated in body["error_description"]


def test_a_json_body_is_invalid_request(tenant: Tenant, client: TestClient) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    response = client.post(
        TOKEN_URL,
        json={
            "grant_type": "client_credentials",
            "client_id": oauth_client["client_id"],
            "client_secret": oauth_client["client_secret"],
        },
    )
    body = assert_oauth_error(response, 400, "invalid_request")
    assert "x-www-form-urlencoded" in body["error_description"]


def test_form_content_type_with_charset_is_accepted(tenant: Tenant, client: TestClient) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    content = (
        f"grant_type=client_credentials&client_id={oauth_client['client_id']}"
        f"&client_secret={oauth_client['client_secret']}&unknown_parameter=ignored"
    )
    response = client.post(
        TOKEN_URL,
        content=content,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
    )
    assert response.status_code == 200, response.text


def test_an_empty_or_garbled_body_is_an_oauth_error(client: TestClient) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    cases = [
        (b"", 400, "invalid_request"),
        (b"%%%&&&===", 400, "invalid_request"),
        (b"grant_type=client_credentials%00", 400, "invalid_request"),
        (
            b"grant_type=client_credentials&client_id=\xff\xfe&client_secret=x",
            401,
            "invalid_client",
        ),
        (b"grant_type=client_credentials&client_id=%FF&client_secret=x", 401, "invalid_client"),
    ]
    for content, status, error in cases:
        response = client.post(TOKEN_URL, content=content, headers=form)
        assert_oauth_error(response, status, error)
    response = client.post(TOKEN_URL)
    assert_oauth_error(response, 400, "invalid_request")


def test_token_endpoint_answers_only_post(client: TestClient) -> None:
    assert client.get(TOKEN_URL).status_code == 405


# --- scopes ---------------------------------------------------------------------------


def test_a_token_holds_the_clients_scopes(tenant: Tenant, client: TestClient) -> None:
    source_id = tenant.source("oauth-src", default_currency="USD")
    token = get_token(client, new_client(tenant, "read:revenues", "write:revenues"))

    created = client.post(
        "/api/v1/revenues", json=sale(source_id, "oauth-1"), headers=bearer(token)
    )
    assert created.status_code == 201, created.text
    listed = client.get("/api/v1/revenues", headers=bearer(token))
    assert listed.status_code == 200
    assert [r["external_id"] for r in listed.json()["data"]] == ["oauth-1"]

    for method, path in [("GET", "/api/v1/revenue-sources"), ("GET", "/api/v1/api-keys")]:
        response = client.request(method, path, headers=bearer(token))
        assert_problem(response, 403)


def test_a_token_without_the_scope_is_403_naming_it(tenant: Tenant, client: TestClient) -> None:
    token = get_token(client, new_client(tenant, "read:sources", "write:revenues"))
    response = client.get("/api/v1/revenues", headers=bearer(token))
    assert "read:revenues" in assert_problem(response, 403)["detail"]


def test_scope_parameter_narrows_the_token(tenant: Tenant, client: TestClient) -> None:
    oauth_client = new_client(tenant, "read:revenues", "read:sources", "write:sources")
    response = request_token(client, oauth_client, scope="read:sources write:sources")
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "read:sources write:sources"
    token = response.json()["access_token"]

    assert client.get("/api/v1/revenue-sources", headers=bearer(token)).status_code == 200
    response = client.get("/api/v1/revenues", headers=bearer(token))
    assert "read:revenues" in assert_problem(response, 403)["detail"]
    # The client itself still gets all of its scopes when it asks for none.
    wide = request_token(client, oauth_client)
    assert wide.json()["scope"] == "read:revenues read:sources write:sources"
    empty = request_token(client, oauth_client, scope="")
    assert empty.json()["scope"] == "read:revenues read:sources write:sources"


@pytest.mark.parametrize(
    "scope",
    ["write:revenues", "read:revenues write:revenues", "admin", "read:everything", "READ:REVENUES"],
)
def test_asking_for_more_than_the_client_holds_is_invalid_scope(
    tenant: Tenant, client: TestClient, scope: str
) -> None:
    oauth_client = new_client(tenant, "read:revenues", "read:sources")
    response = request_token(client, oauth_client, scope=scope)
    assert_oauth_error(response, 400, "invalid_scope")


def test_an_admin_client_can_ask_for_a_narrower_scope(tenant: Tenant, client: TestClient) -> None:
    oauth_client = new_client(tenant, "admin")
    response = request_token(client, oauth_client, scope="read:revenues")
    assert response.json()["scope"] == "read:revenues"
    token = response.json()["access_token"]
    assert client.get("/api/v1/revenues", headers=bearer(token)).status_code == 200
    assert (
        "admin"
        in assert_problem(client.get("/api/v1/api-keys", headers=bearer(token)), 403)["detail"]
    )
    admin_token = get_token(client, oauth_client)
    assert client.get("/api/v1/api-keys", headers=bearer(admin_token)).status_code == 200


def test_a_token_works_wherever_an_api_key_does(tenant: Tenant, client: TestClient) -> None:
    """Every scoped endpoint: a token holding only its scope succeeds, and a token holding
    every other scope is refused with a 403 that names it."""
    endpoints = _endpoints(tenant)
    for scope, method, path, body, _status in endpoints:
        others = [s for s in NON_ADMIN if s != scope]
        lacking = get_token(client, new_client(tenant, *others))
        response = client.request(method, path, json=body, headers=bearer(lacking))
        assert scope in assert_problem(response, 403)["detail"], (method, path)

    for scope, method, path, body, status in endpoints:
        only = get_token(client, new_client(tenant, scope))
        response = client.request(method, path, json=body, headers=bearer(only))
        assert response.status_code == status, (method, path, response.text)


# --- expiry and revocation ------------------------------------------------------------


def _set_expiry(database: Database, token: str, delta: timedelta) -> None:
    with database.session(write=True) as session, session.begin():
        session.execute(
            update(OAuthAccessToken)
            .where(OAuthAccessToken.token_hash == hash_secret(token))
            .values(expires_at=utcnow() + delta)
        )


def test_token_expires_1800_seconds_after_issue(
    tenant: Tenant, client: TestClient, database: Database
) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    before = utcnow()
    token = get_token(client, oauth_client)
    after = utcnow()
    with database.session() as session:
        stored = session.scalars(
            select(OAuthAccessToken).where(OAuthAccessToken.client_id == oauth_client["id"])
        ).one()
    assert stored.token_hash == hash_secret(token)
    assert stored.expires_at - stored.created_at == timedelta(seconds=1800)
    assert before <= stored.created_at <= after


def test_an_expired_token_is_401(tenant: Tenant, client: TestClient, database: Database) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    token = get_token(client, oauth_client)
    _set_expiry(database, token, timedelta(seconds=5))
    assert client.get("/api/v1/revenues", headers=bearer(token)).status_code == 200

    _set_expiry(database, token, timedelta(seconds=-1))
    for path in ("/api/v1/revenues", "/api/v1/ping"):
        response = client.get(path, headers=bearer(token))
        body = assert_problem(response, 401)
        assert "expired" in body["detail"]
        assert response.headers["www-authenticate"] == "Bearer"
    # The client simply asks for a new token.
    fresh = get_token(client, oauth_client)
    assert client.get("/api/v1/revenues", headers=bearer(fresh)).status_code == 200
    assert client.get("/api/v1/revenues", headers=bearer(token)).status_code == 401


def test_revoking_a_client_stops_its_tokens_at_once(tenant: Tenant, client: TestClient) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    token = get_token(client, oauth_client)
    assert client.get("/api/v1/revenues", headers=bearer(token)).status_code == 200

    response = tenant.http.delete(f"/api/v1/oauth-clients/{oauth_client['id']}")
    assert response.status_code == 200, response.text
    revoked = response.json()["data"]
    assert revoked["id"] == oauth_client["id"]
    assert revoked["revoked_at"] is not None
    assert oauth_client["client_secret"] not in response.text

    assert_problem(client.get("/api/v1/revenues", headers=bearer(token)), 401)
    assert_oauth_error(request_token(client, oauth_client), 401, "invalid_client")
    listed = {c["id"]: c for c in tenant.http.get("/api/v1/oauth-clients").json()["data"]}
    assert listed[oauth_client["id"]]["revoked_at"] == revoked["revoked_at"]
    # Revoking again changes nothing.
    again = tenant.http.delete(f"/api/v1/oauth-clients/{oauth_client['id']}")
    assert again.status_code == 200
    assert again.json()["data"]["revoked_at"] == revoked["revoked_at"]


def test_revoking_one_client_leaves_the_others(tenant: Tenant, client: TestClient) -> None:
    first, second = new_client(tenant, "read:revenues"), new_client(tenant, "read:revenues")
    first_token, second_token = get_token(client, first), get_token(client, second)
    assert tenant.http.delete(f"/api/v1/oauth-clients/{first['id']}").status_code == 200
    assert client.get("/api/v1/revenues", headers=bearer(first_token)).status_code == 401
    assert client.get("/api/v1/revenues", headers=bearer(second_token)).status_code == 200
    assert tenant.http.get("/api/v1/ping").status_code == 200


def test_revoking_an_unknown_client_is_404(tenant: Tenant) -> None:
    assert_problem(tenant.http.delete(f"/api/v1/oauth-clients/{UNKNOWN_ID}"), 404)


# --- tenancy --------------------------------------------------------------------------


def test_tokens_and_clients_stay_in_their_workspace(
    tenant: Tenant, other_tenant: Tenant, client: TestClient
) -> None:
    tenant.source("ours")
    other_tenant.source("theirs")
    ours = new_client(tenant, "read:sources", name="ours")
    theirs = new_client(other_tenant, "read:sources", name="theirs")
    our_token, their_token = get_token(client, ours), get_token(client, theirs)

    assert client.get("/api/v1/ping", headers=bearer(our_token)).json()["workspace_id"] == (
        tenant.workspace_id
    )
    seen = client.get("/api/v1/revenue-sources", headers=bearer(our_token)).json()["data"]
    assert [s["name"] for s in seen] == ["ours"]
    seen = client.get("/api/v1/revenue-sources", headers=bearer(their_token)).json()["data"]
    assert [s["name"] for s in seen] == ["theirs"]

    assert [c["name"] for c in tenant.http.get("/api/v1/oauth-clients").json()["data"]] == ["ours"]
    # Another workspace's client cannot be revoked: 404, and its token keeps working.
    assert_problem(tenant.http.delete(f"/api/v1/oauth-clients/{theirs['id']}"), 404)
    assert client.get("/api/v1/revenue-sources", headers=bearer(their_token)).status_code == 200
    # Nor can one client's secret be paired with another's id.
    mixed = {"client_id": theirs["client_id"], "client_secret": ours["client_secret"]}
    assert_oauth_error(request_token(client, mixed), 401, "invalid_client")


# --- storage --------------------------------------------------------------------------


def test_secrets_and_tokens_are_stored_only_as_hashes(
    tenant: Tenant, client: TestClient, database: Database
) -> None:
    oauth_client = new_client(tenant, "read:revenues")
    token = get_token(client, oauth_client)
    with database.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT * FROM oauth_clients WHERE workspace_id = :w"),
            {"w": tenant.workspace_id},
        ).all()
        rows += conn.execute(
            text("SELECT * FROM oauth_access_tokens WHERE workspace_id = :w"),
            {"w": tenant.workspace_id},
        ).all()
    assert len(rows) == 2
    stored = " ".join(str(value) for row in rows for value in row)
    for secret in (oauth_client["client_secret"], token):
        assert secret not in stored
        assert secret[10:] not in stored


# --- documentation --------------------------------------------------------------------


def test_openapi_documents_the_oauth_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for method in ("post", "get"):
        assert "scope: admin" in paths["/api/v1/oauth-clients"][method]["summary"]
    assert "scope: admin" in paths["/api/v1/oauth-clients/{client_id}"]["delete"]["summary"]
    token = paths[TOKEN_URL]["post"]
    assert token["security"] == []
    form = token["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert {"grant_type", "client_id", "client_secret", "scope"} <= set(form["properties"])
    assert {"200", "400", "401"} <= set(token["responses"])
