"""GET /api/v1/journal/entries: one balanced entry per revenue event, traceable to its
invoice or revenue record, with worked examples computed by hand."""

from __future__ import annotations

from decimal import Decimal

from tests.journal.helpers import ANNUAL_MONTHS, Books, amounts, totals
from tests.metrics.helpers import other

USD = "USD"


def test_an_annual_invoice_posts_to_deferred_and_recognizes_month_by_month(books: Books) -> None:
    books.annual()
    [entry] = books.entries()
    assert entry["event"] == "RE-00000001"
    assert entry["schedule"] == "RS-00000001"
    assert entry["event_type"] == "Invoice Posted"
    assert entry["origin"] == {
        "type": "invoice",
        "id": "inv_1",
        "external_id": "inv_1",
        "source_id": books.source_id,
    }
    assert entry["amount"] == "3650.00"
    assert entry["billed_period"] == "Jan'2026"
    lines = entry["lines"]
    assert amounts(lines[:2]) == [
        ("Jan'2026", "Accounts Receivable", "3650.00", "0.00"),
        ("Jan'2026", "Deferred Revenue", "0.00", "3650.00"),
    ]
    assert [x["type"] for x in lines[:2]] == ["billed", "billed"]
    recognized = lines[2:]
    assert len(recognized) == 2 * len(ANNUAL_MONTHS)
    expected = []
    for period, amount in ANNUAL_MONTHS.items():
        expected += [
            (period, "Deferred Revenue", amount, "0.00"),
            (period, "Revenue", "0.00", amount),
        ]
    assert amounts(recognized) == expected
    assert {x["currency"] for x in lines} == {USD}
    assert lines[2]["period_start"] == "2026-01-01"
    assert lines[2]["period_end"] == "2026-01-31"
    assert lines[4]["period_end"] == "2026-02-28"
    assert totals(lines) == {USD: (Decimal("7300.00"), Decimal("7300.00"))}
    assert entry["total_debit"] == entry["total_credit"] == "7300.00"


def test_period_filter_shows_the_entries_lines_in_that_period(books: Books) -> None:
    books.annual()
    [feb] = books.entries(period="Feb'2026")
    assert amounts(feb["lines"]) == [
        ("Feb'2026", "Deferred Revenue", "280.00", "0.00"),
        ("Feb'2026", "Revenue", "0.00", "280.00"),
    ]
    assert feb["total_debit"] == feb["total_credit"] == "280.00"
    [jan] = books.entries(period="2026-01")  # year-month is accepted too
    assert [x["account"] for x in jan["lines"]] == [
        "Accounts Receivable",
        "Deferred Revenue",
        "Deferred Revenue",
        "Revenue",
    ]
    assert books.entries(period="Feb'2027") == []


def test_a_refund_record_debits_refunds(books: Books) -> None:
    sale = books.revenue("sale_1", "249.125", "2026-03-10")
    refund = books.revenue("refund_1", "-49.500", "2026-03-20")
    sale_entry, refund_entry = books.entries()
    assert sale_entry["origin"]["type"] == "revenue"
    assert sale_entry["origin"]["id"] == sale["id"]
    assert sale_entry["origin"]["external_id"] == "sale_1"
    # a revenue record's thousandths are kept exactly, never rounded to cents
    assert amounts(sale_entry["lines"]) == [
        ("Mar'2026", "Accounts Receivable", "249.125", "0.00"),
        ("Mar'2026", "Deferred Revenue", "0.00", "249.125"),
        ("Mar'2026", "Deferred Revenue", "249.125", "0.00"),
        ("Mar'2026", "Revenue", "0.00", "249.125"),
    ]
    assert refund_entry["origin"] == {
        "type": "revenue",
        "id": refund["id"],
        "external_id": "refund_1",
        "source_id": books.source_id,
    }
    assert refund_entry["amount"] == "-49.50"
    assert amounts(refund_entry["lines"]) == [
        ("Mar'2026", "Deferred Revenue", "49.50", "0.00"),
        ("Mar'2026", "Accounts Receivable", "0.00", "49.50"),
        ("Mar'2026", "Refunds", "49.50", "0.00"),
        ("Mar'2026", "Deferred Revenue", "0.00", "49.50"),
    ]


def test_filters_by_schedule_event_and_source(books: Books, tenant) -> None:  # type: ignore[no-untyped-def]
    books.annual()
    books.revenue("sale_1", "10.000", "2026-02-01")
    other_source = tenant.source("appstore")
    response = books.http.post(
        "/api/v1/revenues",
        json={
            "revenue_source_id": other_source,
            "type": "sale",
            "amount": "5.000",
            "currency": "EUR",
            "occurred_at": "2026-02-02T00:00:00Z",
            "external_id": "apple_1",
        },
    )
    assert response.status_code == 201, response.text
    everything = books.entries()
    assert [e["event"] for e in everything] == ["RE-00000001", "RE-00000002", "RE-00000003"]
    assert [e["event"] for e in books.entries(schedule="RS-00000002")] == ["RE-00000002"]
    assert [e["schedule"] for e in books.entries(event="RE-00000003")] == ["RS-00000003"]
    assert [e["event"] for e in books.entries(source=other_source)] == ["RE-00000003"]
    assert [e["event"] for e in books.entries(source="appstore")] == ["RE-00000003"]
    assert [e["event"] for e in books.entries(source=books.source_id, period="Feb'2026")] == [
        "RE-00000001",
        "RE-00000002",
    ]
    [eur] = books.entries(source="appstore")
    assert totals(eur["lines"]) == {"EUR": (Decimal("10.00"), Decimal("10.00"))}
    assert books.entries(schedule="RS-00000099") == []


def test_pages(books: Books) -> None:
    for n in range(5):
        books.revenue(f"sale_{n}", "1.000", "2026-02-01")
    body = books.get("/api/v1/journal/entries", per_page=2, page=3)
    assert [e["event"] for e in body["data"]] == ["RE-00000005"]
    assert body["meta"] == {"current_page": 3, "last_page": 3, "per_page": 2, "total": 5}
    books.get("/api/v1/journal/entries", 422, per_page=101)


def test_bad_filters_are_422_naming_the_field(books: Books) -> None:
    for params, field in [
        ({"period": "March 2026"}, "period"),
        ({"period": "2026-13"}, "period"),
        ({"schedule": "RE-00000001"}, "schedule"),
        ({"event": "42"}, "event"),
        ({"source": "nowhere"}, "source"),
    ]:
        body = books.get("/api/v1/journal/entries", 422, **params)
        assert body["errors"][0]["field"] == field, body


def test_entries_need_read_journal_and_stay_in_their_workspace(
    books: Books,
    other_tenant,  # type: ignore[no-untyped-def]
) -> None:
    books.annual()
    assert other_tenant.http.get("/api/v1/journal/entries").json()["data"] == []
    key = books.tenant.key("read:recognition")
    response = books.http.get("/api/v1/journal/entries", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 403
    key = books.tenant.key("read:journal")
    response = books.http.get("/api/v1/journal/entries", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert len(response.json()["data"]) == 1


def test_a_refund_invoice_debits_refunds(books: Books) -> None:
    books.customers("c1")
    books.invoices(other("rf_1", "c1", "refund", "2026-02-03", 5_000))
    [entry] = books.entries()
    assert entry["kind"] == "refund"
    assert entry["origin"]["id"] == "rf_1"
    assert amounts(entry["lines"]) == [
        ("Feb'2026", "Deferred Revenue", "50.00", "0.00"),
        ("Feb'2026", "Accounts Receivable", "0.00", "50.00"),
        ("Feb'2026", "Refunds", "50.00", "0.00"),
        ("Feb'2026", "Deferred Revenue", "0.00", "50.00"),
    ]
