"""Every query on GL account sets, account rules, journal entries and journal batches.

Journal entries are read from the recognition tables (revenue events and items, with
their schedule's account set); nothing here writes to those tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Row, Table, case, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from revledger.journal.models import GlAccountRule, GlAccountSet, JournalBatch, JournalBatchLine
from revledger.kit import sql
from revledger.periods.models import AccountingPeriod
from revledger.plans.models import Plan
from revledger.recognition.models import RevenueEvent, RevenueItem, RevenueSchedule

SETS = cast(Table, GlAccountSet.__table__)
RULES = cast(Table, GlAccountRule.__table__)
BATCHES = cast(Table, JournalBatch.__table__)
LINES = cast(Table, JournalBatchLine.__table__)
SCHEDULES = cast(Table, RevenueSchedule.__table__)
EVENTS = cast(Table, RevenueEvent.__table__)
ITEMS = cast(Table, RevenueItem.__table__)
PLANS = cast(Table, Plan.__table__)
PERIODS = cast(Table, AccountingPeriod.__table__)


# --- account sets and rules -------------------------------------------------------------


def ensure_sets(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    """Store account sets that are not stored yet (their id is their content's hash)."""
    values = list(rows)
    if values:
        session.execute(sql.insert(session, SETS).values(values).on_conflict_do_nothing())


def rules(session: Session, workspace_id: str) -> dict[tuple[str, str], str]:
    """(source id or '', plan pk or '') -> account set id, for every rule of the workspace."""
    rows = session.execute(
        select(RULES.c.source_id, RULES.c.plan_pk, RULES.c.set_id).where(
            RULES.c.workspace_id == workspace_id
        )
    )
    return {(r.source_id, r.plan_pk): r.set_id for r in rows}


def upsert_rule(
    session: Session, workspace_id: str, source_id: str, plan_pk: str, set_id: str, now: datetime
) -> None:
    stmt = sql.insert(session, RULES).values(
        workspace_id=workspace_id,
        source_id=source_id,
        plan_pk=plan_pk,
        set_id=set_id,
        updated_at=now,
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["workspace_id", "source_id", "plan_pk"],
            set_={"set_id": stmt.excluded.set_id, "updated_at": stmt.excluded.updated_at},
        )
    )


def rule_listing(session: Session, workspace_id: str) -> list[Row[Any]]:
    """Every rule with its four account names and the plan's seed-003 id: the workspace
    rule, plan-only rules, then by source (the source's own rule before its plans')."""
    stmt = (
        select(
            RULES.c.source_id,
            RULES.c.plan_pk,
            RULES.c.updated_at,
            PLANS.c.external_id.label("plan_id"),
            PLANS.c.source_id.label("plan_source_id"),
            SETS.c.accounts_receivable,
            SETS.c.deferred_revenue,
            SETS.c.revenue,
            SETS.c.refunds,
        )
        .join(SETS, SETS.c.id == RULES.c.set_id)
        .outerjoin(PLANS, PLANS.c.pk == RULES.c.plan_pk)
        .where(RULES.c.workspace_id == workspace_id)
        .order_by(
            RULES.c.source_id,
            case((RULES.c.plan_pk == "", 0), else_=1),
            PLANS.c.external_id,
            RULES.c.plan_pk,
        )
    )
    return list(session.execute(stmt))


def account_sets(session: Session, workspace_id: str, ids: Iterable[str]) -> dict[str, Row[Any]]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(SETS).where(SETS.c.workspace_id == workspace_id, SETS.c.id.in_(wanted))
    )
    return {r.id: r for r in rows}


def plans_named(
    session: Session, workspace_id: str, source_id: str | None, external_id: str
) -> list[Row[Any]]:
    """Plans with this seed-003 id (in one source, or in any source of the workspace)."""
    where = [PLANS.c.workspace_id == workspace_id, PLANS.c.external_id == external_id]
    if source_id is not None:
        where.append(PLANS.c.source_id == source_id)
    return list(session.execute(select(PLANS.c.pk, PLANS.c.source_id).where(*where).limit(2)))


# --- journal entries (derived from revenue events) --------------------------------------


@dataclass(frozen=True)
class EntryFilter:
    workspace_id: str
    period_start: date | None = None
    schedule_number: int | None = None
    event_number: int | None = None
    source_id: str | None = None


def _entry_where(f: EntryFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [EVENTS.c.workspace_id == f.workspace_id]
    if f.event_number is not None:
        where.append(EVENTS.c.number == f.event_number)
    if f.schedule_number is not None:
        where.append(SCHEDULES.c.number == f.schedule_number)
    if f.source_id is not None:
        where.append(SCHEDULES.c.source_id == f.source_id)
    if f.period_start is not None:
        in_items = select(ITEMS.c.event_pk).where(
            ITEMS.c.workspace_id == f.workspace_id, ITEMS.c.period_start == f.period_start
        )
        where.append(
            or_(
                (EVENTS.c.billed_period == f.period_start) & (EVENTS.c.amount != 0),
                EVENTS.c.pk.in_(in_items),
            )
        )
    return where


def entries_page(session: Session, f: EntryFilter, offset: int, limit: int) -> list[Row[Any]]:
    """Revenue events with their schedule, in event-number order."""
    stmt = (
        select(
            EVENTS.c.pk,
            EVENTS.c.number,
            EVENTS.c.event_type,
            EVENTS.c.amount,
            EVENTS.c.currency,
            EVENTS.c.billed_period,
            EVENTS.c.event_date,
            EVENTS.c.created_at,
            SCHEDULES.c.number.label("schedule_number"),
            SCHEDULES.c.source_id,
            SCHEDULES.c.origin,
            SCHEDULES.c.origin_pk,
            SCHEDULES.c.external_id,
            SCHEDULES.c.kind,
            SCHEDULES.c.customer_id,
            SCHEDULES.c.gl_accounts_id,
        )
        .join(SCHEDULES, SCHEDULES.c.pk == EVENTS.c.schedule_pk)
        .where(*_entry_where(f))
        .order_by(EVENTS.c.number)
        .offset(offset)
        .limit(limit)
    )
    return list(session.execute(stmt))


def entries_count(session: Session, f: EntryFilter) -> int:
    stmt = (
        select(func.count())
        .select_from(EVENTS.join(SCHEDULES, SCHEDULES.c.pk == EVENTS.c.schedule_pk))
        .where(*_entry_where(f))
    )
    return int(session.scalar(stmt) or 0)


def items_of(session: Session, event_pks: list[str]) -> list[Row[Any]]:
    if not event_pks:
        return []
    stmt = select(ITEMS.c.event_pk, ITEMS.c.period_start, ITEMS.c.amount).where(
        ITEMS.c.event_pk.in_(event_pks)
    )
    return list(session.execute(stmt))


# --- sums for batches and the trial balance ---------------------------------------------


def _gross(column: Any) -> tuple[Any, Any]:
    """SUM of the positive values and SUM of the negatives' magnitudes."""
    return (
        func.coalesce(func.sum(case((column > 0, column), else_=0)), 0).label("positive"),
        func.coalesce(func.sum(case((column < 0, -column), else_=0)), 0).label("negative"),
    )


def posting_sums(
    session: Session, workspace_id: str, period_start: date, cumulative: bool
) -> list[Row[Any]]:
    """Events' amounts billed in the period (or through it, `cumulative`), by account
    set and currency: (gl_accounts_id, currency, positive, negative)."""
    period = EVENTS.c.billed_period
    stmt = (
        select(SCHEDULES.c.gl_accounts_id, EVENTS.c.currency, *_gross(EVENTS.c.amount))
        .join(SCHEDULES, SCHEDULES.c.pk == EVENTS.c.schedule_pk)
        .where(
            EVENTS.c.workspace_id == workspace_id,
            period <= period_start if cumulative else period == period_start,
            EVENTS.c.amount != 0,
        )
        .group_by(SCHEDULES.c.gl_accounts_id, EVENTS.c.currency)
    )
    return list(session.execute(stmt))


def recognition_sums(
    session: Session, workspace_id: str, period_start: date, cumulative: bool
) -> list[Row[Any]]:
    """Items recognized in the period (or through it), by account set, schedule kind and
    currency: (gl_accounts_id, kind, currency, positive, negative). `period_start` is a
    real period, so the Open-Ended period (the largest date) is never included."""
    period = ITEMS.c.period_start
    stmt = (
        select(
            SCHEDULES.c.gl_accounts_id, SCHEDULES.c.kind, ITEMS.c.currency, *_gross(ITEMS.c.amount)
        )
        .join(SCHEDULES, SCHEDULES.c.pk == ITEMS.c.schedule_pk)
        .where(
            ITEMS.c.workspace_id == workspace_id,
            period <= period_start if cumulative else period == period_start,
            ITEMS.c.amount != 0,
        )
        .group_by(SCHEDULES.c.gl_accounts_id, SCHEDULES.c.kind, ITEMS.c.currency)
    )
    return list(session.execute(stmt))


# --- batches ----------------------------------------------------------------------------


def batched_sums(session: Session, workspace_id: str, period_start: date) -> list[Row[Any]]:
    """What the period's earlier batches hold: (account, currency, period_start, debit,
    credit) summed over every batch of the period, whatever its status."""
    stmt = (
        select(
            LINES.c.account,
            LINES.c.currency,
            LINES.c.period_start,
            func.sum(LINES.c.debit).label("debit"),
            func.sum(LINES.c.credit).label("credit"),
        )
        .join(BATCHES, BATCHES.c.id == LINES.c.batch_id)
        .where(BATCHES.c.workspace_id == workspace_id, BATCHES.c.period_start == period_start)
        .group_by(LINES.c.account, LINES.c.currency, LINES.c.period_start)
    )
    return list(session.execute(stmt))


def next_sequence(session: Session, workspace_id: str, period_start: date) -> int:
    stmt = select(func.coalesce(func.max(BATCHES.c.sequence), 0)).where(
        BATCHES.c.workspace_id == workspace_id, BATCHES.c.period_start == period_start
    )
    return int(session.scalar(stmt) or 0) + 1


def add_batch(session: Session, batch: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    session.execute(BATCHES.insert(), [batch])
    if lines:
        session.execute(LINES.insert(), lines)


def batches_page(
    session: Session,
    workspace_id: str,
    status: str | None,
    period_start: date | None,
    offset: int,
    limit: int,
) -> list[Row[Any]]:
    """Oldest period first, then the period's batches in the order they were made."""
    stmt = (
        select(BATCHES)
        .where(*_batch_where(workspace_id, status, period_start))
        .order_by(BATCHES.c.period_start, BATCHES.c.sequence)
        .offset(offset)
        .limit(limit)
    )
    return list(session.execute(stmt))


def batches_count(
    session: Session, workspace_id: str, status: str | None, period_start: date | None
) -> int:
    stmt = select(func.count()).select_from(BATCHES)
    stmt = stmt.where(*_batch_where(workspace_id, status, period_start))
    return int(session.scalar(stmt) or 0)


def _batch_where(
    workspace_id: str, status: str | None, period_start: date | None
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [BATCHES.c.workspace_id == workspace_id]
    if status is not None:
        where.append(BATCHES.c.status == status)
    if period_start is not None:
        where.append(BATCHES.c.period_start == period_start)
    return where


def get_batch(session: Session, workspace_id: str, batch_id: str) -> Row[Any] | None:
    stmt = select(BATCHES).where(BATCHES.c.workspace_id == workspace_id, BATCHES.c.id == batch_id)
    return session.execute(stmt).first()


def batch_lines(
    session: Session, batch_id: str, offset: int = 0, limit: int | None = None
) -> list[Row[Any]]:
    stmt = (
        select(LINES).where(LINES.c.batch_id == batch_id).order_by(LINES.c.line_no).offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt))


def batch_totals(session: Session, batch_ids: list[str]) -> list[Row[Any]]:
    """(batch_id, currency, debit, credit) for each batch and currency."""
    if not batch_ids:
        return []
    stmt = (
        select(
            LINES.c.batch_id,
            LINES.c.currency,
            func.sum(LINES.c.debit).label("debit"),
            func.sum(LINES.c.credit).label("credit"),
        )
        .where(LINES.c.batch_id.in_(batch_ids))
        .group_by(LINES.c.batch_id, LINES.c.currency)
        .order_by(LINES.c.batch_id, LINES.c.currency)
    )
    return list(session.execute(stmt))


def mark_transferred(
    session: Session, workspace_id: str, batch_id: str, ready: str, transferred: str, now: datetime
) -> bool:
    """READY_TO_TRANSFER -> TRANSFERRED in one statement (two concurrent calls cannot
    both succeed); False when the batch was not ready."""
    stmt = (
        update(BATCHES)
        .where(
            BATCHES.c.workspace_id == workspace_id,
            BATCHES.c.id == batch_id,
            BATCHES.c.status == ready,
        )
        .values(status=transferred, transferred_at=now)
    )
    result = cast(CursorResult[Any], session.execute(stmt))
    return bool(result.rowcount)


# --- accounting periods (read only) -----------------------------------------------------


def period_by_start(session: Session, workspace_id: str, start: date) -> Row[Any] | None:
    stmt = select(PERIODS).where(
        PERIODS.c.workspace_id == workspace_id, PERIODS.c.start_date == start
    )
    return session.execute(stmt).first()


def period_by_id(session: Session, workspace_id: str, period_id: str) -> Row[Any] | None:
    stmt = select(PERIODS).where(PERIODS.c.workspace_id == workspace_id, PERIODS.c.id == period_id)
    return session.execute(stmt).first()
