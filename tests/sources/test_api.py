"""Revenue sources, through HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant

PROBLEM = "application/problem+json"
SOURCES = "/api/v1/revenue-sources"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["detail"]
    return body


def fields(body: dict[str, Any]) -> list[str]:
    return [e["field"] for e in body["errors"]]


# --- create ---------------------------------------------------------------------------


def test_create_source(tenant: Tenant) -> None:
    response = tenant.http.post(
        SOURCES, json={"name": "stripe", "kind": "stripe", "default_currency": "USD"}
    )
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert set(data) == {"id", "name", "kind", "default_currency", "recognition_rule", "created_at"}
    assert data["name"] == "stripe"
    assert data["kind"] == "stripe"
    assert data["default_currency"] == "USD"
    assert datetime.fromisoformat(data["created_at"]).utcoffset() is not None

    fetched = tenant.http.get(f"{SOURCES}/{data['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == {"data": data}


def test_only_name_is_required(tenant: Tenant) -> None:
    response = tenant.http.post(SOURCES, json={"name": "manual"})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["name"] == "manual"
    assert data["kind"] is None
    assert data["default_currency"] is None
    assert tenant.http.get(f"{SOURCES}/{data['id']}").json()["data"] == data


def test_duplicate_name_is_409(tenant: Tenant) -> None:
    first = tenant.http.post(SOURCES, json={"name": "stripe", "kind": "stripe"})
    assert first.status_code == 201
    second = tenant.http.post(SOURCES, json={"name": "stripe", "default_currency": "EUR"})
    assert "stripe" in assert_problem(second, 409)["detail"]
    listed = tenant.http.get(SOURCES).json()
    assert listed["meta"]["total"] == 1
    assert listed["data"] == [first.json()["data"]]


def test_same_name_in_another_workspace_is_fine(tenant: Tenant, other_tenant: Tenant) -> None:
    ours = tenant.http.post(SOURCES, json={"name": "stripe"})
    theirs = other_tenant.http.post(SOURCES, json={"name": "stripe"})
    assert ours.status_code == 201, ours.text
    assert theirs.status_code == 201, theirs.text
    assert ours.json()["data"]["id"] != theirs.json()["data"]["id"]


@pytest.mark.parametrize("given", ["eur", "Eur", "eUR", "EUR"])
def test_currency_in_any_case_is_stored_upper_case(tenant: Tenant, given: str) -> None:
    response = tenant.http.post(SOURCES, json={"name": "app-store", "default_currency": given})
    assert response.status_code == 201, response.text
    source = response.json()["data"]
    assert source["default_currency"] == "EUR"
    assert tenant.http.get(f"{SOURCES}/{source['id']}").json()["data"]["default_currency"] == "EUR"


@pytest.mark.parametrize("currency", ["XYZ", "US", "USDD", "", "dollars", 840])
def test_unknown_currency_is_422(tenant: Tenant, currency: Any) -> None:
    response = tenant.http.post(SOURCES, json={"name": "bad", "default_currency": currency})
    body = assert_problem(response, 422)
    assert fields(body) == ["default_currency"]
    assert tenant.http.get(SOURCES).json()["meta"]["total"] == 0


def test_missing_name_is_422(tenant: Tenant) -> None:
    body = assert_problem(tenant.http.post(SOURCES, json={"kind": "stripe"}), 422)
    assert fields(body) == ["name"]
    assert tenant.http.get(SOURCES).json()["meta"]["total"] == 0


def test_empty_name_is_422(tenant: Tenant) -> None:
    body = assert_problem(tenant.http.post(SOURCES, json={"name": ""}), 422)
    assert fields(body) == ["name"]


# --- read -----------------------------------------------------------------------------


def test_list_with_pagination(tenant: Tenant) -> None:
    ids = {tenant.source(f"src-{n}") for n in range(5)}

    default = tenant.http.get(SOURCES).json()
    assert default["meta"] == {"current_page": 1, "last_page": 1, "per_page": 25, "total": 5}
    assert {s["id"] for s in default["data"]} == ids

    seen: list[str] = []
    for page in (1, 2, 3):
        response = tenant.http.get(SOURCES, params={"per_page": 2, "page": page})
        assert response.status_code == 200
        body = response.json()
        assert body["meta"] == {"current_page": page, "last_page": 3, "per_page": 2, "total": 5}
        assert len(body["data"]) == (2 if page < 3 else 1)
        seen += [s["id"] for s in body["data"]]
    assert sorted(seen) == sorted(ids)  # every source once, none twice

    beyond = tenant.http.get(SOURCES, params={"per_page": 2, "page": 4}).json()
    assert beyond["data"] == []
    assert beyond["meta"]["total"] == 5


def test_empty_list(tenant: Tenant) -> None:
    body = tenant.http.get(SOURCES).json()
    assert body == {
        "data": [],
        "meta": {"current_page": 1, "last_page": 1, "per_page": 25, "total": 0},
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"per_page": 0}, "per_page"),
        ({"per_page": 101}, "per_page"),
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
    ],
)
def test_bad_paging_is_422(tenant: Tenant, params: dict[str, Any], field: str) -> None:
    body = assert_problem(tenant.http.get(SOURCES, params=params), 422)
    assert fields(body) == [field]


def test_unknown_id_is_404(tenant: Tenant) -> None:
    assert_problem(tenant.http.get(f"{SOURCES}/01900000-0000-7000-8000-000000000000"), 404)
    assert_problem(tenant.http.get(f"{SOURCES}/not-an-id"), 404)


def test_workspaces_are_isolated(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = other_tenant.source("their-secret-source")
    ours = tenant.source("ours")

    assert_problem(tenant.http.get(f"{SOURCES}/{theirs}"), 404)
    listed = tenant.http.get(SOURCES).json()
    assert [s["id"] for s in listed["data"]] == [ours]
    assert listed["meta"]["total"] == 1
    assert "their-secret-source" not in tenant.http.get(SOURCES).text

    assert other_tenant.http.get(f"{SOURCES}/{theirs}").status_code == 200
    assert_problem(other_tenant.http.get(f"{SOURCES}/{ours}"), 404)


# --- concurrency ----------------------------------------------------------------------


def test_parallel_creates_of_one_name_give_one_201(live_tenant: Tenant) -> None:
    http: httpx.Client = live_tenant.http
    n = 20
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def post() -> None:
        try:
            barrier.wait(timeout=30)
            response = http.post(SOURCES, json={"name": "raced", "kind": "stripe"})
            with lock:
                statuses.append(response.status_code)
        except BaseException as exc:  # surfaced below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=post) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(statuses) == [201] + [409] * (n - 1)

    listed = http.get(SOURCES).json()
    assert [s["name"] for s in listed["data"]] == ["raced"]
    assert listed["meta"]["total"] == 1
