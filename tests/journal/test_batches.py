"""Summary journal batches (seed 002): made on close, READY_TO_TRANSFER until the GL
takes them; a reopened and re-closed period sends only what it gained."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from tests.journal.helpers import Books, amounts, net, totals
from tests.metrics.helpers import other

JAN = [
    ("Jan'2026", "Accounts Receivable", "3650.00", "0.00"),
    ("Jan'2026", "Deferred Revenue", "170.00", "3650.00"),
    ("Jan'2026", "Revenue", "0.00", "170.00"),
]


def test_closing_a_period_makes_a_summary_batch_ready_to_transfer(books: Books) -> None:
    books.annual()
    books.close("Jan'2026")
    [summary] = books.batches()
    assert summary["status"] == "READY_TO_TRANSFER"
    assert summary["period"] == "Jan'2026"
    assert summary["period_start"] == "2026-01-01"
    assert summary["period_end"] == "2026-01-31"
    assert summary["line_count"] == 3
    assert summary["totals"] == [{"currency": "USD", "debit": "3820.00", "credit": "3820.00"}]
    assert summary["transferred_at"] is None
    body = books.batch(summary["id"])
    assert amounts(body["data"]["lines"]) == JAN
    assert [x["line_no"] for x in body["data"]["lines"]] == [1, 2, 3]
    assert body["meta"] == {"current_page": 1, "last_page": 1, "per_page": 1000, "total": 3}
    # Feb is still open: no batch for it yet
    assert books.batches(period="Feb'2026") == []
    books.close("Feb'2026")
    feb = books.batches(period="Feb'2026")
    assert [b["status"] for b in feb] == ["READY_TO_TRANSFER"]
    assert amounts(books.batch(feb[0]["id"])["data"]["lines"]) == [
        ("Feb'2026", "Deferred Revenue", "280.00", "0.00"),
        ("Feb'2026", "Revenue", "0.00", "280.00"),
    ]


def test_a_batch_summarizes_by_account_currency_and_period(books: Books) -> None:
    books.revenue("a", "100.000", "2026-03-01")
    books.revenue("b", "20.500", "2026-03-31")
    books.revenue("r", "-30.000", "2026-03-15")
    books.revenue("april", "999.000", "2026-04-01")
    response = books.http.post(
        "/api/v1/revenues",
        json={
            "revenue_source_id": books.source_id,
            "type": "sale",
            "amount": "7.000",
            "currency": "EUR",
            "occurred_at": "2026-03-05T00:00:00Z",
            "external_id": "eur",
        },
    )
    assert response.status_code == 201
    books.close("Mar'2026")
    [summary] = books.batches()
    lines = books.batch(summary["id"])["data"]["lines"]
    assert [(x["currency"], *row) for x, row in zip(lines, amounts(lines), strict=True)] == [
        ("EUR", "Mar'2026", "Accounts Receivable", "7.00", "0.00"),
        ("EUR", "Mar'2026", "Deferred Revenue", "7.00", "7.00"),
        ("EUR", "Mar'2026", "Revenue", "0.00", "7.00"),
        ("USD", "Mar'2026", "Accounts Receivable", "120.50", "30.00"),
        ("USD", "Mar'2026", "Deferred Revenue", "150.50", "150.50"),
        ("USD", "Mar'2026", "Refunds", "30.00", "0.00"),
        ("USD", "Mar'2026", "Revenue", "0.00", "120.50"),
    ]
    assert totals(lines) == {
        "EUR": (Decimal("14.00"), Decimal("14.00")),
        "USD": (Decimal("301.00"), Decimal("301.00")),
    }


def test_pages_of_a_batch(books: Books) -> None:
    books.revenue("a", "1.000", "2026-03-01")
    books.revenue("r", "-1.000", "2026-03-02")
    books.close("Mar'2026")
    [summary] = books.batches()
    assert summary["line_count"] == 4
    page = books.batch(summary["id"], page=2, pagesize=3)
    assert [x["line_no"] for x in page["data"]["lines"]] == [4]
    assert page["meta"] == {"current_page": 2, "last_page": 2, "per_page": 3, "total": 4}
    assert books.batch(summary["id"], pagesize=10_000)["meta"]["per_page"] == 10_000
    for bad in ({"pagesize": 10_001}, {"pagesize": 0}, {"page": 0}):
        body = books.get(f"/api/v1/journal/batches/{summary['id']}", 422, **bad)
        assert body["errors"][0]["field"] in ("pagesize", "page")


def test_csv_download(books: Books) -> None:
    books.annual()
    books.close("Jan'2026")
    [summary] = books.batches()
    response = books.http.get(f"/api/v1/journal/batches/{summary['id']}.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["period"], r["account"], r["debit"], r["credit"]) for r in rows] == JAN
    assert {r["batch_id"] for r in rows} == {summary["id"]}
    assert {(r["currency"], r["period_start"], r["period_end"]) for r in rows} == {
        ("USD", "2026-01-01", "2026-01-31")
    }


def test_transfer_once_then_400(books: Books) -> None:
    books.annual()
    books.close("Jan'2026")
    [summary] = books.batches()
    url = f"/api/v1/journal/batches/{summary['id']}/status"
    response = books.http.put(url, json={"status": "TRANSFERRED"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["status"] == "TRANSFERRED"
    assert response.json()["data"]["transferred_at"] is not None
    again = books.http.put(url, json={"status": "TRANSFERRED"})
    assert again.status_code == 400
    assert again.headers["content-type"] == "application/problem+json"
    assert "TRANSFERRED" in again.json()["detail"]
    back = books.http.put(url, json={"status": "READY_TO_TRANSFER"})
    assert back.status_code == 422
    assert back.json()["errors"][0]["field"] == "status"
    assert [b["status"] for b in books.batches()] == ["TRANSFERRED"]
    assert books.batches(status="READY_TO_TRANSFER") == []
    assert [b["id"] for b in books.batches(status="TRANSFERRED")] == [summary["id"]]


def test_status_filter_and_bad_requests(books: Books) -> None:
    books.close("Jan'2026", expect=404)  # no period exists before any data
    books.revenue("a", "1.000", "2026-01-05")
    books.close("Jan'2026")
    body = books.get("/api/v1/journal/batches", 422, status="CANCELLED")
    assert body["errors"][0]["field"] == "status"
    body = books.get("/api/v1/journal/batches", 422, period="Jan-2026")
    assert body["errors"][0]["field"] == "period"
    assert books.get("/api/v1/journal/batches/nope", 404)["status"] == 404
    assert books.http.get("/api/v1/journal/batches/nope.csv").status_code == 404
    response = books.http.put("/api/v1/journal/batches/nope/status", json={"status": "TRANSFERRED"})
    assert response.status_code == 404
    [summary] = books.batches()
    response = books.http.put(
        f"/api/v1/journal/batches/{summary['id']}/status", json={"state": "TRANSFERRED"}
    )
    assert response.status_code == 422


def test_another_workspace_sees_no_batch_and_cannot_transfer_it(
    books: Books,
    other_tenant,  # type: ignore[no-untyped-def]
) -> None:
    books.annual()
    books.close("Jan'2026")
    [summary] = books.batches()
    http = other_tenant.http
    assert http.get("/api/v1/journal/batches").json()["data"] == []
    assert http.get(f"/api/v1/journal/batches/{summary['id']}").status_code == 404
    assert http.get(f"/api/v1/journal/batches/{summary['id']}.csv").status_code == 404
    response = http.put(
        f"/api/v1/journal/batches/{summary['id']}/status", json={"status": "TRANSFERRED"}
    )
    assert response.status_code == 404
    assert books.batches()[0]["status"] == "READY_TO_TRANSFER"


def test_scopes(books: Books) -> None:
    books.annual()
    books.close("Jan'2026")
    [summary] = books.batches()
    reader = {"Authorization": f"Bearer {books.tenant.key('read:journal')}"}
    assert books.http.get("/api/v1/journal/batches", headers=reader).status_code == 200
    url = f"/api/v1/journal/batches/{summary['id']}/status"
    response = books.http.put(url, json={"status": "TRANSFERRED"}, headers=reader)
    assert response.status_code == 403
    writer = {"Authorization": f"Bearer {books.tenant.key('write:journal')}"}
    assert books.http.get("/api/v1/journal/batches", headers=writer).status_code == 403
    assert books.http.put(url, json={"status": "TRANSFERRED"}, headers=writer).status_code == 200


def _held(books: Books, period: str) -> dict[tuple[str, str], Decimal]:
    """What the journal entries put in a period, net by account."""
    lines = [x for e in books.entries(period=period) for x in e["lines"]]
    return net(lines)


def _batched(books: Books, period: str) -> dict[tuple[str, str], Decimal]:
    lines = [x for b in books.batches(period=period) for x in books.batch(b["id"])["data"]["lines"]]
    return net(lines)


def test_reclosing_sends_only_the_difference_never_twice(books: Books) -> None:
    books.annual()
    books.close("Jan'2026")
    [first] = books.batches()
    url = f"/api/v1/journal/batches/{first['id']}/status"
    assert books.http.put(url, json={"status": "TRANSFERRED"}).status_code == 200
    books.reopen("Jan'2026")
    # a late one-time invoice dated in January lands in the reopened January
    books.invoices(other("late_1", "c1", "one-time", "2026-01-20", 5_000))
    books.close("Jan'2026")
    first_again, second = books.batches(period="Jan'2026")
    assert first_again["id"] == first["id"]
    assert first_again["status"] == "TRANSFERRED"
    assert second["sequence"] == 2
    assert second["name"] == "Jan'2026 #2"
    assert second["status"] == "READY_TO_TRANSFER"
    assert amounts(books.batch(second["id"])["data"]["lines"]) == [
        ("Jan'2026", "Accounts Receivable", "50.00", "0.00"),
        ("Jan'2026", "Deferred Revenue", "50.00", "50.00"),
        ("Jan'2026", "Revenue", "0.00", "50.00"),
    ]
    # the batches of a period add up to exactly what the period holds
    assert _batched(books, "Jan'2026") == _held(books, "Jan'2026")
    # closing again without any change sends nothing more
    books.reopen("Jan'2026")
    books.close("Jan'2026")
    third = books.batches(period="Jan'2026")[2]
    assert third["line_count"] == 0
    assert third["totals"] == []
    assert books.batch(third["id"])["data"]["lines"] == []


def test_a_ready_batch_of_a_reopened_period_stays_and_is_not_sent_again(books: Books) -> None:
    books.annual()
    books.close("Jan'2026")
    books.reopen("Jan'2026")
    books.revenue("late_sale", "12.340", "2026-01-31")
    books.close("Jan'2026")
    first, second = books.batches()
    assert [first["status"], second["status"]] == ["READY_TO_TRANSFER"] * 2
    assert amounts(books.batch(first["id"])["data"]["lines"]) == JAN
    assert amounts(books.batch(second["id"])["data"]["lines"]) == [
        ("Jan'2026", "Accounts Receivable", "12.34", "0.00"),
        ("Jan'2026", "Deferred Revenue", "12.34", "12.34"),
        ("Jan'2026", "Revenue", "0.00", "12.34"),
    ]
    assert _batched(books, "Jan'2026") == _held(books, "Jan'2026")
    # both can be transferred, each once
    for b in (first, second):
        url = f"/api/v1/journal/batches/{b['id']}/status"
        assert books.http.put(url, json={"status": "TRANSFERRED"}).status_code == 200
    assert books.batches(status="READY_TO_TRANSFER") == []


def test_anything_dated_in_a_closed_period_goes_to_the_next_batch(books: Books) -> None:
    books.annual()
    books.close("Jan'2026")
    books.revenue("late", "8.000", "2026-01-10")  # January is closed: posted in February
    assert _held(books, "Jan'2026") == _batched(books, "Jan'2026")
    books.close("Feb'2026")
    [feb] = books.batches(period="Feb'2026")
    assert amounts(books.batch(feb["id"])["data"]["lines"]) == [
        ("Feb'2026", "Accounts Receivable", "8.00", "0.00"),
        ("Feb'2026", "Deferred Revenue", "288.00", "8.00"),
        ("Feb'2026", "Revenue", "0.00", "288.00"),
    ]


def test_a_closed_months_numbers_never_move(books: Books) -> None:
    books.annual()
    books.close("Jan'2026")
    before = (books.entries(period="Jan'2026"), books.trial_balance("Jan'2026"))
    [batch] = books.batches()
    lines_before = books.batch(batch["id"])["data"]["lines"]
    # a new chart of accounts, a late invoice dated in January, an update of the invoice
    response = books.http.put(
        "/api/v1/gl-accounts",
        json={
            "accounts": {
                "accounts_receivable": "1200 AR",
                "deferred_revenue": "2400 DR",
                "revenue": "4000 Rev",
                "refunds": "4900 Ref",
            }
        },
    )
    assert response.status_code == 200
    books.invoices(other("late", "c1", "one-time", "2026-01-25", 2_500))
    books.revenue("late_sale", "3.000", "2026-01-31")
    assert (books.entries(period="Jan'2026"), books.trial_balance("Jan'2026")) == before
    assert books.batch(batch["id"])["data"]["lines"] == lines_before
    # the late amounts went to February, under the new accounts
    feb = [x for e in books.entries(period="Feb'2026") for x in e["lines"]]
    assert net(feb)[("USD", "4000 Rev")] == Decimal("-28.00")


def test_an_id_that_cannot_exist_is_404_not_an_error(books: Books) -> None:
    for path in ("/api/v1/journal/batches/a%00b", "/api/v1/journal/batches/a%00b.csv"):
        assert books.http.get(path).status_code == 404
    response = books.http.put(
        "/api/v1/journal/batches/a%00b/status", json={"status": "TRANSFERRED"}
    )
    assert response.status_code == 404
    assert books.http.get(f"/api/v1/journal/batches/{'x' * 300}").status_code == 404
