"""Upload templates: built-ins, a workspace's own, versions, validation, scopes."""

from __future__ import annotations

from typing import Any

from tests.conftest import Tenant
from tests.uploads.helpers import get, upload

REVENUE_FIELDS = [
    "revenue_source_id",
    "type",
    "amount",
    "currency",
    "occurred_at",
    "external_id",
    "external_product_identifier",
    "description",
    "metadata",
]


def custom(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "shop-export",
        "target": "revenues",
        "columns": [
            {"header": "Order", "field": "external_id", "required": True},
            {"header": "Date", "field": "occurred_at", "required": True},
            {"header": "Total", "field": "amount", "required": True},
            {"header": "Currency", "field": "currency", "required": False, "default": "EUR"},
            {"header": "Kind", "field": "type", "required": False, "default": "sale"},
            {"header": "Channel", "field": "metadata.channel"},
        ],
        "date_format": "%d/%m/%Y %H:%M",
        "timezone": "Europe/Paris",
        "delimiter": ";",
        "decimal_separator": ",",
    }
    body.update(overrides)
    return body


def test_builtin_templates_use_the_api_field_names(tenant: Tenant) -> None:
    response = tenant.http.get("/api/v1/upload-templates")
    assert response.status_code == 200, response.text
    by_name = {t["name"]: t for t in response.json()["data"]}
    assert {"revenues", "customers", "plans", "invoices", "allocora-revenues"} <= set(by_name)
    revenues = by_name["revenues"]
    assert revenues["builtin"] is True and revenues["version"] == 1
    assert [c["header"] for c in revenues["columns"]][: len(REVENUE_FIELDS)] == REVENUE_FIELDS
    assert all(c["header"] == c["field"] for c in revenues["columns"])
    required = {c["header"] for c in revenues["columns"] if c["required"]}
    assert required == {"type", "amount", "currency", "occurred_at", "external_id"}
    invoices = [c["header"] for c in by_name["invoices"]["columns"]]
    assert invoices[:3] == ["id", "customer_id", "data_source"]
    assert "amount_cents" in invoices and "start_date" in invoices
    allocora = {c["header"]: c["field"] for c in by_name["allocora-revenues"]["columns"]}
    assert allocora["external_revenue_id"] == "external_id"
    assert allocora["transaction_date"] == "occurred_at"
    assert allocora["revenue_type"] == "type"
    assert allocora["external_product_id"] == "external_product_identifier"
    assert allocora["metadata_*"] == "metadata.*"
    assert {"amount", "currency"} <= set(allocora)


def test_changing_a_template_makes_a_new_version(tenant: Tenant) -> None:
    first = tenant.http.post("/api/v1/upload-templates", json=custom())
    assert first.status_code == 201, first.text
    assert first.json()["data"]["version"] == 1
    same = tenant.http.post("/api/v1/upload-templates", json=custom())
    assert same.status_code == 200
    assert same.json()["data"]["version"] == 1
    changed = tenant.http.post("/api/v1/upload-templates", json=custom(timezone="UTC"))
    assert changed.status_code == 201
    assert changed.json()["data"]["version"] == 2

    latest = tenant.http.get("/api/v1/upload-templates/shop-export").json()["data"]
    assert latest["version"] == 2 and latest["timezone"] == "UTC"
    older = tenant.http.get("/api/v1/upload-templates/shop-export", params={"version": 1})
    assert older.json()["data"]["timezone"] == "Europe/Paris"
    listed = [t for t in tenant.http.get("/api/v1/upload-templates").json()["data"]]
    assert [t["version"] for t in listed if t["name"] == "shop-export"] == [2]
    assert tenant.http.get("/api/v1/upload-templates/nope").status_code == 404

    # Every upload records the template and version it used.
    source = tenant.source("shop")
    text = "Order;Date;Total\no-1;31/05/2026 12:00;1.249,50\n"
    data = upload(tenant, text, template="shop-export", source=source)
    assert (data["template"], data["template_version"]) == ("shop-export", 2)
    done = get(tenant, data["id"])
    assert done["status"] == "completed", done
    revenue = tenant.http.get("/api/v1/revenues").json()["data"][0]
    # 12:00 read in UTC (version 2), decimal comma with a dot for thousands, defaults.
    assert revenue["occurred_at"] == "2026-05-31T12:00:00+00:00"
    assert revenue["amount"] == "1249.500"
    assert (revenue["currency"], revenue["type"]) == ("EUR", "sale")


def test_template_formats_and_metadata_columns(tenant: Tenant) -> None:
    assert tenant.http.post("/api/v1/upload-templates", json=custom()).status_code == 201
    source = tenant.source("shop")
    text = "Order;Date;Total;Kind;Channel\no-1;01/03/2026 09:30;-12,5;refund;web\n"
    done = get(tenant, upload(tenant, text, template="shop-export", source=source)["id"])
    assert done["status"] == "completed", done
    [revenue] = tenant.http.get("/api/v1/revenues").json()["data"]
    # Paris is UTC+1 on 1 March.
    assert revenue["occurred_at"] == "2026-03-01T08:30:00+00:00"
    assert revenue["amount"] == "-12.500"
    full = tenant.http.get(f"/api/v1/revenues/{revenue['id']}").json()["data"]
    assert full["metadata"] == {"channel": "web"}


def test_invalid_templates_are_422_naming_the_field(tenant: Tenant) -> None:
    cases = [
        (custom(target="nope"), "target"),
        (custom(columns=[{"header": "x", "field": "bogus"}]), "columns.0.field"),
        (custom(date_format="%Q"), "date_format"),
        (custom(timezone="Mars/Base"), "timezone"),
        (custom(name="revenues"), "name"),
        (custom(columns=[{"header": "Order", "field": "external_id"}]), "columns"),
    ]
    for body, field in cases:
        response = tenant.http.post("/api/v1/upload-templates", json=body)
        assert response.status_code == 422, (body, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], response.text


def test_template_scopes(tenant: Tenant) -> None:
    reader = tenant.key("read:uploads")
    writer = tenant.key("write:uploads")
    http = tenant.http
    listed = http.get("/api/v1/upload-templates", headers={"Authorization": f"Bearer {reader}"})
    assert listed.status_code == 200
    denied = http.post(
        "/api/v1/upload-templates", json=custom(), headers={"Authorization": f"Bearer {reader}"}
    )
    assert denied.status_code == 403 and "write:uploads" in denied.json()["detail"]
    allowed = http.post(
        "/api/v1/upload-templates", json=custom(), headers={"Authorization": f"Bearer {writer}"}
    )
    assert allowed.status_code == 201


def test_templates_belong_to_their_workspace(tenant: Tenant, other_tenant: Tenant) -> None:
    assert tenant.http.post("/api/v1/upload-templates", json=custom()).status_code == 201
    assert other_tenant.http.get("/api/v1/upload-templates/shop-export").status_code == 404


# --- PUT /upload-templates/{name}: its body is validated as every body is --------------


def _field_errors(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 422 and body["detail"]
    return [e["field"] for e in body["errors"]]


def _versions(tenant: Tenant, name: str) -> int | None:
    response = tenant.http.get(f"/api/v1/upload-templates/{name}")
    return int(response.json()["data"]["version"]) if response.status_code == 200 else None


def test_put_creates_then_versions_a_template(tenant: Tenant) -> None:
    body = {k: v for k, v in custom().items() if k != "name"}
    first = tenant.http.put("/api/v1/upload-templates/shop-export", json=body)
    assert first.status_code == 201, first.text
    assert (first.json()["data"]["name"], first.json()["data"]["version"]) == ("shop-export", 1)
    same = tenant.http.put("/api/v1/upload-templates/shop-export", json=custom())
    assert same.status_code == 200 and same.json()["data"]["version"] == 1
    changed = tenant.http.put(
        "/api/v1/upload-templates/shop-export", json={**body, "delimiter": ","}
    )
    assert changed.status_code == 201 and changed.json()["data"]["version"] == 2


def test_put_with_a_bad_body_is_a_422_naming_the_field(tenant: Tenant) -> None:
    """Was a 500: the body was validated by hand and pydantic's error escaped."""
    path = "/api/v1/upload-templates/shop-export"
    cases: list[tuple[Any, list[str]]] = [
        ({"target": "revenues"}, ["columns"]),
        ({**custom(), "target": "refunds"}, ["target"]),
        ({**custom(), "columns": []}, ["columns"]),
        ({**custom(), "columns": [{"header": "", "field": "amount"}]}, ["columns.0.header"]),
        ({**custom(), "delimiter": ";;", "colour": "red"}, ["delimiter", "colour"]),
        ({**custom(), "decimal_separator": 1}, ["decimal_separator"]),
        ({**custom(), "name": None}, ["name"]),
        ({**custom(), "name": ""}, ["name"]),
        (["not", "an", "object"], ["body"]),
        ("shop", ["body"]),
    ]
    for body, fields in cases:
        assert sorted(_field_errors(tenant.http.put(path, json=body))) == sorted(fields), body
    invalid_json = tenant.http.put(
        path, content=b'{"target": ', headers={"Content-Type": "application/json"}
    )
    assert _field_errors(invalid_json)
    assert _versions(tenant, "shop-export") is None, "nothing was written"


def test_put_names_the_path_and_keeps_its_checks(tenant: Tenant) -> None:
    path = "/api/v1/upload-templates/shop-export"
    assert _field_errors(tenant.http.put(path, json=custom(name="other"))) == ["name"]
    assert _field_errors(tenant.http.put("/api/v1/upload-templates/bad name", json=custom())) == [
        "name"
    ]
    builtin = {k: v for k, v in custom().items() if k != "name"}
    assert _field_errors(tenant.http.put("/api/v1/upload-templates/revenues", json=builtin)) == [
        "name"
    ]
    unknown_field = custom(columns=[{"header": "X", "field": "colour"}])
    assert _field_errors(tenant.http.put(path, json=unknown_field))
    assert _versions(tenant, "shop-export") is None
    assert _versions(tenant, "other") is None
