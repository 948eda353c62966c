"""Every operation of /openapi.json answers exactly as the document says.

For each database, one workspace is seeded through the API (sources, revenue records,
customers, plans, invoices, schedules, closed periods and journal batches, templates,
uploads with errors, OAuth clients), then every operation of the document is called
through HTTP with requests that succeed and requests that fail (bad body or parameter,
unknown id, no credential, a credential without the scope, conflicts). Each answer is
checked with schemathesis' response checks: no server error, the status is documented
for the operation, the content type is documented for that status, and the body
conforms to the schema documented for that status and content type. The document is
made strict for the check (an object may hold only the properties it declares), so a
field the API sends but does not document fails too; and a JSON answer whose documented
content has no schema fails (a declaration without a shape checks nothing).

The set of operations called must equal the set in the document, each documented
status of each operation must have been answered at least once, and each operation
with a success status must have succeeded: a new route, or a status declared but never
produced, fails this test until it is covered here.

Then schemathesis generates a few requests per operation from the document, fitting it
and not fitting it (the same ones every run), with the seeded workspace's ids in the
paths: none may answer a server error, and every answer is checked the same way.
"""

from __future__ import annotations

import copy
import csv
import io
import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import update

from revledger.db import Database
from revledger.metrics.jobs import run_until_idle
from revledger.uploads.models import Upload
from tests.conftest import make_tenant, sale

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
KEEP = ("/api/v1/api-keys/", "/api/v1/oauth-clients/")
"""DELETE operations the generated requests leave alone (they revoke credentials)."""
# Documented statuses that no request of this test can produce, with the reason.
RACE = "two requests saving the same template at the same instant"
UNREACHABLE: dict[tuple[str, str, int], str] = {
    ("post", "/api/v1/upload-templates", 409): RACE,
    ("put", "/api/v1/upload-templates/{name}", 409): RACE,
}


def strict(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of the document where an object schema allows only its own properties."""
    out = copy.deepcopy(document)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(out.get("components", {}))
    for item in out["paths"].values():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                walk(operation.get("responses", {}))
    return out


def _describe(exc: BaseException) -> str:
    """Schemathesis' failures, one short line each (the full report is very long)."""
    lines = []
    for failure in getattr(exc, "exceptions", None) or [exc]:
        text = [line for line in str(getattr(failure, "message", failure)).splitlines() if line]
        where = getattr(failure, "instance_path", None)
        at = f" at /{'/'.join(map(str, where))}" if where is not None else ""
        lines.append(f"{getattr(failure, 'title', '')}: {' | '.join(text[:2])[:300]}{at}")
    return "\n    ".join(lines)


def _media(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


@dataclass
class Conformance:
    http: TestClient
    document: dict[str, Any]
    workspace_id: str
    keys: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    """Real values of path parameters, for the generated requests."""
    answered: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.schema = schemathesis.openapi.from_dict(strict(self.document))

    def operation(self, method: str, path: str) -> dict[str, Any]:
        found: dict[str, Any] = self.document["paths"][path][method.lower()]
        return found

    def call(
        self,
        method: str,
        path: str,
        status: int,
        *,
        path_params: dict[str, str] | None = None,
        key: str | None = "admin",
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send one request to a documented operation and check its answer."""
        method = method.lower()
        params = path_params or {}
        url = path.format(**{k: quote(v, safe="") for k, v in params.items()})
        sent = dict(headers or {})
        if key is not None:
            sent["Authorization"] = f"Bearer {self.keys[key]}"
        response = self.http.request(method.upper(), url, headers=sent, **kwargs)
        label = f"{method.upper()} {path} (expected {status})"
        self.answered.setdefault((method, path), set()).add(response.status_code)
        if response.status_code != status:
            self.failures.append(f"{label}: answered {response.status_code}: {response.text}")
        self._declared(label, method, path, response)
        case = self.schema[path][method.upper()].Case(path_parameters=params)
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis failures
            self.failures.append(f"{label}: {_describe(exc)}\n    body: {response.text[:300]}")
        return response

    def _declared(self, label: str, method: str, path: str, response: Any) -> None:
        """The answer's status and content type are declared with a schema."""
        declared = self.operation(method, path)["responses"].get(str(response.status_code))
        if declared is None:
            return  # status_code_conformance reports it
        media = _media(response.headers.get("content-type", ""))
        content = declared.get("content", {})
        entry = next((v for k, v in content.items() if _media(k) == media), None)
        if entry is None:
            return  # content_type_conformance reports it
        if not entry.get("schema"):
            self.failures.append(
                f"{label}: {response.status_code} {media} is declared without a schema"
            )

    def operations(self) -> set[tuple[str, str]]:
        return {
            (method, path)
            for path, item in self.document["paths"].items()
            for method in item
            if method in HTTP_METHODS
        }


def required_scope(operation: dict[str, Any]) -> str | None:
    """The scope an operation's summary names, None for any key."""
    text = f"{operation.get('summary', '')} {operation.get('description', '')}"
    match = re.search(r"\(scopes?: ([a-z]+:[a-z]+|admin)", text)
    return match.group(1) if match else None


def csv_file(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


REVENUE_HEADER = ["type", "amount", "currency", "occurred_at", "external_id"]
MULTIPART_X = {"Content-Type": "multipart/form-data; boundary=x"}


# --- the scenario -------------------------------------------------------------------------


def scenario(c: Conformance, database: Database) -> None:
    """Every operation, in an order where each finds what it needs."""
    auth(c)
    source_id, manual_id = sources(c)
    revenues(c, source_id)
    workspace(c)
    subscriptions(c, database)
    oauth(c)
    schedule, manual = recognition(c, source_id, manual_id)
    periods(c)
    journal(c, source_id)
    reports(c)
    templates(c)
    uploads(c, source_id, database)
    revenue_events(c, schedule)
    distribution(c, manual)
    c.ids.update(
        source_id=source_id,
        source="stripe",
        customer_id="c1",
        invoice_id="inv_1",
        rs_number=manual,
        period_id="Mar'2026",
        name="shop",
    )


def auth(c: Conformance) -> None:
    c.call("GET", "/api/v1/ping", 200)
    c.call("GET", "/api/v1/api-keys", 200)
    created = c.call(
        "POST", "/api/v1/api-keys", 201, json={"name": "spare", "scopes": ["read:revenues"]}
    )
    c.call("POST", "/api/v1/api-keys", 422, json={"name": "x", "scopes": ["no:such"]})
    c.call("POST", "/api/v1/api-keys", 422, json={"scopes": []})
    spare = created.json()["data"]["id"]
    c.call("DELETE", "/api/v1/api-keys/{key_id}", 200, path_params={"key_id": spare})
    c.call("DELETE", "/api/v1/api-keys/{key_id}", 404, path_params={"key_id": UNKNOWN_ID})


def sources(c: Conformance) -> tuple[str, str]:
    path = "/api/v1/revenue-sources"
    body = {"name": "stripe", "kind": "stripe", "default_currency": "USD"}
    source_id = c.call("POST", path, 201, json=body).json()["data"]["id"]
    manual = {"name": "manual-src", "recognition_rule": "manual"}
    manual_id = c.call("POST", path, 201, json=manual).json()["data"]["id"]
    c.call("POST", path, 409, json={"name": "stripe"})
    c.call("POST", path, 422, json={"name": "", "colour": "red"})
    c.call("POST", path, 422, content=b'{"name": ', headers={"Content-Type": "application/json"})
    c.call("GET", path, 200, params={"per_page": 1})
    c.call("GET", path, 422, params={"per_page": 1000})
    c.call("GET", path + "/{source_id}", 200, path_params={"source_id": source_id})
    c.call("GET", path + "/{source_id}", 404, path_params={"source_id": UNKNOWN_ID})
    return source_id, manual_id


def revenues(c: Conformance, source_id: str) -> None:
    path = "/api/v1/revenues"
    first = c.call(
        "POST",
        path,
        201,
        json=sale(source_id, "r1", occurred_at="2026-01-15T10:00:00Z", metadata={"k": 1.5}),
    ).json()["data"]
    c.call("POST", path, 200, json=sale(source_id, "r1", amount="250.000"))
    c.call("POST", path, 422, json=sale(source_id, "r2", amount="-1"))
    c.call("POST", path, 422, json=[1])
    c.call(
        "POST",
        path + "/batch",
        200,
        json={
            "records": [
                sale(source_id, "r3", type="refund", amount="-10.000", occurred_at="2026-02-02"),
                sale(source_id, "r3b", type="refund", amount="-10.000"),
                sale(source_id, "r4", occurred_at="2026-02-10T00:00:00Z"),
                sale(source_id, "r1"),
            ]
        },
    )
    c.call("POST", path + "/batch", 422, json={"records": []})
    c.call("GET", path, 200, params={"type": "sale", "per_page": 2, "search": "r"})
    c.call("GET", path, 422, params={"date_from": "yesterday"})
    c.call("GET", path + "/export", 200)
    c.call("GET", path + "/export", 200, params={"format": "csv", "currency": "usd"})
    c.call("GET", path + "/export", 422, params={"format": "xml"})
    one = path + "/{revenue_id}"
    c.ids["revenue_id"] = first["id"]
    c.call("GET", one, 200, path_params={"revenue_id": first["id"]})
    c.call("GET", one, 404, path_params={"revenue_id": UNKNOWN_ID})
    for method in ("PUT", "PATCH", "DELETE"):
        c.call(method, one, 405, path_params={"revenue_id": first["id"]}, json={})


def workspace(c: Conformance) -> None:
    c.call("GET", "/api/v1/workspace", 200)
    c.call("PATCH", "/api/v1/workspace", 200, json={"name": "acme"})
    c.call("PATCH", "/api/v1/workspace", 422, json={"timezone": "Mars/Olympus"})


def subscriptions(c: Conformance, database: Database) -> None:
    """Seed 003: customers, plans, invoices, metrics, exchange rates."""
    c.call(
        "POST",
        "/api/v1/customers",
        200,
        json=[
            {"id": "c1", "data_source": "stripe", "name": "Acme", "custom_variables": {"a": 1}},
            {"id": "c2", "data_source": "stripe", "country": "nowhere"},
            {"id": 7, "data_source": "stripe", "email": "x@example.com"},
        ],
    )
    c.call("POST", "/api/v1/customers", 422, json="c1")
    c.call("GET", "/api/v1/customers", 200, params={"source": "stripe", "limit": 1})
    c.call("GET", "/api/v1/customers", 404, params={"source": "nope"})
    c.call("GET", "/api/v1/customers", 422, params={"source": "stripe", "limit": 0})
    plan = {
        "id": "pro",
        "data_source": "stripe",
        "name": "Pro",
        "interval_unit": "month",
        "interval_count": 1,
        "currency": "USD",
        "amount_cents": 9900,
    }
    c.call("POST", "/api/v1/plans", 200, json=[plan, {"id": "bad", "data_source": "stripe"}])
    c.call("POST", "/api/v1/plans", 422, json=[1, 2])
    c.call("GET", "/api/v1/plans", 200, params={"source": "stripe"})
    c.call("GET", "/api/v1/plans", 404, params={"source": "nope"})
    c.call("GET", "/api/v1/plans", 422, params={"source": "stripe", "cursor": "garbage"})
    invoice = {
        "id": "inv_1",
        "customer_id": "c1",
        "data_source": "stripe",
        "type": "subscription",
        "date": "2026-01-01T00:00:00Z",
        "amount_cents": 9900,
        "currency": "USD",
        "plan_id": "pro",
        "subscription_id": "sub_1",
        "start_date": "2026-01-01T00:00:00Z",
        "end_date": "2026-02-01T00:00:00Z",
    }
    c.call("POST", "/api/v1/invoices", 200, json=[invoice, {"id": "x", "data_source": "stripe"}])
    c.call("POST", "/api/v1/invoices", 200, json={**invoice, "amount_cents": 12000})
    c.call("POST", "/api/v1/invoices", 422, json=None)
    c.call("GET", "/api/v1/invoices", 200, params={"source": "stripe", "limit": 1})
    c.call("GET", "/api/v1/invoices", 404, params={"source": "nope"})
    c.call("GET", "/api/v1/invoices", 422, params={"source": "stripe", "date_from": "soon"})
    versions = "/api/v1/invoices/{source}/{invoice_id}/versions"
    c.call("GET", versions, 200, path_params={"source": "stripe", "invoice_id": "inv_1"})
    c.call("GET", versions, 404, path_params={"source": "stripe", "invoice_id": "nope"})

    customer = "/api/v1/customers/{source}/{customer_id}"
    c.call("GET", customer, 200, path_params={"source": "stripe", "customer_id": "c1"})
    c.call("GET", customer, 404, path_params={"source": "stripe", "customer_id": "nope"})
    run_until_idle(database, workspace_id=c.workspace_id)
    c.call("GET", customer + "/mrr", 200, path_params={"source": "stripe", "customer_id": "c1"})
    c.call("GET", customer + "/mrr", 404, path_params={"source": "nope", "customer_id": "c1"})

    rates = [{"date": "2026-01-01", "currency": "EUR", "rate": "1.08"}, {"date": 5}]
    c.call("POST", "/api/v1/exchange-rates", 200, json=rates)
    c.call("POST", "/api/v1/exchange-rates", 422, json=7)
    c.call("GET", "/api/v1/exchange-rates", 200, params={"currency": "eur"})
    c.call("GET", "/api/v1/exchange-rates", 422, params={"currency": "EURO"})

    window = {"start_date": "2026-01-01", "end_date": "2026-03-31"}
    c.call("GET", "/api/v1/metrics/mrr", 200, params=window)
    c.call("GET", "/api/v1/metrics/mrr", 200, params={**window, "plan_id": "pro"})
    c.call("GET", "/api/v1/metrics/mrr", 404, params={**window, "source": "nope"})
    c.call("GET", "/api/v1/metrics/mrr", 422, params={**window, "interval": "hour"})
    c.call("GET", "/api/v1/metrics/summary", 200, params={"date": "2026-01-20"})
    c.call("GET", "/api/v1/metrics/summary", 404, params={"source": "nope"})
    c.call("GET", "/api/v1/metrics/summary", 422, params={"date": "20260120"})
    c.call("GET", "/api/v1/metrics/movements", 200, params={**window, "limit": 1})
    c.call("GET", "/api/v1/metrics/movements", 404, params={**window, "source": "nope"})
    c.call("GET", "/api/v1/metrics/movements", 422, params={"start_date": "2026-01-01"})
    c.call("GET", "/api/v1/metrics/status", 200)


def oauth(c: Conformance) -> None:
    clients = "/api/v1/oauth-clients"
    body = {"name": "erp", "scopes": ["read:revenues"]}
    created = c.call("POST", clients, 201, json=body).json()["data"]
    c.call("POST", clients, 422, json={"name": "erp", "scopes": ["nope"]})
    c.call("GET", clients, 200)
    token = "/api/v1/oauth/token"
    form = {
        "grant_type": "client_credentials",
        "client_id": created["client_id"],
        "client_secret": created["client_secret"],
    }
    c.call("POST", token, 200, key=None, data=form)
    c.call("POST", token, 400, key=None, data={**form, "grant_type": "password"})
    c.call("POST", token, 400, key=None, json=form)
    c.call("POST", token, 401, key=None, data={**form, "client_secret": "wrong"})
    one = clients + "/{client_id}"
    c.call("DELETE", one, 200, path_params={"client_id": created["id"]})
    c.call("DELETE", one, 404, path_params={"client_id": UNKNOWN_ID})


def recognition(c: Conformance, source_id: str, manual_id: str) -> tuple[str, str]:
    manual = sale(manual_id, "m1", amount="300.000", occurred_at="2026-03-10T12:00:00Z")
    c.call("POST", "/api/v1/revenues", 201, json=manual)
    listed = c.call("GET", "/api/v1/revenue-schedules", 200, params={"per_page": 100}).json()
    numbers = {s["origin"]["id"]: s["number"] for s in listed["data"]}
    c.call("GET", "/api/v1/revenue-schedules", 200, params={"source": "manual-src"})
    c.call("GET", "/api/v1/revenue-schedules", 404, params={"source": "nope"})
    c.call("GET", "/api/v1/revenue-schedules", 422, params={"rule": "weekly"})
    one = "/api/v1/revenue-schedules/{rs_number}"
    c.call("GET", one, 200, path_params={"rs_number": numbers["inv_1"]})
    as_of = {"as_of": "2026-12-31"}
    c.call("GET", one, 200, path_params={"rs_number": numbers["m1"]}, params=as_of)
    c.call("GET", one, 404, path_params={"rs_number": "RS-99999999"})
    c.call("GET", one, 422, path_params={"rs_number": numbers["m1"]}, params={"as_of": "soon"})
    return numbers["inv_1"], numbers["m1"]


def periods(c: Conformance) -> None:
    path = "/api/v1/accounting-periods"
    c.call("GET", path, 200)
    c.call("GET", path, 200, params={"status": "open", "date_from": "2026-01-01"})
    c.call("GET", path, 422, params={"status": "ajar"})
    close, reopen = path + "/{period_id}/close", path + "/{period_id}/reopen"
    c.call("POST", close, 409, path_params={"period_id": "Feb'2026"})  # January is open
    c.call("POST", close, 200, path_params={"period_id": "Jan'2026"})
    c.call("POST", close, 409, path_params={"period_id": "Jan'2026"})
    c.call("POST", close, 404, path_params={"period_id": "Jan'1999"})
    c.call("POST", reopen, 409, path_params={"period_id": "Feb'2026"})  # not closed
    c.call("POST", reopen, 200, path_params={"period_id": "2026-01"})
    c.call("POST", reopen, 404, path_params={"period_id": "nope"})
    c.call("POST", close, 200, path_params={"period_id": "Jan'2026"})


def journal(c: Conformance, source_id: str) -> None:
    accounts = {
        "accounts_receivable": "1200 AR",
        "deferred_revenue": "2400 Deferred",
        "revenue": "4000 Revenue",
        "refunds": "4900 Refunds",
    }
    c.call("GET", "/api/v1/gl-accounts", 200)
    c.call("PUT", "/api/v1/gl-accounts", 200, json={"source_id": source_id, "accounts": accounts})
    c.call("PUT", "/api/v1/gl-accounts", 200, json={"plan_id": "pro", "accounts": accounts})
    c.call("PUT", "/api/v1/gl-accounts", 422, json={"plan_id": "nope", "accounts": accounts})
    c.call("PUT", "/api/v1/gl-accounts", 422, json={"accounts": {"revenue": "x"}})
    c.call("GET", "/api/v1/gl-accounts", 200)
    entries = "/api/v1/journal/entries"
    c.call("GET", entries, 200, params={"per_page": 3})
    c.call("GET", entries, 200, params={"period": "Jan'2026", "source": "stripe"})
    c.call("GET", entries, 422, params={"schedule": "RS-x"})
    batches = "/api/v1/journal/batches"
    listed = c.call("GET", batches, 200).json()["data"]
    c.call("GET", batches, 200, params={"status": "READY_TO_TRANSFER", "period": "2026-01"})
    c.call("GET", batches, 422, params={"status": "LOST"})
    first = listed[0]["id"]
    c.ids["batch_id"] = listed[-1]["id"]
    one, as_csv = batches + "/{batch_id}", batches + "/{batch_id}.csv"
    c.call("GET", one, 200, path_params={"batch_id": first}, params={"pagesize": 2})
    c.call("GET", one, 404, path_params={"batch_id": UNKNOWN_ID})
    c.call("GET", one, 422, path_params={"batch_id": first}, params={"pagesize": 0})
    c.call("GET", as_csv, 200, path_params={"batch_id": first})
    c.call("GET", as_csv, 404, path_params={"batch_id": UNKNOWN_ID})
    status = one + "/status"
    done = {"status": "TRANSFERRED"}
    c.call("PUT", status, 200, path_params={"batch_id": first}, json=done)
    c.call("PUT", status, 400, path_params={"batch_id": first}, json=done)
    c.call("PUT", status, 404, path_params={"batch_id": UNKNOWN_ID}, json=done)
    c.call("PUT", status, 422, path_params={"batch_id": first}, json={"status": "READY"})
    trial = "/api/v1/reports/trial-balance"
    c.call("GET", trial, 200, params={"period": "Jan'2026"})
    c.call("GET", trial, 422, params={"period": "someday"})
    c.call("GET", trial, 422)


def reports(c: Conformance) -> None:
    csv_accept = {"Accept": "text/csv"}
    for name in ("recognized-revenue", "waterfall"):
        path = f"/api/v1/reports/{name}"
        c.call("GET", path, 200)
        c.call("GET", path, 200, params={"start_period": "Jan'2026", "end_period": "Mar'2026"})
        c.call("GET", path, 200, headers=csv_accept)
        c.call("GET", path, 422, params={"start_period": "Smarch'2026"})
    path = "/api/v1/reports/recognized-revenue"
    c.call("GET", path, 200, params={"group_by": "customer"})
    c.call("GET", path, 422, params={"group_by": "mood"})
    path = "/api/v1/reports/deferred-revenue"
    c.call("GET", path, 200, params={"as_of": "2026-02-15"})
    c.call("GET", path, 200, params={"as_of": "2026-02-15"}, headers=csv_accept)
    c.call("GET", path, 422, params={"as_of": "Feb"})


def templates(c: Conformance) -> None:
    path = "/api/v1/upload-templates"
    shop = {
        "name": "shop",
        "target": "revenues",
        "columns": [
            {"header": "Kind", "field": "type", "required": True},
            {"header": "Total", "field": "amount", "required": True},
            {"header": "Currency", "field": "currency", "required": True},
            {"header": "When", "field": "occurred_at", "required": True},
            {"header": "Ref", "field": "external_id", "required": True},
        ],
    }
    c.call("POST", path, 201, json=shop)
    c.call("POST", path, 200, json=shop)
    c.call("POST", path, 422, json={**shop, "name": "revenues"})  # a built-in name
    c.call("POST", path, 422, json={**shop, "columns": []})
    one = path + "/{name}"
    changed = {k: v for k, v in shop.items() if k != "name"} | {"delimiter": ";"}
    c.call("PUT", one, 201, path_params={"name": "shop"}, json=changed)
    c.call("PUT", one, 200, path_params={"name": "shop"}, json=changed)
    c.call("PUT", one, 422, path_params={"name": "shop"}, json={**changed, "name": "other"})
    c.call("PUT", one, 422, path_params={"name": "shop"}, json={"target": "revenues"})
    c.call("PUT", one, 422, path_params={"name": "shop"}, json=["not", "an", "object"])
    c.call("GET", path, 200)
    c.call("GET", one, 200, path_params={"name": "shop"}, params={"version": 1})
    c.call("GET", one, 200, path_params={"name": "revenues"})
    c.call("GET", one, 404, path_params={"name": "nope"})
    c.call("GET", one, 422, path_params={"name": "shop"}, params={"version": 0})


def uploads(c: Conformance, source_id: str, database: Database) -> None:
    path = "/api/v1/uploads"
    rows = [
        ["sale", "10.00", "USD", "2026-03-01T10:00:00Z", "u1"],
        ["refund", "5.00", "USD", "2026-03-01T10:00:00Z", "u2"],  # a refund must be < 0
    ]
    text = csv_file(REVENUE_HEADER, rows)
    form = {"template": "revenues", "revenue_source_id": source_id}
    files = {"file": ("march.csv", text, "text/csv")}
    staged = c.call("POST", path, 202, data=form, files=files).json()["data"]
    c.call(
        "POST",
        path,
        202,
        content=text,
        headers={"Content-Type": "text/csv", "Idempotency-Key": "k1", "templatename": "revenues"},
        params={"revenue_source_id": source_id},
    )
    c.call(
        "POST",
        path,
        409,
        content=text + b"\n",
        headers={"Content-Type": "text/csv", "Idempotency-Key": "k1", "templatename": "revenues"},
        params={"revenue_source_id": source_id},
    )
    broken = csv_file(REVENUE_HEADER, [["sale", "1O.00", "USD", "2026-03-01", "u3"]])
    failed = c.call(
        "POST", path, 202, data=form, files={"file": ("bad.csv", broken, "text/csv")}
    ).json()["data"]
    c.call("POST", path, 422, files={"file": ("odd.csv", b"colour,size\nred,9\n", "text/csv")})
    c.call("POST", path, 422, data={"template": "nope"}, files=files)
    c.call("POST", path, 415, content=b"{}", headers={"Content-Type": "application/json"})
    c.call("POST", path, 400, content=b"[]", headers=MULTIPART_X)
    c.call("GET", path, 200, params={"status": "completed_with_errors", "target": "revenues"})
    c.call("GET", path, 422, params={"status": "lost"})
    one = path + "/{upload_id}"
    c.call("GET", one, 200, path_params={"upload_id": staged["id"]})
    c.call("GET", one, 404, path_params={"upload_id": UNKNOWN_ID})
    errors = one + "/errors"
    ids = {"upload_id": staged["id"]}
    c.ids["upload_id"] = staged["id"]
    c.call("GET", errors, 200, path_params=ids)
    c.call("GET", errors, 200, path_params={"upload_id": failed["id"]})
    kept = c.call("GET", errors, 200, path_params=ids, headers={"Accept": "text/csv"}).text
    c.call("GET", errors, 200, path_params=ids, params={"format": "csv"})
    c.call("GET", errors, 404, path_params={"upload_id": UNKNOWN_ID})
    c.call("GET", errors, 422, path_params=ids, params={"format": "xml"})
    c.call("GET", "/api/v1/stage-errors", 200, params={"target": "revenues"})
    c.call("GET", "/api/v1/stage-errors", 422, params={"target": "moods"})

    repost = errors + "/repost"
    still_wrong = {"file": ("fix.csv", kept.encode(), "text/csv")}
    c.call("POST", repost, 200, path_params=ids, files=still_wrong)
    c.call("POST", repost, 404, path_params={"upload_id": UNKNOWN_ID}, files=still_wrong)
    c.call("POST", repost, 409, path_params={"upload_id": failed["id"]}, files=still_wrong)
    odd = {"file": ("odd.csv", b"colour\nred\n", "text/csv")}
    c.call("POST", repost, 422, path_params=ids, files=odd)
    c.call(
        "POST", repost, 415, path_params=ids, content=b"{}", headers={"Content-Type": "image/png"}
    )
    c.call("POST", repost, 400, path_params=ids, content=b"[]", headers=MULTIPART_X)
    c.call("DELETE", errors, 200, path_params=ids)
    c.call("DELETE", errors, 404, path_params={"upload_id": UNKNOWN_ID})
    # An upload still being processed (the test client processes one before it answers,
    # so the status is set as a stopped server would have left it).
    with database.session(write=True) as session, session.begin():
        session.execute(update(Upload).where(Upload.id == failed["id"]).values(status="staging"))
    c.call("DELETE", errors, 409, path_params={"upload_id": failed["id"]})


def revenue_events(c: Conformance, schedule: str) -> None:
    path = "/api/v1/revenue-events/revenue-schedules/{rs_number}"
    c.call("GET", path, 200, path_params={"rs_number": schedule})
    c.call("GET", path, 200, path_params={"rs_number": schedule}, params={"pageSize": 1})
    c.call("GET", path, 404, path_params={"rs_number": "RS-99999999"})
    c.call("GET", path, 422, path_params={"rs_number": schedule}, params={"pageSize": 0})


def distribution(c: Conformance, manual: str) -> None:
    base = "/api/v1/revenue-schedules/{rs_number}/"
    periods_path = base + "distribute-revenue-across-accounting-periods"
    ids = {"rs_number": manual}
    shares = [{"accounting_period": "Mar'2026", "amount": 100}]
    c.call("PUT", periods_path, 200, path_params=ids, json=shares)
    c.call("PUT", periods_path, 404, path_params={"rs_number": "RS-99999999"}, json=shares)
    c.call("PUT", periods_path, 422, path_params=ids, json=[{"accounting_period": "Mar'2026"}])
    too_much = [{"accounting_period": "Apr'2026", "amount": "1000"}]
    c.call("PUT", periods_path, 422, path_params=ids, json=too_much)
    range_path = base + "distribute-revenue-with-date-range"
    days = {"start_date": "2026-04-01", "end_date": "2026-05-31"}
    c.call("PUT", range_path, 200, path_params=ids, json=days)
    c.call("PUT", range_path, 404, path_params={"rs_number": "RS-99999999"}, json=days)
    c.call("PUT", range_path, 422, path_params=ids, json={**days, "end_date": "2026-03-01"})


def credentials(c: Conformance) -> None:
    """401 without a key or with a revoked one, and 403 with a key lacking the scope, for
    every operation that takes a key (from the document, so a new route is covered)."""
    weak = {"read:plans": "weak_b"}
    for method, path in sorted(c.operations()):
        operation = c.operation(method, path)
        if "401" not in operation["responses"] or path == "/api/v1/oauth/token":
            continue
        ids = {name: "x" for name in re.findall(r"{(\w+)}", path)}
        c.call(method, path, 401, path_params=ids, key=None)
        c.call(method, path, 401, path_params=ids, key="revoked")
        scope = required_scope(operation)
        if scope is not None:
            c.call(method, path, 403, path_params=ids, key=weak.get(scope, "weak_a"))


@pytest.fixture(scope="module")
def checked(database: Database, client: TestClient) -> Conformance:
    """The scenario and the credential checks, once per database."""
    http = TestClient(client.app, raise_server_exceptions=False)
    tenant = make_tenant(database, http, "conformance")
    document = http.get("/openapi.json").json()
    http.headers.pop("Authorization")
    c = Conformance(http, document, tenant.workspace_id)
    c.keys["admin"] = tenant.api_key
    admin = {"Authorization": f"Bearer {tenant.api_key}"}
    for name, scopes in (("weak_a", ["read:plans"]), ("weak_b", ["read:sources"])):
        body = {"name": name, "scopes": scopes}
        c.keys[name] = http.post("/api/v1/api-keys", json=body, headers=admin).json()["data"]["key"]
    body = {"name": "gone", "scopes": ["admin"]}
    revoked = http.post("/api/v1/api-keys", json=body, headers=admin).json()["data"]
    http.delete(f"/api/v1/api-keys/{revoked['id']}", headers=admin)
    c.keys["revoked"] = revoked["key"]
    scenario(c, database)
    credentials(c)
    return c


def test_every_operation_answers_as_documented(checked: Conformance) -> None:
    c = checked
    assert not c.failures, "\n\n".join(c.failures)
    documented = c.operations()
    assert set(c.answered) == documented, (
        f"not called: {sorted(documented - set(c.answered))}; "
        f"not documented: {sorted(set(c.answered) - documented)}"
    )
    missing = []
    for method, path in sorted(documented):
        declared = {int(s) for s in c.operation(method, path)["responses"]}
        got = c.answered[(method, path)]
        for status in sorted(declared - got):
            if (method, path, status) not in UNREACHABLE:
                missing.append(f"{method.upper()} {path}: {status} declared, never answered")
        if any(s < 300 for s in declared) and not any(s < 300 for s in got):
            missing.append(f"{method.upper()} {path}: never succeeded")
    assert not missing, "\n".join(missing)


GENERATED = int(os.environ.get("REVLEDGER_TEST_GENERATED", "3"))
"""Requests generated per operation and mode (fitting the document, and not fitting it);
set REVLEDGER_TEST_GENERATED to run more of them locally."""


def test_generated_requests_answer_as_documented(checked: Conformance) -> None:
    """Schemathesis generates requests from the document (a few per operation, the same
    ones every run), with the seeded workspace's ids in the paths; every answer must be
    documented and conform, and none may be a server error."""
    c = checked
    schema = schemathesis.openapi.from_dict(strict(c.document))
    schema.app = c.http.app
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == "DELETE" and operation.path.startswith(KEEP):
            continue  # would revoke this test's own credentials at random
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += generated(operation, mode, c)
    assert not failures, "\n\n".join(failures)


def generated(operation: Any, mode: GenerationMode, c: Conformance) -> list[str]:
    names = [p.name for p in operation.path_parameters]
    fixed = {n: c.ids[n] for n in names if n in c.ids} or None
    auth = {"Authorization": f"Bearer {c.keys['admin']}"}
    failures: list[str] = []

    @settings(
        max_examples=GENERATED,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    def send(case: Any) -> None:
        response = case.call(headers=auth)
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, BaseExceptionGroup) as exc:
            failures.append(
                f"{mode} {case.method} {case.formatted_path} "
                f"query={case.query} body={str(case.body)[:200]}: {_describe(exc)}"
                f"\n    answer: {response.status_code} {response.text[:300]}"
            )

    send()
    return failures


def test_field_errors_may_carry_a_code(client: TestClient) -> None:
    """A field error is `{"field", "message"}`, optionally with a machine-readable `code`."""
    components = strict(client.get("/openapi.json").json())["components"]["schemas"]
    validator = jsonschema.Draft202012Validator(
        {**components["Problem"], "components": {"schemas": components}}
    )
    problem = {"type": "about:blank", "title": "Unprocessable Entity", "status": 422}
    error = {"field": "amount", "message": "must be greater than 0"}
    for errors in ([error], [{**error, "code": "greater_than"}]):
        validator.validate({**problem, "detail": "amount: ...", "errors": errors})
    for wrong in ({**error, "code": 7}, {"field": "amount"}, {**error, "hint": "x"}):
        assert not validator.is_valid({**problem, "detail": "x", "errors": [wrong]}), wrong
