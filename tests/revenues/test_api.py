"""POST/GET revenues exactly as seed 000, on SQLite and PostgreSQL through HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Tenant, sale

PROBLEM = "application/problem+json"


def post(tenant: Tenant, record: dict[str, Any]) -> Any:
    return tenant.http.post("/api/v1/revenues", json=record)


def field_errors(response: Any) -> dict[str, str]:
    assert response.headers["content-type"].startswith(PROBLEM), response.text
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_create_returns_201_with_the_full_record(tenant: Tenant) -> None:
    source = tenant.source()
    record = sale(
        source,
        "invoice_123",
        external_product_identifier="sku_annual_pro",
        description="Annual plan",
        metadata={"plan": "pro", "seats": 3},
        currency="usd",
        occurred_at="2026-05-31T12:00:00+02:00",
    )
    response = post(tenant, record)
    assert response.status_code == 201
    body = response.json()
    assert body["outcome"] == "created"
    data = body["data"]
    assert set(data) == {
        "id",
        "revenue_source_id",
        "external_id",
        "external_product_identifier",
        "type",
        "amount",
        "currency",
        "occurred_at",
        "description",
        "metadata",
        "created_at",
    }
    assert data["amount"] == "249.000"
    assert data["currency"] == "USD"
    assert data["occurred_at"] == "2026-05-31T10:00:00+00:00"
    assert data["revenue_source_id"] == source
    assert data["external_product_identifier"] == "sku_annual_pro"
    assert data["metadata"] == {"plan": "pro", "seats": 3}
    fetched = tenant.http.get(f"/api/v1/revenues/{data['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == {"data": data}


@pytest.mark.parametrize(
    ("type_", "amount", "expected"),
    [
        ("sale", "49.5", "49.500"),
        ("sale", 12, "12.000"),
        ("refund", "-49.500", "-49.500"),
        ("refund", -0.001, "-0.001"),
        ("adjustment", "-3.25", "-3.250"),
        ("adjustment", "999999999999.999", "999999999999.999"),
        ("sale", 0.1, "0.100"),
        ("sale", "1.5000", "1.500"),
    ],
)
def test_amounts_are_exact_decimals_with_three_places(
    tenant: Tenant, type_: str, amount: Any, expected: str
) -> None:
    source = tenant.source()
    response = post(tenant, sale(source, "x1", type=type_, amount=amount))
    assert response.status_code == 201, response.text
    assert response.json()["data"]["amount"] == expected


def test_json_numbers_are_not_rounded_through_float(tenant: Tenant) -> None:
    source = tenant.source()
    raw = (
        f'{{"revenue_source_id": "{source}", "type": "sale", "amount": 1.0000000000000001,'
        ' "currency": "USD", "occurred_at": "2026-05-31T10:00:00Z", "external_id": "f1"}'
    )
    response = tenant.http.post(
        "/api/v1/revenues", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "amount" in field_errors(response)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": "sale", "amount": "0"}, "amount"),
        ({"type": "sale", "amount": "-1"}, "amount"),
        ({"type": "refund", "amount": "5"}, "amount"),
        ({"type": "adjustment", "amount": "0.000"}, "amount"),
        ({"amount": "1.0001"}, "amount"),
        ({"amount": "1000000000000"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1e3"}, "amount"),
        ({"amount": True}, "amount"),
        ({"type": "credit"}, "type"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "US"}, "currency"),
        ({"occurred_at": "2026-05-31T10:00:00"}, "occurred_at"),
        ({"occurred_at": "31/05/2026"}, "occurred_at"),
        ({"occurred_at": "2026-02-30T10:00:00Z"}, "occurred_at"),
        ({"occurred_at": "0001-01-01T00:00:00+01:00"}, "occurred_at"),
        ({"occurred_at": "9999-12-31T20:00:00Z"}, "occurred_at"),
        ({"occurred_at": "1899-12-31T23:59:59Z"}, "occurred_at"),
        ({"external_id": "nul\u0000"}, "external_id"),
        ({"description": "nul\u0000"}, "description"),
        ({"external_id": ""}, "external_id"),
        ({"external_id": "x" * 256}, "external_id"),
        ({"description": "d" * 1001}, "description"),
        ({"metadata": {"k": "v" * 2000}}, "metadata"),
        ({"metadata": ["not", "an", "object"]}, "metadata"),
        ({"revenue_source_id": "no-such-source"}, "revenue_source_id"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(
    tenant: Tenant, overrides: dict[str, Any], field: str
) -> None:
    source = tenant.source()
    record = sale(source, "bad")
    record.update(overrides)
    response = post(tenant, record)
    assert response.status_code == 422, response.text
    errors = field_errors(response)
    assert field in errors, errors
    assert errors[field]
    listed = tenant.http.get("/api/v1/revenues").json()
    assert listed["meta"]["total"] == 0


def test_naive_timestamp_message_says_the_offset_is_missing(tenant: Tenant) -> None:
    source = tenant.source()
    response = post(tenant, sale(source, "n1", occurred_at="2026-05-31T10:00:00"))
    assert "timezone" in field_errors(response)["occurred_at"]


def test_missing_required_fields_are_each_named(tenant: Tenant) -> None:
    response = post(tenant, {})
    assert response.status_code == 422
    assert set(field_errors(response)) >= {
        "revenue_source_id",
        "type",
        "amount",
        "currency",
        "occurred_at",
        "external_id",
    }


def test_metadata_at_the_size_limit_is_accepted(tenant: Tenant) -> None:
    source = tenant.source()
    metadata = {"k": "v" * (2000 - len('{"k":""}'))}
    assert post(tenant, sale(source, "m1", metadata=metadata)).status_code == 201
    metadata = {"k": "v" * (2001 - len('{"k":""}'))}
    assert post(tenant, sale(source, "m2", metadata=metadata)).status_code == 422


def test_source_of_another_workspace_is_rejected(tenant: Tenant, other_tenant: Tenant) -> None:
    foreign = other_tenant.source()
    response = post(tenant, sale(foreign, "x"))
    assert response.status_code == 422
    assert "revenue_source_id" in field_errors(response)


def test_duplicate_external_id_returns_the_stored_record(tenant: Tenant) -> None:
    source = tenant.source()
    first = post(tenant, sale(source, "invoice_123"))
    assert first.status_code == 201
    again = post(tenant, sale(source, "invoice_123"))
    assert again.status_code == 200
    body = again.json()
    assert body["outcome"] == "skipped_duplicate"
    assert body["data"] == first.json()["data"]
    assert "mismatched_fields" not in body


def test_duplicate_with_a_different_payload_names_the_fields_and_keeps_the_stored_one(
    tenant: Tenant,
) -> None:
    source = tenant.source()
    original = post(tenant, sale(source, "inv", metadata={"a": 1})).json()["data"]
    retry = post(
        tenant,
        sale(
            source,
            "inv",
            amount="250.000",
            currency="EUR",
            occurred_at="2026-06-01T10:00:00Z",
            description="changed",
            metadata={"a": 2},
        ),
    )
    assert retry.status_code == 200
    body = retry.json()
    assert body["outcome"] == "skipped_duplicate"
    assert body["mismatched_fields"] == [
        "amount",
        "currency",
        "occurred_at",
        "description",
        "metadata",
    ]
    assert body["data"] == original
    assert tenant.http.get(f"/api/v1/revenues/{original['id']}").json()["data"] == original


def test_equal_values_in_another_spelling_are_not_a_mismatch(tenant: Tenant) -> None:
    source = tenant.source()
    post(tenant, sale(source, "inv", amount="249", metadata={"a": 1, "b": 2}))
    retry = post(
        tenant,
        sale(
            source,
            "inv",
            amount=249.0,
            currency="usd",
            occurred_at="2026-05-31T12:00:00+02:00",
            metadata={"b": 2, "a": 1},
        ),
    )
    assert retry.status_code == 200
    assert "mismatched_fields" not in retry.json()


def test_same_external_id_under_another_source_is_a_new_record(tenant: Tenant) -> None:
    stripe = tenant.source("stripe")
    apple = tenant.source("app-store")
    a = post(tenant, sale(stripe, "txn_1"))
    b = post(tenant, sale(apple, "txn_1"))
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["data"]["id"] != b.json()["data"]["id"]


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_records_are_immutable(tenant: Tenant, method: str) -> None:
    source = tenant.source()
    created = post(tenant, sale(source, "imm")).json()["data"]
    response = tenant.http.request(method, f"/api/v1/revenues/{created['id']}", json={})
    assert response.status_code == 405
    assert response.headers["content-type"].startswith(PROBLEM)
    detail = response.json()["detail"]
    assert "refund" in detail and "adjustment" in detail
    assert tenant.http.get(f"/api/v1/revenues/{created['id']}").json()["data"] == created


def test_get_of_another_workspaces_record_is_404(tenant: Tenant, other_tenant: Tenant) -> None:
    source = other_tenant.source()
    foreign = post(other_tenant, sale(source, "secret")).json()["data"]["id"]
    response = tenant.http.get(f"/api/v1/revenues/{foreign}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert tenant.http.get("/api/v1/revenues").json()["data"] == []


def test_scopes_are_enforced(tenant: Tenant) -> None:
    source = tenant.source()
    reader = tenant.key("read:revenues")
    writer = tenant.key("write:revenues")
    as_reader = {"Authorization": f"Bearer {reader}"}
    as_writer = {"Authorization": f"Bearer {writer}"}
    denied = tenant.http.post("/api/v1/revenues", json=sale(source, "s"), headers=as_reader)
    assert denied.status_code == 403
    assert "write:revenues" in denied.json()["detail"]
    assert (
        tenant.http.post("/api/v1/revenues", json=sale(source, "s"), headers=as_writer).status_code
        == 201
    )
    denied = tenant.http.get("/api/v1/revenues", headers=as_writer)
    assert denied.status_code == 403
    assert "read:revenues" in denied.json()["detail"]
    assert tenant.http.get("/api/v1/revenues", headers=as_reader).status_code == 200
    assert (
        tenant.http.get("/api/v1/revenues", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/revenues/%00",
        "/api/v1/revenues?search=%00",
        "/api/v1/revenues?revenue_source_id=%00",
        "/api/v1/revenues?date_to=9999-12-31",
        "/api/v1/revenues?date_from=0001-01-01T00:00:00%2B01:00",
        "/api/v1/revenues?page=100000000000000000000",
        "/api/v1/revenue-sources/%00",
        "/api/v1/revenues/export?search=%00",
    ],
)
def test_hostile_urls_are_4xx_never_500(tenant: Tenant, path: str) -> None:
    response = tenant.http.get(path)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    "body",
    [b'{"name": "\xff"}', b'{"name": "x", "kind": NaN}', b'{"name": 1' + b"0" * 5000 + b"}"],
)
def test_malformed_json_is_422(tenant: Tenant, body: bytes) -> None:
    response = tenant.http.post(
        "/api/v1/revenue-sources", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
