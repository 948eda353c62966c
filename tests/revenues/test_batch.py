"""POST /api/v1/revenues/batch: every record judged alone, as a single POST would be."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Tenant, sale


def batch(tenant: Tenant, records: Any) -> Any:
    return tenant.http.post("/api/v1/revenues/batch", json={"records": records})


def test_batch_answers_each_record_as_a_single_post_would(tenant: Tenant) -> None:
    source = tenant.source()
    existing = tenant.http.post("/api/v1/revenues", json=sale(source, "old")).json()["data"]
    records = [
        sale(source, "a"),
        sale(source, "b", type="refund", amount="-10.5"),
        sale(source, "bad", amount="0"),
        sale(source, "old"),
        sale(source, "old", amount="1.000"),
        sale(source, "a", description="dup in batch"),
    ]
    response = batch(tenant, records)
    assert response.status_code == 200
    body = response.json()
    assert body["meta"] == {"processed": 6, "succeeded": 5, "failed": 1, "limit": 100}
    items = body["data"]
    assert [i["index"] for i in items] == [0, 1, 2, 3, 4, 5]
    assert [i["status"] for i in items] == [201, 201, 422, 200, 200, 200]
    assert [i["success"] for i in items] == [True, True, False, True, True, True]
    assert items[0]["response"]["outcome"] == "created"
    assert items[1]["response"]["data"]["amount"] == "-10.500"
    assert items[2]["response"]["errors"][0]["field"] == "amount"
    assert items[3]["response"] == {"data": existing, "outcome": "skipped_duplicate"}
    assert items[4]["response"]["mismatched_fields"] == ["amount"]
    assert items[5]["response"]["outcome"] == "skipped_duplicate"
    assert items[5]["response"]["data"]["id"] == items[0]["response"]["data"]["id"]
    assert items[5]["response"]["mismatched_fields"] == ["description"]
    single = tenant.http.post("/api/v1/revenues", json=sale(source, "bad", amount="0"))
    assert single.json() == items[2]["response"]
    assert tenant.http.get("/api/v1/revenues").json()["meta"]["total"] == 3


def test_batch_of_100_is_accepted(tenant: Tenant) -> None:
    source = tenant.source()
    response = batch(tenant, [sale(source, f"r{i}") for i in range(100)])
    assert response.status_code == 200
    assert response.json()["meta"]["succeeded"] == 100
    assert tenant.http.get("/api/v1/revenues").json()["meta"]["total"] == 100


@pytest.mark.parametrize(
    "body",
    [
        {"records": []},
        {"records": "nope"},
        {"rows": []},
        [],
        {"records": [{}], "extra": 1},
    ],
)
def test_bad_batch_shape_is_422_and_writes_nothing(tenant: Tenant, body: Any) -> None:
    response = tenant.http.post("/api/v1/revenues/batch", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert tenant.http.get("/api/v1/revenues").json()["meta"]["total"] == 0


def test_more_than_100_records_is_422_and_writes_nothing(tenant: Tenant) -> None:
    source = tenant.source()
    response = batch(tenant, [sale(source, f"r{i}") for i in range(101)])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "records"
    assert tenant.http.get("/api/v1/revenues").json()["meta"]["total"] == 0


def test_batch_is_set_wise(tenant: Tenant, database: Any) -> None:
    """A fixed handful of statements per batch, whatever the number of records."""
    from sqlalchemy import event

    source = tenant.source()
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    batch(tenant, [sale(source, "warm-up")])  # the first posting creates the periods
    event.listen(database.engine, "before_cursor_execute", count)
    try:
        batch(tenant, [sale(source, f"s{i}") for i in range(10)])
        small = len(statements)
        statements.clear()
        batch(tenant, [sale(source, f"l{i}") for i in range(100)])
        large = len(statements)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert large == small
    assert large <= 16  # 4 for the records, the rest for their revenue schedules


def test_a_record_that_is_not_an_object_is_judged_alone(tenant: Tenant) -> None:
    source = tenant.source()
    response = batch(tenant, [sale(source, "ok"), 1, "x"])
    assert response.status_code == 200
    body = response.json()
    assert [i["status"] for i in body["data"]] == [201, 422, 422]
    assert body["meta"] == {"processed": 3, "succeeded": 1, "failed": 2, "limit": 100}


def test_a_nul_character_fails_its_record_only(tenant: Tenant) -> None:
    source = tenant.source()
    response = batch(tenant, [sale(source, "good"), sale(source, "bad\u0000")])
    assert [i["status"] for i in response.json()["data"]] == [201, 422]
    assert response.json()["data"][1]["response"]["errors"][0]["field"] == "external_id"
    assert tenant.http.get("/api/v1/revenues").json()["meta"]["total"] == 1
