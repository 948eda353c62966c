"""Background recalculation of metrics: claim pending customers, rebuild, unmark.

The import marks customers (`metrics_pending`) in its own transaction. A worker claims a
batch in a transaction of its own (PostgreSQL: FOR UPDATE SKIP LOCKED, so several
workers share the work and never take one customer twice; SQLite: one writer at a
time), rebuilds those customers' movements from their invoices, adjusts the daily
totals by the difference, deletes the marks and commits. A crash rolls everything back
and the marks are still there. Each workspace's customers are rebuilt in a SAVEPOINT and,
if that raises, one by one: a customer that cannot be recalculated is recorded in
`metrics_failures` and unmarked, and never stops the others (of any workspace).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy.orm import Session

from revledger.db import Database
from revledger.kit import sql
from revledger.kit.timeutil import get_zone, utcnow
from revledger.kit.worker import PollingWorker
from revledger.metrics import repository as repo
from revledger.metrics.rules import (
    Period,
    Rates,
    Segment,
    change_points,
    monthly_units,
    movements,
    segments,
)

log = logging.getLogger("revledger.worker")
BATCH_SIZE = 2000
ONE = Fraction(1)
MOVEMENT_COLUMNS = (
    "customer_pk",
    "day",
    "workspace_id",
    "source_id",
    "type",
    "before_units",
    "after_units",
    "plan_pk",
)
PLAN_MOVEMENT_COLUMNS = (
    "customer_pk",
    "plan_pk",
    "day",
    "workspace_id",
    "type",
    "before_units",
    "after_units",
)
MISSING_COLUMNS = ("customer_pk", "currency", "workspace_id", "day")
TYPE_COLUMN = {"new": 1, "expansion": 2, "contraction": 3, "churn": 4, "reactivation": 5}


@dataclass
class CustomerFacts:
    periods: list[Period] = field(default_factory=list)
    cancellations: dict[str, list[date]] = field(default_factory=dict)
    missing: dict[str, date] = field(default_factory=dict)


class Calculator:
    """Turns a workspace's invoice rows into per-customer segments (rules.py)."""

    def __init__(self, session: Session, workspace_id: str) -> None:
        tz, reporting = repo.workspace_settings(session, workspace_id)
        self.workspace_id = workspace_id
        self.reporting = reporting
        self.zone = get_zone(tz)
        self.utc = tz == "UTC"
        self.tz = tz
        self.rates = Rates(reporting, repo.rates(session, workspace_id, reporting))
        self.session = session

    def day(self, value: datetime) -> date:
        return value.date() if self.utc else value.astimezone(self.zone).date()

    def facts(self, customer_pks: Sequence[str]) -> dict[str, CustomerFacts]:
        """Each customer's subscription periods (in units a month) and cancellations.

        Rows are plain tuples with the days already computed (by PostgreSQL when it is
        the database): this loop runs once per invoice of a full recalculation."""
        rows: list[repo.InvoiceFact]
        if sql.is_postgresql(self.session):
            rows = repo.recurring_invoice_days(self.session, customer_pks, self.tz)
        else:
            day = self.day
            rows = [
                (
                    cpk,
                    sub,
                    kind,
                    day(when),
                    day(start),
                    day(end),
                    amount,
                    cur,
                    plan,
                    id_,
                    (when, id_),
                )
                for cpk, sub, kind, when, start, end, amount, cur, plan, id_ in (
                    repo.recurring_invoices(self.session, customer_pks)
                )
            ]
        plans = repo.plan_intervals(self.session, {r[8] for r in rows if r[8]})
        out: dict[str, CustomerFacts] = {pk: CustomerFacts() for pk in customer_pks}
        reporting = self.reporting
        same: dict[tuple[int, str | None], int] = {}  # (amount, plan) -> units, reporting currency
        for cpk, sub, kind, day_, start, end, amount, currency, plan, _id, order in rows:
            facts = out[cpk]
            if kind == "cancellation":
                if sub is not None:
                    facts.cancellations.setdefault(sub, []).append(day_)
                continue
            interval = plans.get(plan) if plan else None
            if interval is None or sub is None or end <= start:
                continue
            if currency == reporting:
                units = same.get((amount, plan))
                if units is None:
                    units = monthly_units(amount, interval[0], interval[1], ONE)
                    same[(amount, plan)] = units
            else:
                factor = self.rates.factor(currency, start)
                if factor is None:
                    seen = facts.missing.get(currency)
                    facts.missing[currency] = start if seen is None else min(seen, start)
                    units = 0
                else:
                    units = monthly_units(amount, interval[0], interval[1], factor)
            facts.periods.append(Period(sub, start, end, units, plan, order, day_))
        return out

    def segments(
        self, customer_pks: Sequence[str]
    ) -> dict[str, tuple[list[Segment], CustomerFacts]]:
        return {
            pk: (segments(f.periods, f.cancellations), f)
            for pk, f in self.facts(customer_pks).items()
        }


def recalculate(
    session: Session, workspace_id: str, customer_pks: Sequence[str], now: datetime
) -> None:
    """Rebuild these customers' movements and adjust the daily totals by the difference."""
    pks = sorted(set(customer_pks))
    calc = Calculator(session, workspace_id)
    sources = repo.customer_sources(session, pks)
    deltas: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0] * 7)

    def add(source_id: str, day: date, kind: str, before: int, after: int, sign: int) -> None:
        v = deltas[(source_id, day)]
        amount = (after - before) * sign
        v[0] += amount
        v[TYPE_COLUMN[kind]] += amount
        if before == 0:
            v[6] += sign
        elif after == 0:
            v[6] -= sign

    for old in repo.old_movements(session, pks):  # (source, day, type, before, after)
        add(*old, -1)

    # in the order of MOVEMENT_COLUMNS, PLAN_MOVEMENT_COLUMNS and MISSING_COLUMNS
    movement_rows: list[tuple[str, date, str, str, str, int, int, str | None]] = []
    plan_rows: list[tuple[str, str, date, str, str, int, int]] = []
    missing_rows: list[tuple[str, str, str, date]] = []
    for pk, (segs, facts) in calc.segments(pks).items():
        source_id = sources.get(pk)
        if source_id is None:
            continue
        moves = movements(change_points(segs))
        plans = {s.plan for s in segs}
        single = next(iter(plans)) if len(plans) == 1 else None
        for day, kind, before, after in moves:
            add(source_id, day, kind, before, after, 1)
            movement_rows.append((pk, day, workspace_id, source_id, kind, before, after, single))
        if single is None:
            for plan_pk in sorted(p for p in plans if p is not None):
                plan_segs = [s for s in segs if s.plan == plan_pk]
                plan_rows.extend(
                    (pk, plan_pk, day, workspace_id, kind, before, after)
                    for day, kind, before, after in movements(change_points(plan_segs))
                )
        for currency, day in facts.missing.items():
            missing_rows.append((pk, currency, workspace_id, day))

    repo.clear(session, pks)
    repo.insert_rows(session, repo.M, MOVEMENT_COLUMNS, movement_rows)
    repo.insert_rows(session, repo.PM, PLAN_MOVEMENT_COLUMNS, plan_rows)
    repo.insert_rows(session, repo.X, MISSING_COLUMNS, missing_rows)
    repo.add_daily(session, workspace_id, deltas)
    repo.touch_state(session, workspace_id, now)


def run_once(db: Database, batch_size: int = BATCH_SIZE, workspace_id: str | None = None) -> int:
    """Claim and recalculate one batch in one transaction; the number of customers done
    (recalculated or recorded as failed).

    A plain read first: an idle worker never opens a write transaction (on SQLite that
    would take the database's write lock every poll). Each workspace's customers are
    recalculated inside a SAVEPOINT; if that raises, one by one, each in its own: a
    customer whose recalculation fails is unmarked, recorded in `metrics_failures`
    (GET /metrics/status) and logged, and never holds back anyone else."""
    with db.session() as session:
        if not repo.any_pending(session, workspace_id):
            return 0
    with db.session(write=True) as session, session.begin():
        claimed = repo.claim(session, batch_size, workspace_id)
        if not claimed:
            return 0
        by_workspace: dict[str, list[str]] = defaultdict(list)
        for ws, pk in claimed:
            by_workspace[ws].append(pk)
        now = utcnow()
        for ws, pks in sorted(by_workspace.items()):
            recalculate_isolated(session, ws, pks, now)
        return len(claimed)


def recalculate_isolated(
    session: Session, workspace_id: str, customer_pks: Sequence[str], now: datetime
) -> list[str]:
    """`recalculate`, with a failing customer recorded instead of failing the batch; the
    customers that failed."""
    try:
        with session.begin_nested():
            recalculate(session, workspace_id, customer_pks, now)
        return []
    except Exception:
        if len(customer_pks) == 1:
            pk = customer_pks[0]
            log.exception("metrics recalculation failed for customer %s", pk)
            repo.record_failure(session, workspace_id, pk, _describe(), now)
            return [pk]
    failed: list[str] = []
    for pk in sorted(set(customer_pks)):
        failed.extend(recalculate_isolated(session, workspace_id, [pk], now))
    return failed


def _describe() -> str:
    import sys

    exc = sys.exc_info()[1]
    if exc is None:
        return "recalculation failed"
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first}"[:500]


def run_until_idle(
    db: Database, batch_size: int = BATCH_SIZE, workspace_id: str | None = None
) -> int:
    """Recalculate until nothing is pending (tests, `revledger worker --once`, benchmarks)."""
    total = 0
    while True:
        done = run_once(db, batch_size, workspace_id)
        if not done:
            return total
        total += done


class Worker(PollingWorker):
    """The recalculation loop on a daemon thread (in-process for `revledger serve`); a
    failed round keeps its marks (rolled back) and is retried."""

    def __init__(
        self, db: Database, poll_seconds: float = 1.0, batch_size: int = BATCH_SIZE
    ) -> None:
        super().__init__(poll_seconds)
        self.db = db
        self.batch_size = batch_size

    def poll(self) -> int:
        return run_once(self.db, self.batch_size)
