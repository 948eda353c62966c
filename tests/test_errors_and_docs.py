"""One error format (RFC 9457 problem+json), request ids, and the OpenAPI document."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from revledger.app import create_app
from revledger.db import Database
from tests.conftest import Tenant, sale

PROBLEM = "application/problem+json"

ENDPOINTS = [
    "/api/v1/ping",
    "/api/v1/api-keys",
    "/api/v1/api-keys/{key_id}",
    "/api/v1/revenue-sources",
    "/api/v1/revenue-sources/{source_id}",
    "/api/v1/revenues",
    "/api/v1/revenues/batch",
    "/api/v1/revenues/export",
    "/api/v1/revenues/{revenue_id}",
]

# The scope each operation needs (and that its documentation must name).
SCOPED_OPERATIONS = {
    ("post", "/api/v1/api-keys"): "admin",
    ("get", "/api/v1/api-keys"): "admin",
    ("delete", "/api/v1/api-keys/{key_id}"): "admin",
    ("post", "/api/v1/revenue-sources"): "write:sources",
    ("get", "/api/v1/revenue-sources"): "read:sources",
    ("get", "/api/v1/revenue-sources/{source_id}"): "read:sources",
    ("post", "/api/v1/revenues"): "write:revenues",
    ("get", "/api/v1/revenues"): "read:revenues",
    ("post", "/api/v1/revenues/batch"): "write:revenues",
    ("get", "/api/v1/revenues/export"): "read:revenues",
    ("get", "/api/v1/revenues/{revenue_id}"): "read:revenues",
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}
UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body.get("type"), str)
    assert response.headers.get("x-request-id")
    return body


def assert_field_errors(body: dict[str, Any]) -> list[str]:
    errors = body["errors"]
    assert isinstance(errors, list) and errors
    for error in errors:
        assert set(error) == {"field", "message"}
        assert isinstance(error["field"], str) and error["field"]
        assert isinstance(error["message"], str) and error["message"]
    return [e["field"] for e in errors]


# --- problem details ------------------------------------------------------------------


def _error_cases(tenant: Tenant) -> list[tuple[str, str, dict[str, Any], int]]:
    source_id = tenant.source("errors-src", default_currency="USD")
    weak = tenant.key("read:revenues")
    return [
        ("GET", "/api/v1/ping", {"headers": {"Authorization": "Bearer nope"}}, 401),
        ("GET", "/api/v1/revenue-sources", {"headers": {"Authorization": f"Bearer {weak}"}}, 403),
        ("GET", f"/api/v1/revenue-sources/{UNKNOWN_ID}", {}, 404),
        ("GET", f"/api/v1/revenues/{UNKNOWN_ID}", {}, 404),
        ("DELETE", f"/api/v1/api-keys/{UNKNOWN_ID}", {}, 404),
        ("GET", "/api/v1/no-such-thing", {}, 404),
        ("GET", "/no-such-page", {}, 404),
        ("PUT", f"/api/v1/revenues/{UNKNOWN_ID}", {"json": {}}, 405),
        ("DELETE", "/api/v1/revenue-sources", {}, 405),
        ("POST", "/api/v1/revenue-sources", {"json": {"name": "errors-src"}}, 409),
        ("POST", "/api/v1/revenue-sources", {"json": {}}, 422),
        ("POST", "/api/v1/revenues", {"json": sale(source_id, "e1", amount="1.0001")}, 422),
        ("GET", "/api/v1/revenues", {"params": {"per_page": 1000}}, 422),
    ]


def test_every_error_is_problem_json(tenant: Tenant) -> None:
    for method, path, kwargs, status in _error_cases(tenant):
        response = tenant.http.request(method, path, **kwargs)
        body = assert_problem(response, status)
        if status == 422:
            assert_field_errors(body)


def test_unknown_route_is_problem_json(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/definitely/not/here"), 404)
    assert body["title"] == "Not Found"


def test_validation_errors_name_each_field(tenant: Tenant) -> None:
    response = tenant.http.post(
        "/api/v1/revenue-sources", json={"kind": "", "default_currency": "XYZ"}
    )
    body = assert_problem(response, 422)
    assert sorted(assert_field_errors(body)) == ["default_currency", "kind", "name"]


def test_extra_fields_are_named(tenant: Tenant) -> None:
    body = assert_problem(
        tenant.http.post("/api/v1/revenue-sources", json={"name": "x", "colour": "red"}), 422
    )
    assert assert_field_errors(body) == ["colour"]


def test_invalid_json_body_is_422_problem(tenant: Tenant) -> None:
    response = tenant.http.post(
        "/api/v1/revenue-sources",
        content=b'{"name": "x",',
        headers={"Content-Type": "application/json"},
    )
    assert_field_errors(assert_problem(response, 422))


def test_401_carries_www_authenticate(client: TestClient) -> None:
    response = client.get("/api/v1/revenues")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_405_names_the_allowed_method(tenant: Tenant) -> None:
    response = tenant.http.delete(f"/api/v1/revenues/{UNKNOWN_ID}")
    body = assert_problem(response, 405)
    assert response.headers["allow"] == "GET"
    assert "immutable" in body["detail"]


# --- request ids ----------------------------------------------------------------------


def test_every_response_has_a_request_id(tenant: Tenant, client: TestClient) -> None:
    responses = [
        tenant.http.get("/api/v1/ping"),
        tenant.http.get("/api/v1/revenue-sources"),
        tenant.http.post("/api/v1/revenue-sources", json={}),
        client.get("/api/v1/ping"),
        client.get("/nowhere"),
        client.get("/openapi.json"),
        client.get("/docs"),
    ]
    ids = [r.headers.get("x-request-id") for r in responses]
    assert all(ids), ids
    assert len(set(ids)) == len(ids), "each request gets its own id"


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/api/v1/ping"), ("GET", "/nowhere"), ("POST", "/api/v1/ping")]
)
def test_client_request_id_is_echoed(tenant: Tenant, method: str, path: str) -> None:
    response = tenant.http.request(method, path, headers={"X-Request-ID": "client-req-42.a:b"})
    assert response.headers["x-request-id"] == "client-req-42.a:b"


@pytest.mark.parametrize("given", ["has spaces in it", "x" * 500, "<script>"])
def test_unsafe_client_request_id_is_replaced(tenant: Tenant, given: str) -> None:
    response = tenant.http.get("/api/v1/ping", headers={"X-Request-ID": given})
    assert response.status_code == 200
    assert response.headers["x-request-id"]
    assert response.headers["x-request-id"] != given


# --- unexpected errors ----------------------------------------------------------------


@pytest.fixture
def failing_client(database: Database) -> TestClient:
    app = create_app(database)

    @app.get("/api/v1/_boom")
    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    return TestClient(app, raise_server_exceptions=False)


def test_unexpected_error_is_a_bare_500_problem(failing_client: TestClient) -> None:
    response = failing_client.get("/api/v1/_boom")
    body = assert_problem(response, 500)
    assert body["title"] == "Internal Server Error"
    for leak in ("Traceback", "RuntimeError", "hunter2", "secret internals", 'File "'):
        assert leak not in response.text
    assert set(body) <= {"type", "title", "status", "detail"}


def test_unexpected_error_quotes_the_request_id(failing_client: TestClient) -> None:
    """The 500 tells the client which request id to quote, and it is this request's id."""
    response = failing_client.get("/api/v1/_boom", headers={"X-Request-ID": "req-boom-1"})
    body = assert_problem(response, 500)
    assert response.headers["x-request-id"] == "req-boom-1"
    assert "req-boom-1" in body["detail"]

    generated = failing_client.get("/api/v1/_boom")
    request_id = generated.headers["x-request-id"]
    assert re.fullmatch(r"[A-Za-z0-9._:\-]{8,128}", request_id), request_id
    assert request_id in generated.json()["detail"]


# --- OpenAPI and docs -----------------------------------------------------------------


@pytest.fixture
def openapi(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    schema: dict[str, Any] = response.json()
    return schema


def test_openapi_lists_every_endpoint(openapi: dict[str, Any]) -> None:
    paths = openapi["paths"]
    for path in ENDPOINTS:
        assert path in paths, path
    documented = {
        (method, path) for path, item in paths.items() for method in item if method in HTTP_METHODS
    }
    assert set(SCOPED_OPERATIONS) <= documented
    assert ("get", "/api/v1/ping") in documented


def test_openapi_operations_name_their_scope(openapi: dict[str, Any]) -> None:
    paths = openapi["paths"]
    for (method, path), scope in SCOPED_OPERATIONS.items():
        operation = paths[path][method]
        text = f"{operation.get('summary', '')} {operation.get('description', '')}"
        assert re.search(rf"(?<![\w:]){re.escape(scope)}(?![\w:])", text), (method, path, text)
        # ...and no other scope is named as the requirement.
        named = set(re.findall(r"scope: ?([a-z]+(?::[a-z]+)?)", text))
        assert named <= {scope}, (method, path, named)
    ping = paths["/api/v1/ping"]["get"]
    ping_text = f"{ping.get('summary', '')} {ping.get('description', '')}".lower()
    assert "any valid key" in ping_text


def test_openapi_documents_auth_and_problem_errors(openapi: dict[str, Any]) -> None:
    assert openapi["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
    }
    for (method, path), _scope in SCOPED_OPERATIONS.items():
        responses = openapi["paths"][path][method]["responses"]
        for status in ("401", "403"):
            assert status in responses, (method, path, status)
            assert PROBLEM in responses[status]["content"], (method, path, status)


def test_docs_serve_html(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "swagger" in response.text.lower()
    assert "/openapi.json" in response.text


def test_operation_ids_are_unique(openapi: dict[str, Any]) -> None:
    """OpenAPI requires unique operationIds; client generators key methods on them."""
    ids = [
        operation["operationId"]
        for item in openapi["paths"].values()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, duplicates
