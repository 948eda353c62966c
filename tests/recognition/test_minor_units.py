"""Metrics and recognition read an invoice's amount_cents with the same minor unit."""

from __future__ import annotations

from decimal import Decimal

from tests.metrics.helpers import sub
from tests.recognition.helpers import Ledger


def test_gold_has_no_minor_unit_for_metrics_and_recognition_alike(ledger: Ledger) -> None:
    """3 troy ounces (XAU has no minor unit: amount_cents 3 is 3 XAU) at USD 2,000 an
    ounce: an MRR of USD 6,000.00, and a schedule of 3 XAU recognized in January."""
    billing = ledger.billing
    billing.customers("c1")
    billing.plan("gold", 3, currency="XAU")
    billing.invoices(sub("i1", "c1", "gold", "s1", "2024-01-01", "2024-02-01", 3, "XAU"))
    rates = [{"date": "2024-01-01", "currency": "XAU", "rate": "2000"}]
    assert [r["import_status"] for r in billing.post("/api/v1/exchange-rates", rates)] == [
        "inserted"
    ]
    billing.work()
    assert billing.mrr_on("2024-01-15")["mrr"] == 600_000
    details = ledger.events(ledger.number_of("i1"))["revenueEventDetails"]
    items = {i["accountingPeriodName"]: i["amount"] for i in details[0]["revenueItems"]}
    assert items == {"Jan'2024": Decimal("3.0")}
