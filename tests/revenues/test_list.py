"""GET /api/v1/revenues filters, paging and ordering; GET /api/v1/revenues/export."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from tests.conftest import Tenant, sale


@pytest.fixture
def ledger(tenant: Tenant) -> dict[str, Any]:
    stripe = tenant.source("stripe")
    apple = tenant.source("app-store")
    records = [
        sale(stripe, "s1", occurred_at="2026-01-01T00:00:00Z", description="January first"),
        sale(stripe, "s2", occurred_at="2026-01-31T23:59:59Z", currency="EUR"),
        sale(
            stripe, "s3", occurred_at="2026-02-01T00:00:00Z", external_product_identifier="SKU_Pro"
        ),
        sale(apple, "a1", type="refund", amount="-5", occurred_at="2026-02-15T12:00:00Z"),
        sale(apple, "a2", type="adjustment", amount="2", occurred_at="2026-03-10T08:30:00Z"),
        sale(apple, "a3", occurred_at="2026-03-10T08:30:00Z", currency="EUR"),
    ]
    response = tenant.http.post("/api/v1/revenues/batch", json={"records": records})
    assert response.json()["meta"]["succeeded"] == 6
    return {"stripe": stripe, "apple": apple}


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["external_id"] for r in response.json()["data"]]


def test_newest_first_with_a_stable_tie_breaker(tenant: Tenant, ledger: dict[str, Any]) -> None:
    listed = ids(tenant.http.get("/api/v1/revenues"))
    assert listed[2:] == ["a1", "s3", "s2", "s1"]
    assert set(listed[:2]) == {"a2", "a3"}
    assert ids(tenant.http.get("/api/v1/revenues")) == listed


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=sale", {"s1", "s2", "s3", "a3"}),
        ("type=refund", {"a1"}),
        ("currency=eur", {"s2", "a3"}),
        ("type=sale&currency=USD", {"s1", "s3"}),
        ("date_from=2026-01-31&date_to=2026-02-01", {"s2", "s3"}),
        ("date_from=2026-03-10", {"a2", "a3"}),
        ("date_to=2026-01-01", {"s1"}),
        ("date_from=2026-01-31T23:59:59Z&date_to=2026-02-01T00:00:00Z", {"s2", "s3"}),
        ("date_from=2026-02-01T00:00:01Z", {"a1", "a2", "a3"}),
        ("search=sku_pro", {"s3"}),
        ("search=JANUARY", {"s1"}),
        ("search=a", {"a1", "a2", "a3", "s1"}),
        ("search=%25", set()),
    ],
)
def test_filters(tenant: Tenant, ledger: dict[str, Any], query: str, expected: set[str]) -> None:
    response = tenant.http.get(f"/api/v1/revenues?{query}")
    assert set(ids(response)) == expected
    assert response.json()["meta"]["total"] == len(expected)


def test_source_filter(tenant: Tenant, ledger: dict[str, Any]) -> None:
    response = tenant.http.get(f"/api/v1/revenues?revenue_source_id={ledger['apple']}")
    assert set(ids(response)) == {"a1", "a2", "a3"}


def test_pages_and_meta(tenant: Tenant, ledger: dict[str, Any]) -> None:
    everything = ids(tenant.http.get("/api/v1/revenues"))
    page1 = tenant.http.get("/api/v1/revenues?per_page=4&page=1").json()
    page2 = tenant.http.get("/api/v1/revenues?per_page=4&page=2").json()
    assert page1["meta"] == {"current_page": 1, "last_page": 2, "per_page": 4, "total": 6}
    assert page2["meta"] == {"current_page": 2, "last_page": 2, "per_page": 4, "total": 6}
    assert [r["external_id"] for r in page1["data"] + page2["data"]] == everything
    past = tenant.http.get("/api/v1/revenues?per_page=4&page=9").json()
    assert past == {
        "data": [],
        "meta": {"current_page": 9, "last_page": 2, "per_page": 4, "total": 6},
    }
    default = tenant.http.get("/api/v1/revenues").json()["meta"]
    assert default["per_page"] == 25


def test_empty_workspace_meta(tenant: Tenant) -> None:
    assert tenant.http.get("/api/v1/revenues").json() == {
        "data": [],
        "meta": {"current_page": 1, "last_page": 1, "per_page": 25, "total": 0},
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
        ("page=x", "page"),
        ("type=credit", "type"),
        ("currency=ZZZ", "currency"),
        ("date_from=2026-13-01", "date_from"),
        ("date_to=yesterday", "date_to"),
        ("date_from=2026-01-01T00:00:00", "date_from"),
        ("date_from=2026-02-01&date_to=2026-01-01", "date_to"),
    ],
)
def test_invalid_filters_are_422(tenant: Tenant, query: str, field: str) -> None:
    response = tenant.http.get(f"/api/v1/revenues?{query}")
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}


def test_date_filters_use_the_workspace_timezone(tenant: Tenant, database: Any) -> None:
    from sqlalchemy import update

    from revledger.auth.models import Workspace

    with database.session(write=True) as session, session.begin():
        session.execute(
            update(Workspace)
            .where(Workspace.id == tenant.workspace_id)
            .values(timezone="Asia/Tokyo")
        )
    source = tenant.source()
    # 2026-03-01T20:00Z is 2026-03-02 05:00 in Tokyo.
    tenant.http.post("/api/v1/revenues", json=sale(source, "t", occurred_at="2026-03-01T20:00:00Z"))
    assert ids(tenant.http.get("/api/v1/revenues?date_from=2026-03-02&date_to=2026-03-02")) == ["t"]
    assert ids(tenant.http.get("/api/v1/revenues?date_to=2026-03-01")) == []


def test_count_across_many_days_matches_rows(tenant: Tenant) -> None:
    """meta.total uses day counts for whole days and exact counts at the edges."""
    source = tenant.source()
    records = [
        sale(
            source,
            f"d{i}",
            occurred_at=f"2026-04-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
            currency="EUR" if i % 3 else "USD",
            type="sale",
        )
        for i in range(100)
    ]
    tenant.http.post("/api/v1/revenues/batch", json={"records": records})
    for query in [
        "date_from=2026-04-03T05:30:00Z&date_to=2026-04-20T13:00:00Z",
        "date_from=2026-04-03&date_to=2026-04-20&currency=EUR",
        "date_from=2026-04-10T00:00:00Z",
        "date_to=2026-04-10T12:00:00Z",
        "date_from=2026-04-05T10:00:00+05:00&date_to=2026-04-05T23:00:00-03:00",
    ]:
        params = dict(pair.split("=") for pair in query.split("&"))
        meta = tenant.http.get("/api/v1/revenues", params={**params, "per_page": 100}).json()
        assert meta["meta"]["total"] == len(meta["data"]), query


def test_export_streams_every_matching_row(tenant: Tenant, ledger: dict[str, Any]) -> None:
    response = tenant.http.get("/api/v1/revenues/export?format=ndjson&currency=EUR")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert [r["external_id"] for r in rows] == ["a3", "s2"]
    listed = tenant.http.get("/api/v1/revenues?currency=EUR").json()["data"]
    assert rows == listed


def test_export_csv(tenant: Tenant, ledger: dict[str, Any]) -> None:
    response = tenant.http.get("/api/v1/revenues/export?format=csv&type=refund")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 1
    assert rows[0]["external_id"] == "a1"
    assert rows[0]["amount"] == "-5.000"
    assert rows[0]["occurred_at"] == "2026-02-15T12:00:00+00:00"


def test_export_has_no_paging_limit(tenant: Tenant) -> None:
    source = tenant.source()
    for start in range(0, 300, 100):
        records = [sale(source, f"e{i}") for i in range(start, start + 100)]
        tenant.http.post("/api/v1/revenues/batch", json={"records": records})
    lines = tenant.http.get("/api/v1/revenues/export").text.splitlines()
    assert len(lines) == 300


def test_export_rejects_bad_format_and_filters(tenant: Tenant) -> None:
    assert tenant.http.get("/api/v1/revenues/export?format=xml").status_code == 422
    assert tenant.http.get("/api/v1/revenues/export?date_from=bad").status_code == 422


def test_deep_pages_seek_by_day_and_match_the_full_order(tenant: Tenant) -> None:
    """Past offset 2,000 pages skip whole days using the day counts; every page must
    still be exactly the slice of the full newest-first order."""
    stripe = tenant.source("stripe")
    apple = tenant.source("app-store")
    records = []
    for i in range(2600):
        day, minute = divmod(i * 7, 24 * 60)  # ~205 records a day over ~13 days
        records.append(
            sale(
                stripe if i % 2 else apple,
                f"deep{i}",
                occurred_at=f"2026-03-{1 + day:02d}T{minute // 60:02d}:{minute % 60:02d}:00Z",
                currency="EUR" if i % 3 else "USD",
                type="refund" if i % 5 == 0 else "sale",
                amount="-1" if i % 5 == 0 else "1",
            )
        )
    for start in range(0, len(records), 100):
        body = {"records": records[start : start + 100]}
        assert tenant.http.post("/api/v1/revenues/batch", json=body).status_code == 200
    for params in [
        {},
        {"type": "sale"},
        {"currency": "EUR", "revenue_source_id": stripe},
        {"date_from": "2026-03-02T06:30:00Z", "date_to": "2026-03-12T17:45:00Z"},
        {"date_from": "2026-03-03", "date_to": "2026-03-11", "type": "sale"},
    ]:
        full = tenant.http.get("/api/v1/revenues/export", params=params).text.splitlines()
        order = [json.loads(line)["id"] for line in full]
        last_page = -(-len(order) // 100)
        for page in sorted({20, 21, 22, last_page, last_page + 1}):
            response = tenant.http.get(
                "/api/v1/revenues", params={**params, "per_page": 100, "page": page}
            )
            body = response.json()
            assert body["meta"]["total"] == len(order), params
            got = [r["id"] for r in body["data"]]
            assert got == order[(page - 1) * 100 : page * 100], (params, page)
