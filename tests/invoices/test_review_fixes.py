"""Regressions from the issue-3 review: defaults compared as defaults, lone surrogates."""

from __future__ import annotations

from typing import Any

import pytest

from tests.metrics.helpers import Billing, sub


@pytest.fixture
def seeded(billing: Billing) -> Billing:
    billing.customers("cus_1")
    billing.plan("m", 9900)
    return billing


def _post_raw(billing: Billing, path: str, body: str) -> Any:
    response = billing.http.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    return response.json()["result"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({}, {"quantity": 1, "discount": 0}),
        ({"quantity": 1, "discount": 0}, {}),
        ({}, {"quantity": 1}),
        ({"discount": 0}, {}),
    ],
)
def test_sending_the_defaults_is_no_change(
    seeded: Billing, first: dict[str, Any], second: dict[str, Any]
) -> None:
    base = sub("inv_1", "cus_1", "m", "s1", "2024-01-01", "2024-02-01", 9900)
    assert seeded.invoices({**base, **first})[0]["import_status"] == "inserted"
    seeded.work()
    assert seeded.invoices({**base, **second})[0]["import_status"] == "unchanged"
    status = seeded.http.get("/api/v1/metrics/status").json()["data"]
    assert status["pending_customers"] == 0
    listed = seeded.http.get("/api/v1/invoices", params={"source": "stripe"}).json()
    [invoice] = listed["result"]["list"]
    assert invoice["version"] == 1
    # what was first sent is what is stored
    for name in ("quantity", "discount"):
        assert invoice.get(name) == first.get(name)


def test_a_different_quantity_is_still_an_update(seeded: Billing) -> None:
    base = sub("inv_1", "cus_1", "m", "s1", "2024-01-01", "2024-02-01", 9900)
    seeded.invoices(base)
    assert seeded.invoices({**base, "quantity": 2})[0]["import_status"] == "updated"
    assert seeded.invoices({**base, "quantity": 2, "discount": 5})[0]["import_status"] == "updated"


def test_lone_surrogates_in_invoices_are_item_errors(seeded: Billing) -> None:
    good = (
        '"customer_id":"cus_1","data_source":"stripe","type":"subscription",'
        '"date":"2024-01-01T00:00:00Z","amount_cents":9900,"currency":"USD","plan_id":"m",'
        '"subscription_id":"s1","start_date":"2024-01-01T00:00:00Z",'
        '"end_date":"2024-02-01T00:00:00Z"'
    )
    result = _post_raw(
        seeded,
        "/api/v1/invoices",
        "["
        + ",".join(
            [
                '{"id":"i\\ud800"}',
                '{"id":"i2",' + good.replace('"cus_1"', '"c\\udfff"') + "}",
                '{"id":"i3",' + good.replace('"m"', '"m\\ud800"') + "}",
                '{"id":"i4",' + good.replace('"s1"', '"s\\ud800"') + "}",
                '{"id":"i5",' + good.replace('"stripe"', '"st\\ud800"') + "}",
                '{"id":"i6",' + good + "}",
            ]
        )
        + "]",
    )
    assert [r["id"] for r in result] == [None, "i2", "i3", "i4", "i5", "i6"]
    assert [r["import_status"] for r in result] == ["error"] * 5 + ["inserted"]
    assert result[0]["import_error"].startswith("Invalid id: must be valid Unicode")
    assert result[1]["import_error"] == "Invalid customer_id: must be valid Unicode"
    assert result[2]["import_error"].startswith("Invalid plan_id: must be valid Unicode; ")
    assert result[3]["import_error"].startswith("Invalid subscription_id: must be valid Unicode; ")
    assert result[4]["import_error"] == "Invalid data_source: must be valid Unicode"


def test_lone_surrogates_in_customers_and_plans_are_item_errors(seeded: Billing) -> None:
    result = _post_raw(
        seeded,
        "/api/v1/customers",
        "["
        + ",".join(
            [
                '{"id":"c\\ud800","data_source":"stripe"}',
                '{"id":"c2","data_source":"stripe","name":"x\\ud800"}',
                '{"id":"c3","data_source":"stripe","custom_variables":{"k":"\\ud800"}}',
                '{"id":"c4","data_source":"stripe","custom_variables":{"\\udc00":1}}',
                '{"id":"c5","data_source":"stripe","custom_variables":{"k":["a",{"b":"\\ud800"}]}}',
                '{"id":"c6","data_source":"stripe","email":"a\\ud800@b.c"}',
                '{"id":"c7","data_source":"stripe","custom_variables":{"k":"\\ud83d\\ude00"}}',
            ]
        )
        + "]",
    )
    assert [r["id"] for r in result] == [None, "c2", "c3", "c4", "c5", "c6", "c7"]
    assert [r["import_status"] for r in result] == ["error"] * 6 + ["inserted"]
    assert result[0]["import_error"] == "Invalid id: must be valid Unicode"
    assert result[1]["import_error"] == "Invalid name: must be valid Unicode"
    for r in result[2:5]:
        assert r["import_error"] == "Invalid custom_variables: must be valid Unicode"
    assert result[5]["import_error"] == "Invalid email: must be valid Unicode"
    customer = seeded.http.get(f"/api/v1/customers/{seeded.source_id}/c7").json()["data"]
    assert customer["custom_variables"] == {"k": "\U0001f600"}  # a valid pair is kept
    result = _post_raw(
        seeded,
        "/api/v1/plans",
        '[{"id":"p\\ud800","data_source":"stripe","interval_unit":"month"},'
        '{"id":"p2","data_source":"stripe","interval_unit":"month","name":"\\udbff"}]',
    )
    assert result == [
        {"id": None, "import_status": "error", "import_error": "Invalid id: must be valid Unicode"},
        {
            "id": "p2",
            "import_status": "error",
            "import_error": "Invalid name: must be valid Unicode",
        },
    ]
