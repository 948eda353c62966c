"""Customers and plans: import rules, statuses, lists, one customer with its MRR."""

from __future__ import annotations

from typing import Any

import pytest

from tests.metrics.helpers import Billing, sub

CUSTOMER = {
    "id": "cus_123",
    "data_source": "stripe",
    "name": "Acme",
    "email": "billing@acme.test",
    "country": "DE",
    "company": "Acme GmbH",
    "custom_variables": {"segment": "smb", "seats": 12},
}
PLAN = {
    "id": "plan_123",
    "data_source": "stripe",
    "name": "Pro",
    "interval_count": 1,
    "interval_unit": "month",
    "currency": "USD",
    "amount_cents": 9900,
}


def test_customer_statuses(billing: Billing) -> None:
    assert billing.post("/api/v1/customers", CUSTOMER) == [
        {"id": "cus_123", "import_status": "inserted"}
    ]
    assert billing.post("/api/v1/customers", CUSTOMER) == [
        {"id": "cus_123", "import_status": "unchanged"}
    ]
    reordered = {**CUSTOMER, "custom_variables": {"seats": 12, "segment": "smb"}}
    assert billing.post("/api/v1/customers", reordered)[0]["import_status"] == "unchanged"
    renamed = {**CUSTOMER, "name": "Acme Inc"}
    assert billing.post("/api/v1/customers", [renamed, CUSTOMER]) == [
        {"id": "cus_123", "import_status": "updated"},
        {"id": "cus_123", "import_status": "updated"},
    ]
    # a customer's details change no MRR: nobody is queued
    assert billing.http.get("/api/v1/metrics/status").json()["data"]["pending_customers"] == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": None}, "Missing customer ID"),
        ({"id": ""}, "Missing customer ID"),
        ({"id": 12}, "Invalid id '12': must be a string"),
        ({"data_source": None}, "Missing data_source"),
        ({"data_source": "nope"}, "Data source nope does not exist"),
        (
            {"country": "Germany"},
            "Invalid country 'Germany': must be an ISO 3166-1 alpha-2 country code",
        ),
        ({"country": "XX"}, "Invalid country 'XX': must be an ISO 3166-1 alpha-2 country code"),
        ({"email": "not an email"}, "Invalid email 'not an email': must be an email address"),
        ({"custom_variables": ["a"]}, "Invalid custom_variables: must be a JSON object"),
        ({"name": "x" * 256}, "Invalid name: must be at most 255 characters"),
        ({"plan": "pro"}, "Unknown field 'plan'"),
    ],
)
def test_customer_rules(billing: Billing, change: dict[str, Any], message: str) -> None:
    item = {k: v for k, v in {**CUSTOMER, **change}.items() if v is not None}
    (result,) = billing.post("/api/v1/customers", item)
    assert result["import_status"] == "error"
    assert result["import_error"] == message


def test_customer_list_and_detail(billing: Billing) -> None:
    billing.post("/api/v1/customers", [CUSTOMER, {"id": "cus_2", "data_source": "stripe"}])
    body = billing.http.get("/api/v1/customers", params={"source": billing.source_id}).json()[
        "result"
    ]
    assert body["count"] == 2
    assert body["list"][0] == {"source_id": billing.source_id, "id": "cus_2"}
    expected = {k: v for k, v in CUSTOMER.items() if k != "data_source"}
    assert body["list"][1] == {"source_id": billing.source_id, **expected}
    page = billing.http.get("/api/v1/customers", params={"source": "stripe", "limit": 1}).json()[
        "result"
    ]
    assert [c["id"] for c in page["list"]] == ["cus_2"]
    page = billing.http.get(
        "/api/v1/customers", params={"source": "stripe", "limit": 1, "cursor": page["next_cursor"]}
    ).json()["result"]
    assert [c["id"] for c in page["list"]] == ["cus_123"] and "next_cursor" not in page
    missing = billing.http.get(f"/api/v1/customers/{billing.source_id}/cus_999")
    assert missing.status_code == 404
    assert billing.http.get("/api/v1/customers/nope/cus_123").status_code == 404


def test_customer_detail_has_current_mrr_and_subscriptions(billing: Billing) -> None:
    billing.post("/api/v1/customers", CUSTOMER)
    billing.post("/api/v1/plans", PLAN)
    billing.invoices(sub("inv_1", "cus_123", "plan_123", "sub_1", "2020-01-01", "2099-01-01", 9900))
    detail = billing.http.get(f"/api/v1/customers/{billing.source_id}/cus_123").json()["data"]
    assert detail["mrr"] == 0 and detail["metrics_pending"] is True
    billing.work()
    detail = billing.http.get(f"/api/v1/customers/{billing.source_id}/cus_123").json()["data"]
    assert detail["id"] == "cus_123" and detail["name"] == "Acme"
    assert (detail["mrr"], detail["currency"], detail["metrics_pending"]) == (9900, "USD", False)
    assert detail["subscriptions"] == [
        {
            "id": "sub_1",
            "plan_id": "plan_123",
            "status": "active",
            "mrr": 9900,
            "start_date": "2020-01-01",
            "end_date": "2099-01-01",
        }
    ]
    history = billing.http.get(f"/api/v1/customers/{billing.source_id}/cus_123/mrr").json()
    assert history["data"] == [
        {"date": "2020-01-01", "mrr": 9900, "type": "new", "amount": 9900},
        {"date": "2099-01-01", "mrr": 0, "type": "churn", "amount": -9900},
    ]
    assert history["meta"]["currency"] == "USD"


def test_plan_statuses_and_rules(billing: Billing) -> None:
    assert billing.post("/api/v1/plans", PLAN) == [{"id": "plan_123", "import_status": "inserted"}]
    assert billing.post("/api/v1/plans", PLAN) == [{"id": "plan_123", "import_status": "unchanged"}]
    assert billing.post("/api/v1/plans", {**PLAN, "name": "Pro+"})[0]["import_status"] == "updated"
    bad = [
        ({"id": None}, "Missing plan ID"),
        ({"interval_count": 0}, "Invalid interval_count '0': must be an integer from 1 to 1000"),
        (
            {"interval_unit": "quarter"},
            "Invalid interval_unit 'quarter': must be one of day, week, month, year",
        ),
        ({"interval_unit": None}, "Missing interval_unit"),
        (
            {"currency": "usd1"},
            "Invalid currency 'usd1': must be a 3-letter ISO 4217 currency code",
        ),
        ({"amount_cents": -1}, "Invalid amount_cents '-1': must be a non-negative integer"),
    ]
    items = [{k: v for k, v in {**PLAN, **change}.items() if v is not None} for change, _ in bad]
    result = billing.post("/api/v1/plans", items)
    assert [r["import_error"] for r in result] == [message for _, message in bad]
    listed = billing.http.get("/api/v1/plans", params={"source": "stripe"}).json()["result"]
    assert listed["count"] == 1
    assert listed["list"][0] == {
        "source_id": billing.source_id,
        **{k: v for k, v in PLAN.items() if k != "data_source"},
        "name": "Pro+",
    }


def test_changing_a_plan_interval_recalculates_its_customers(billing: Billing) -> None:
    billing.post("/api/v1/customers", CUSTOMER)
    billing.post("/api/v1/plans", {**PLAN, "amount_cents": 30000, "interval_count": 3})
    billing.invoices(
        sub("inv_1", "cus_123", "plan_123", "sub_1", "2024-01-01", "2024-04-01", 30000)
    )
    billing.work()
    assert billing.mrr_on("2024-02-01")["mrr"] == 10000  # quarterly: 30000 / 3
    # the name alone changes no MRR: nobody queued
    billing.post("/api/v1/plans", {**PLAN, "amount_cents": 30000, "interval_count": 3, "name": "Q"})
    assert billing.http.get("/api/v1/metrics/status").json()["data"]["pending_customers"] == 0
    billing.post("/api/v1/plans", {**PLAN, "amount_cents": 30000, "interval_count": 1, "name": "Q"})
    assert billing.http.get("/api/v1/metrics/status").json()["data"]["pending_customers"] == 1
    billing.work()
    assert billing.mrr_on("2024-02-01")["mrr"] == 30000


def test_customer_and_plan_scopes(billing: Billing) -> None:
    headers = {"Authorization": f"Bearer {billing.tenant.key('read:customers', 'read:plans')}"}
    assert billing.http.post("/api/v1/customers", json=CUSTOMER, headers=headers).status_code == 403
    assert billing.http.post("/api/v1/plans", json=PLAN, headers=headers).status_code == 403
    assert (
        billing.http.get(
            "/api/v1/customers", params={"source": "stripe"}, headers=headers
        ).status_code
        == 200
    )
    assert (
        billing.http.get("/api/v1/plans", params={"source": "stripe"}, headers=headers).status_code
        == 200
    )
    assert billing.http.get("/api/v1/metrics/status", headers=headers).status_code == 403
