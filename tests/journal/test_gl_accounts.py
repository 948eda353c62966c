"""GET/PUT /api/v1/gl-accounts: defaults, rules per source and plan, snapshotted by
each schedule when it is created."""

from __future__ import annotations

from typing import Any

from tests.journal.helpers import Books
from tests.metrics.helpers import sub

DEFAULTS = {
    "accounts_receivable": "Accounts Receivable",
    "deferred_revenue": "Deferred Revenue",
    "revenue": "Revenue",
    "refunds": "Refunds",
}
CUSTOM = {
    "accounts_receivable": "1200 Accounts Receivable",
    "deferred_revenue": "2400 Deferred Revenue",
    "revenue": "4000 Subscription Revenue",
    "refunds": "4900 Refunds",
}


def put(books: Books, body: dict[str, Any], expect: int = 200) -> dict[str, Any]:
    response = books.http.put("/api/v1/gl-accounts", json=body)
    assert response.status_code == expect, response.text
    return dict(response.json())


def accounts_of(books: Books, event: str) -> set[str]:
    [entry] = books.entries(event=event)
    return {x["account"] for x in entry["lines"]}


def test_defaults(books: Books) -> None:
    body = books.get("/api/v1/gl-accounts")["data"]
    assert body["defaults"] == DEFAULTS
    assert body["account_types"]["refunds"] == "contra-revenue"
    assert body["rules"] == []


def test_workspace_default_applies_to_schedules_created_after_it(books: Books) -> None:
    books.revenue("before", "10.000", "2026-02-01")
    rule = put(books, {"source_id": None, "plan_id": None, "accounts": CUSTOM})["data"]
    assert rule["source_id"] is None and rule["plan_id"] is None
    assert rule["accounts"] == CUSTOM
    books.revenue("after", "10.000", "2026-02-01")
    assert accounts_of(books, "RE-00000001") == {
        "Accounts Receivable",
        "Deferred Revenue",
        "Revenue",
    }
    assert accounts_of(books, "RE-00000002") == {
        "1200 Accounts Receivable",
        "2400 Deferred Revenue",
        "4000 Subscription Revenue",
    }
    body = books.get("/api/v1/gl-accounts")["data"]
    assert body["defaults"] == CUSTOM
    assert [(r["source_id"], r["plan_id"], r["accounts"]) for r in body["rules"]] == [
        (None, None, CUSTOM)
    ]


def test_source_plan_and_source_plus_plan_rules(books: Books, tenant) -> None:  # type: ignore[no-untyped-def]
    appstore = tenant.source("appstore")
    books.customers("c1")
    books.plan("gold", 1_200)
    books.plan("silver", 600)
    source_accounts = {**DEFAULTS, "revenue": "4100 Stripe Revenue"}
    plan_accounts = {**DEFAULTS, "revenue": "4200 Gold Revenue"}
    put(books, {"source_id": books.source_id, "accounts": source_accounts})
    put(books, {"source_id": "stripe", "plan_id": "gold", "accounts": plan_accounts})
    books.invoices(
        sub("i1", "c1", "gold", "s1", "2026-02-01", "2026-03-01", 1_200),
        sub("i2", "c1", "silver", "s2", "2026-02-01", "2026-03-01", 600),
    )
    response = books.http.post(
        "/api/v1/revenues",
        json={
            "revenue_source_id": appstore,
            "type": "sale",
            "amount": "1.000",
            "currency": "USD",
            "occurred_at": "2026-02-02T00:00:00Z",
            "external_id": "x",
        },
    )
    assert response.status_code == 201
    assert "4200 Gold Revenue" in accounts_of(books, "RE-00000001")
    assert "4100 Stripe Revenue" in accounts_of(books, "RE-00000002")
    assert "Revenue" in accounts_of(books, "RE-00000003")
    rules = books.get("/api/v1/gl-accounts")["data"]["rules"]
    assert [(r["source_id"], r["plan_id"], r["accounts"]["revenue"]) for r in rules] == [
        (books.source_id, None, "4100 Stripe Revenue"),
        (books.source_id, "gold", "4200 Gold Revenue"),
    ]
    # a plan alone (its id is unique in the workspace), replacing nothing else
    put(books, {"plan_id": "silver", "accounts": {**DEFAULTS, "revenue": "4300 Silver"}})
    books.invoices(sub("i3", "c1", "silver", "s2", "2026-03-01", "2026-04-01", 600))
    assert "4300 Silver" in accounts_of(books, "RE-00000004")
    # the earlier silver invoice keeps the accounts it was created with
    assert "4100 Stripe Revenue" in accounts_of(books, "RE-00000002")
    # PUT on the same target replaces its accounts
    put(books, {"plan_id": "silver", "accounts": {**DEFAULTS, "revenue": "4301 Silver"}})
    rules = books.get("/api/v1/gl-accounts")["data"]["rules"]
    assert [r["accounts"]["revenue"] for r in rules if r["plan_id"] == "silver"] == ["4301 Silver"]


def test_a_refund_schedule_recognizes_into_its_refunds_account(books: Books) -> None:
    put(books, {"accounts": CUSTOM})
    books.revenue("r", "-5.000", "2026-02-01")
    [entry] = books.entries()
    assert [(x["account"], x["debit"], x["credit"]) for x in entry["lines"][2:]] == [
        ("4900 Refunds", "5.00", "0.00"),
        ("2400 Deferred Revenue", "0.00", "5.00"),
    ]


def test_unknown_source_or_plan_is_422_naming_the_field(books: Books, tenant) -> None:  # type: ignore[no-untyped-def]
    body = put(books, {"source_id": "nowhere", "accounts": CUSTOM}, 422)
    assert body["errors"][0]["field"] == "source_id"
    body = put(books, {"source_id": books.source_id, "plan_id": "nope", "accounts": CUSTOM}, 422)
    assert body["errors"][0]["field"] == "plan_id"
    body = put(books, {"plan_id": "nope", "accounts": CUSTOM}, 422)
    assert body["errors"][0]["field"] == "plan_id"
    # the same plan id in two sources needs source_id
    books.plan("shared", 100)
    tenant.source("other")
    response = books.http.post(
        "/api/v1/plans",
        json={
            "id": "shared",
            "data_source": "other",
            "interval_unit": "month",
            "interval_count": 1,
            "currency": "USD",
            "amount_cents": 100,
        },
    )
    assert response.status_code == 200
    body = put(books, {"plan_id": "shared", "accounts": CUSTOM}, 422)
    assert body["errors"][0]["field"] == "plan_id"
    assert "source_id" in body["errors"][0]["message"]
    put(books, {"source_id": "other", "plan_id": "shared", "accounts": CUSTOM})
    assert books.get("/api/v1/gl-accounts")["data"]["defaults"] == DEFAULTS


def test_bad_accounts_are_422(books: Books) -> None:
    missing = {k: v for k, v in CUSTOM.items() if k != "refunds"}
    body = put(books, {"accounts": missing}, 422)
    assert body["errors"][0]["field"] == "accounts.refunds"
    body = put(books, {"accounts": {**CUSTOM, "revenue": "  "}}, 422)
    assert body["errors"][0]["field"] == "accounts.revenue"
    body = put(books, {"accounts": {**CUSTOM, "revenue": "=HYPERLINK(1)"}}, 422)
    assert body["errors"][0]["field"] == "accounts.revenue"
    body = put(books, {"accounts": {**CUSTOM, "revenue": "x" * 201}}, 422)
    assert body["errors"][0]["field"] == "accounts.revenue"
    body = put(books, {"accounts": {**CUSTOM, "cash": "1000"}}, 422)
    assert body["errors"][0]["field"] == "accounts.cash"
    body = put(books, {"account": CUSTOM}, 422)
    assert books.get("/api/v1/gl-accounts")["data"]["rules"] == []


def test_scopes_and_workspaces(books: Books, other_tenant) -> None:  # type: ignore[no-untyped-def]
    reader = {"Authorization": f"Bearer {books.tenant.key('read:journal')}"}
    response = books.http.put("/api/v1/gl-accounts", json={"accounts": CUSTOM}, headers=reader)
    assert response.status_code == 403
    assert books.http.get("/api/v1/gl-accounts", headers=reader).status_code == 200
    writer = {"Authorization": f"Bearer {books.tenant.key('write:journal')}"}
    response = books.http.put("/api/v1/gl-accounts", json={"accounts": CUSTOM}, headers=writer)
    assert response.status_code == 200
    # another workspace keeps the defaults and cannot name this workspace's source
    assert other_tenant.http.get("/api/v1/gl-accounts").json()["data"]["defaults"] == DEFAULTS
    response = other_tenant.http.put(
        "/api/v1/gl-accounts", json={"source_id": books.source_id, "accounts": CUSTOM}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "source_id"


def test_nul_in_a_reference_is_a_field_error(books: Books) -> None:
    for field in ("source_id", "plan_id"):
        body = put(books, {field: "a\x00b", "accounts": CUSTOM}, 422)
        assert body["errors"][0]["field"] == field
