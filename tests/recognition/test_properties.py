"""Invariants over random invoices: every event's items sum to its amount, and a
schedule's items sum to what was billed."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.metrics.helpers import sub
from tests.recognition.helpers import Ledger, cents

RULES = st.sampled_from([None, "daily", "monthly", "on_date"])


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    amounts=st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=3),
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    days=st.integers(min_value=0, max_value=800),
    rule=RULES,
    close=st.integers(min_value=0, max_value=3),
)
def test_items_sum_to_their_event(
    ledger: Ledger, amounts: list[int], start: date, days: int, rule: str | None, close: int
) -> None:
    tenant = ledger.billing.tenant
    ledger.billing.customers("c1")
    plan = {"recognition_rule": rule} if rule else {}
    ledger.billing.plan("p", amounts[0], **plan)
    end = start + timedelta(days=days)
    invoice_id = f"i{start.isoformat()}-{days}-{rule}-{tenant.workspace_id[-6:]}-{close}"
    for index, amount in enumerate(amounts):
        ledger.billing.invoices(
            sub(invoice_id, "c1", "p", "s1", start.isoformat(), end.isoformat(), amount)
        )
        if index == 0:
            for period in ledger.periods()[:close]:
                if period["status"] == "open":
                    ledger.close(period["id"])
    number = ledger.number_of(invoice_id)
    body = ledger.events(number)
    total = 0
    for event in body["revenueEventDetails"]:
        items = [cents(i["amount"]) for i in event["revenueItems"]]
        names = [i["accountingPeriodName"] for i in event["revenueItems"]]
        assert len(set(names)) == len(names)
        total += sum(items)
    assert total == amounts[-1]
    assert ledger.schedule(number)["amount"] == f"{amounts[-1] // 100}.{amounts[-1] % 100:02d}"
