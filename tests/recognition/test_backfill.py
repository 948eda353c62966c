"""Data stored before recognition existed gets its schedules on upgrade, as if just posted."""

from __future__ import annotations

from sqlalchemy import text

from revledger.db import Database
from revledger.migrate import backfill
from tests.conftest import sale
from tests.metrics.helpers import other, sub
from tests.recognition.helpers import Ledger


def _forget_recognition(database: Database, workspace_id: str) -> None:
    """What a workspace looked like before migration 0004: no recognition rows at all."""
    with database.session(write=True) as session, session.begin():
        for table in (
            "revenue_items",
            "revenue_events",
            "revenue_schedules",
            "accounting_periods",
            "recognition_counters",
        ):
            session.execute(
                text(f"DELETE FROM {table} WHERE workspace_id = :w"), {"w": workspace_id}
            )


def test_backfill_posts_what_was_stored_before(ledger: Ledger, database: Database) -> None:
    ledger.billing.customers("c1")
    ledger.billing.plan("yearly", 365_000, unit="year")
    ledger.billing.invoices(
        sub("i1", "c1", "yearly", "s1", "2026-01-15", "2027-01-15", 365_000),
        other("o1", "c1", "one-time", "2026-02-03", 1_500),
        other("x1", "c1", "cancellation", "2026-04-01", subscription_id="s1"),
    )
    source = ledger.billing.source_id
    assert ledger.http.post("/api/v1/revenues", json=sale(source, "r1")).status_code == 201
    before = {s["origin"]["id"]: ledger.totals(s["number"]) for s in ledger.schedules()}
    workspace_id = ledger.billing.tenant.workspace_id
    _forget_recognition(database, workspace_id)
    assert ledger.schedules() == []

    assert backfill(database) >= 1
    after = {s["origin"]["id"]: ledger.totals(s["number"]) for s in ledger.schedules()}
    assert after == before
    assert after["i1"] == {"Jan'2026": 17_000, "Feb'2026": 28_000, "Mar'2026": 31_000}
    numbers = sorted(s["number"] for s in ledger.schedules())
    assert numbers == ["RS-00000001", "RS-00000002", "RS-00000003"]
    assert backfill(database) == 0  # done once
