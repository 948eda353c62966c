"""POST /api/v1/invoices: every import rule and status of seed 003, on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from tests.metrics.helpers import Billing, other, sub

SEED_INVOICE = {
    "id": "inv_001",
    "customer_id": "cus_123",
    "data_source": "stripe",
    "type": "subscription",
    "date": "2024-07-01T00:00:00Z",
    "amount_cents": 9900,
    "currency": "USD",
    "plan_id": "plan_123",
    "subscription_id": "sub_001",
    "start_date": "2024-07-01T00:00:00Z",
    "end_date": "2024-08-01T00:00:00Z",
    "quantity": 1,
    "discount": 0,
}
SEED_ONE_TIME = {
    "id": "inv_002",
    "customer_id": "cus_456",
    "data_source": "stripe",
    "type": "one-time",
    "date": "2024-07-02T00:00:00Z",
    "amount_cents": 15000,
    "currency": "USD",
    "start_date": "2024-07-02T00:00:00Z",
    "end_date": "2024-07-02T00:00:00Z",
}


@pytest.fixture
def seeded(billing: Billing) -> Billing:
    billing.customers("cus_123", "cus_456")
    billing.plan("plan_123", 9900)
    return billing


def test_seed_bulk_example_then_unchanged_then_updated(seeded: Billing) -> None:
    result = seeded.post("/api/v1/invoices", [SEED_INVOICE, SEED_ONE_TIME])
    assert result == [
        {"id": "inv_001", "import_status": "inserted"},
        {"id": "inv_002", "import_status": "inserted"},
    ]
    assert seeded.post("/api/v1/invoices", SEED_INVOICE) == [
        {"id": "inv_001", "import_status": "unchanged"}
    ]
    changed = {**SEED_INVOICE, "amount_cents": 19900}
    assert seeded.post("/api/v1/invoices", changed) == [
        {"id": "inv_001", "import_status": "updated"}
    ]
    assert seeded.post("/api/v1/invoices", changed) == [
        {"id": "inv_001", "import_status": "unchanged"}
    ]


def test_seed_list_shape(seeded: Billing) -> None:
    seeded.post("/api/v1/invoices", [SEED_INVOICE, SEED_ONE_TIME])
    response = seeded.http.get("/api/v1/invoices", params={"source": seeded.source_id, "limit": 5})
    assert response.status_code == 200, response.text
    body = response.json()["result"]
    assert body["count"] == 2
    assert "next_cursor" not in body
    first, second = body["list"]
    # newest date first; every field as imported, with source_id, version and updated_at
    assert first.pop("updated_at").endswith("Z")
    assert first == {
        "source_id": seeded.source_id,
        "customer_id": "cus_456",
        "id": "inv_002",
        "type": "one-time",
        "date": "2024-07-02T00:00:00Z",
        "amount_cents": 15000,
        "currency": "USD",
        "start_date": "2024-07-02T00:00:00Z",
        "end_date": "2024-07-02T00:00:00Z",
        "version": 1,
    }
    second.pop("updated_at")
    expected = {k: v for k, v in SEED_INVOICE.items() if k != "data_source"}
    assert second == {"source_id": seeded.source_id, **expected, "version": 1}


def test_seed_validation_errors(seeded: Billing) -> None:
    missing_id = {k: v for k, v in SEED_INVOICE.items() if k != "id"}
    bad_plan = {**SEED_INVOICE, "id": "inv_004", "plan_id": "plan_999"}
    bad_customer = {**SEED_INVOICE, "id": "inv_005", "customer_id": "cus_999"}
    result = seeded.post("/api/v1/invoices", [missing_id, bad_plan, bad_customer, SEED_ONE_TIME])
    assert result == [
        {"id": None, "import_status": "error", "import_error": "Missing invoice ID"},
        {
            "id": "inv_004",
            "import_status": "error",
            "import_error": "Plan ID plan_999 does not exist",
        },
        {
            "id": "inv_005",
            "import_status": "error",
            "import_error": "Customer ID cus_999 does not exist",
        },
        {"id": "inv_002", "import_status": "inserted"},  # a bad item does not stop the others
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"type": "trial"},
            "Invalid type 'trial': must be one of subscription, one-time, refund, cancellation",
        ),
        ({"type": None}, "Missing type"),
        ({"customer_id": None}, "Missing customer ID"),
        ({"data_source": None}, "Missing data_source"),
        ({"data_source": "paddle"}, "Data source paddle does not exist"),
        ({"amount_cents": -1}, "Invalid amount_cents '-1': must be a non-negative integer"),
        ({"amount_cents": "9900"}, "Invalid amount_cents '9900': must be a non-negative integer"),
        ({"amount_cents": None}, "Missing amount_cents"),
        ({"currency": "US"}, "Invalid currency 'US': must be a 3-letter ISO 4217 currency code"),
        ({"currency": "XYZ"}, "Invalid currency 'XYZ': must be a 3-letter ISO 4217 currency code"),
        ({"currency": None}, "Missing currency"),
        ({"date": "yesterday"}, "Invalid date 'yesterday': must be an RFC 3339 timestamp"),
        ({"date": "2024-07-01T00:00:00"}, "Invalid date '2024-07-01T00:00:00': has no timezone"),
        ({"start_date": None}, "Missing start_date"),
        ({"end_date": "2024-13-01T00:00:00Z"}, "Invalid end_date '2024-13-01T00:00:00Z'"),
        (
            {"end_date": "2024-06-30T00:00:00Z"},
            "Invalid end_date '2024-06-30T00:00:00Z': must not be before start_date",
        ),
        ({"plan_id": None}, "Missing plan_id: a subscription invoice needs a plan"),
        (
            {"subscription_id": None},
            "Missing subscription_id: a subscription invoice needs a subscription",
        ),
        ({"quantity": 0}, "Invalid quantity '0': must be an integer from 1 to 2147483647"),
        ({"discount": -5}, "Invalid discount '-5': must be a non-negative integer"),
        ({"coupon": "X"}, "Unknown field 'coupon'"),
    ],
)
def test_each_rule_names_the_field_and_value(
    seeded: Billing, change: dict[str, Any], message: str
) -> None:
    item = {**SEED_INVOICE, **change}
    item = {k: v for k, v in item.items() if v is not None}
    (result,) = seeded.post("/api/v1/invoices", item)
    assert result["import_status"] == "error"
    assert result["id"] == "inv_001"
    assert result["import_error"].startswith(message), result["import_error"]


def test_amount_with_a_fraction_is_refused_not_rounded(seeded: Billing) -> None:
    body = b'{"id": "inv_1", "customer_id": "cus_123", "data_source": "stripe", "type": "one-time",'
    body += b' "date": "2024-07-01T00:00:00Z", "amount_cents": 99.5, "currency": "USD",'
    body += b' "start_date": "2024-07-01T00:00:00Z", "end_date": "2024-07-01T00:00:00Z"}'
    response = seeded.http.post(
        "/api/v1/invoices", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.json()["result"] == [
        {
            "id": "inv_1",
            "import_status": "error",
            "import_error": "Invalid amount_cents '99.5': must be a non-negative integer",
        }
    ]


def test_cancellation_needs_a_subscription(seeded: Billing) -> None:
    cancel = other("inv_9", "cus_123", "cancellation", "2024-07-15")
    (result,) = seeded.invoices(cancel)
    assert (
        result["import_error"]
        == "Missing subscription_id: a cancellation invoice needs a subscription"
    )
    (result,) = seeded.invoices({**cancel, "subscription_id": "sub_001"})
    assert result["import_status"] == "inserted"


def test_several_errors_are_all_named(seeded: Billing) -> None:
    (result,) = seeded.post(
        "/api/v1/invoices", {**SEED_INVOICE, "currency": "dollars", "amount_cents": -3}
    )
    assert result["import_error"] == (
        "Invalid amount_cents '-3': must be a non-negative integer; "
        "Invalid currency 'dollars': must be a 3-letter ISO 4217 currency code"
    )


def test_source_by_id_or_name(seeded: Billing) -> None:
    by_id = {**SEED_INVOICE, "data_source": seeded.source_id}
    assert seeded.post("/api/v1/invoices", by_id)[0]["import_status"] == "inserted"
    assert seeded.post("/api/v1/invoices", SEED_INVOICE)[0]["import_status"] == "unchanged"


def test_same_id_twice_in_one_request(seeded: Billing) -> None:
    changed = {**SEED_INVOICE, "amount_cents": 100}
    result = seeded.post("/api/v1/invoices", [SEED_INVOICE, SEED_INVOICE, changed])
    assert [r["import_status"] for r in result] == ["inserted", "unchanged", "updated"]
    listed = seeded.http.get("/api/v1/invoices", params={"source": "stripe"}).json()["result"][
        "list"
    ]
    assert [(i["amount_cents"], i["version"]) for i in listed] == [(100, 1)]


def test_body_must_be_an_object_or_array_of_objects(seeded: Billing) -> None:
    for body in ("text", 42, [SEED_INVOICE, "x"], None):
        response = seeded.http.post("/api/v1/invoices", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    response = seeded.http.post(
        "/api/v1/invoices", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_at_most_1000_items(seeded: Billing) -> None:
    items = [{**SEED_ONE_TIME, "id": f"inv_{n}"} for n in range(1001)]
    response = seeded.http.post("/api/v1/invoices", json=items)
    assert response.status_code == 422
    assert "at most 1000" in response.json()["errors"][0]["message"]
    result = seeded.post("/api/v1/invoices", items[:1000])
    assert len(result) == 1000 and {r["import_status"] for r in result} == {"inserted"}
    assert [r["id"] for r in result] == [f"inv_{n}" for n in range(1000)]


def test_list_filters_cursor_and_validation(seeded: Billing) -> None:
    seeded.invoices(
        *[
            other(f"inv_{d:02d}", "cus_123", "one-time", f"2024-07-{d:02d}", 100 * d)
            for d in range(1, 11)
        ],
        other("inv_x", "cus_456", "one-time", "2024-07-05", 1),
    )
    get = seeded.http.get
    page1 = get("/api/v1/invoices", params={"source": "stripe", "limit": 4}).json()["result"]
    assert [i["id"] for i in page1["list"]] == ["inv_10", "inv_09", "inv_08", "inv_07"]
    page2 = get(
        "/api/v1/invoices", params={"source": "stripe", "limit": 4, "cursor": page1["next_cursor"]}
    ).json()["result"]
    assert [i["id"] for i in page2["list"]] == ["inv_06", "inv_x", "inv_05", "inv_04"] or [
        i["id"] for i in page2["list"]
    ] == ["inv_06", "inv_05", "inv_x", "inv_04"]
    only = get(
        "/api/v1/invoices",
        params={"source": seeded.source_id, "customer_id": "cus_456"},
    ).json()["result"]
    assert [i["id"] for i in only["list"]] == ["inv_x"]
    window = get(
        "/api/v1/invoices",
        params={
            "source": "stripe",
            "date_from": "2024-07-03",
            "date_to": "2024-07-04",
            "customer_id": "cus_123",
        },
    ).json()["result"]
    assert [i["id"] for i in window["list"]] == ["inv_04", "inv_03"]
    assert get("/api/v1/invoices").status_code == 422  # source is required
    assert get("/api/v1/invoices", params={"source": "stripe", "limit": 0}).status_code == 422
    assert get("/api/v1/invoices", params={"source": "stripe", "limit": 1001}).status_code == 422
    assert (
        get("/api/v1/invoices", params={"source": "stripe", "date_from": "July"}).status_code == 422
    )
    assert (
        get("/api/v1/invoices", params={"source": "stripe", "cursor": "bogus"}).status_code == 422
    )
    assert get("/api/v1/invoices", params={"source": "nope"}).status_code == 404


def test_other_workspaces_see_nothing(seeded: Billing, other_tenant: Any) -> None:
    seeded.post("/api/v1/invoices", SEED_INVOICE)
    response = other_tenant.http.get("/api/v1/invoices", params={"source": seeded.source_id})
    assert response.status_code == 404
    other_tenant.source("stripe")
    (result,) = other_tenant.http.post("/api/v1/invoices", json=SEED_INVOICE).json()["result"]
    assert (
        result["import_error"]
        == "Customer ID cus_123 does not exist; Plan ID plan_123 does not exist"
    )


def test_scopes(seeded: Billing) -> None:
    key = seeded.tenant.key("read:invoices")
    headers = {"Authorization": f"Bearer {key}"}
    assert (
        seeded.http.post("/api/v1/invoices", json=SEED_INVOICE, headers=headers).status_code == 403
    )
    assert (
        seeded.http.get(
            "/api/v1/invoices", params={"source": "stripe"}, headers=headers
        ).status_code
        == 200
    )
    key = seeded.tenant.key("write:invoices")
    headers = {"Authorization": f"Bearer {key}"}
    assert (
        seeded.http.post("/api/v1/invoices", json=SEED_INVOICE, headers=headers).status_code == 200
    )
    assert (
        seeded.http.get(
            "/api/v1/invoices", params={"source": "stripe"}, headers=headers
        ).status_code
        == 403
    )
    assert seeded.http.post("/api/v1/invoices", json=SEED_INVOICE, headers={}).status_code in (
        200,
        401,
    )


def test_import_queues_customers_and_returns_before_recalculation(seeded: Billing) -> None:
    seeded.post("/api/v1/invoices", [SEED_INVOICE, SEED_ONE_TIME])
    status = seeded.http.get("/api/v1/metrics/status").json()["data"]
    # the one-time invoice changes no MRR: only cus_123 is queued
    assert status["pending_customers"] == 1
    assert status["last_recalculated_at"] is None
    assert seeded.mrr_on("2024-07-15")["mrr"] == 0  # not yet recalculated
    assert seeded.work() == 1
    status = seeded.http.get("/api/v1/metrics/status").json()["data"]
    assert status["pending_customers"] == 0
    assert status["last_recalculated_at"] is not None
    assert seeded.mrr_on("2024-07-15")["mrr"] == 9900
    # unchanged invoices queue nobody
    seeded.post("/api/v1/invoices", SEED_INVOICE)
    assert seeded.http.get("/api/v1/metrics/status").json()["data"]["pending_customers"] == 0


def test_moving_an_invoice_to_another_customer_recalculates_both(seeded: Billing) -> None:
    seeded.post("/api/v1/invoices", SEED_INVOICE)
    seeded.work()
    seeded.post("/api/v1/invoices", {**SEED_INVOICE, "customer_id": "cus_456"})
    assert seeded.http.get("/api/v1/metrics/status").json()["data"]["pending_customers"] == 2
    seeded.work()
    day = seeded.mrr_on("2024-07-15")
    assert (day["mrr"], day["customers"]) == (9900, 1)
    moves = seeded.http.get(
        "/api/v1/metrics/movements", params={"start_date": "2024-07-01", "end_date": "2024-08-31"}
    ).json()["data"]
    assert [(m["customer_id"], m["type"]) for m in moves] == [
        ("cus_456", "new"),
        ("cus_456", "churn"),
    ]


def test_subscription_invoice_with_sub_helper(seeded: Billing) -> None:
    (result,) = seeded.invoices(
        sub("inv_1", "cus_123", "plan_123", "s", "2024-01-01", "2024-02-01", 1)
    )
    assert result["import_status"] == "inserted"


def test_hostile_values_are_refused_not_crashing(seeded: Billing) -> None:
    items = [
        {**SEED_INVOICE, "id": "a\x00b"},
        {**SEED_INVOICE, "id": "inv_q", "quantity": 2**40},
        {**SEED_INVOICE, "id": "inv_d", "date": "9999-12-31T23:59:59-01:00"},
        {**SEED_INVOICE, "id": "inv_s", "data_source": "str\x00ipe"},
        {**SEED_INVOICE, "id": "inv_a", "amount_cents": 10**20},
    ]
    result = seeded.post("/api/v1/invoices", items)
    assert [r["import_status"] for r in result] == ["error"] * 5
    assert result[0]["import_error"] == "Invalid id: must not contain NUL characters"
    assert result[2]["import_error"].endswith("is out of range")
    get = seeded.http.get
    assert get("/api/v1/invoices", params={"source": "str\x00ipe"}).status_code == 404
    assert get(f"/api/v1/customers/{seeded.source_id}/a%00b").status_code == 404
    params = {"source": "stripe", "date_to": "9999-12-31T23:59:59-01:00"}
    assert get("/api/v1/invoices", params=params).status_code == 422
    for params in (
        {"start_date": "0001-01-01", "end_date": "0001-02-01"},
        {"start_date": "2024-01-01", "end_date": "2024-02-01", "plan_id": "a\x00"},
    ):
        assert get("/api/v1/metrics/mrr", params=params).status_code == 422
    assert get("/api/v1/metrics/summary", params={"date": "0001-01-01"}).status_code == 422
