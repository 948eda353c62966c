"""Every query on journal entries, journal batches and the periods the trial balance names.

Journal entries are read from the recognition tables (revenue events and items, with
their schedule's account set); nothing here writes to those tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict, cast

from sqlalchemy import CursorResult, Label, Table, case, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from revledger.journal.models import JournalBatch, JournalBatchLine
from revledger.periods.models import AccountingPeriod
from revledger.periods.repository import PeriodRow
from revledger.plans.models import Plan
from revledger.recognition.models import RevenueEvent, RevenueItem, RevenueSchedule

BATCHES = cast(Table, JournalBatch.__table__)
LINES = cast(Table, JournalBatchLine.__table__)
SCHEDULES = cast(Table, RevenueSchedule.__table__)
EVENTS = cast(Table, RevenueEvent.__table__)
ITEMS = cast(Table, RevenueItem.__table__)
PLANS = cast(Table, Plan.__table__)
PERIODS = cast(Table, AccountingPeriod.__table__)


# --- rows -------------------------------------------------------------------------------
# Amounts are integers in ledger units; sums are turned into int here (PostgreSQL's
# SUM(bigint) is NUMERIC).


class EntryRow(TypedDict):
    """A revenue event with what its entry needs of its schedule (`entries_page`)."""

    pk: str
    number: int
    event_type: str
    amount: int
    currency: str
    billed_period: date
    event_date: date
    created_at: datetime
    schedule_number: int
    source_id: str
    origin: str
    origin_pk: str
    external_id: str
    kind: str
    customer_id: str | None
    gl_accounts_id: str


class ItemRow(TypedDict):
    event_pk: str
    period_start: date
    amount: int


class PostingSum(TypedDict):
    """Events' amounts of one account set and currency: the positive ones and the
    magnitude of the negative ones."""

    gl_accounts_id: str
    currency: str
    positive: int
    negative: int


class RecognitionSum(TypedDict):
    """Items' amounts of one account set, schedule kind and currency."""

    gl_accounts_id: str
    kind: str
    currency: str
    positive: int
    negative: int


class LineSum(TypedDict):
    """Debits and credits of one account, currency and period over a period's batches."""

    account: str
    currency: str
    period_start: date
    debit: int
    credit: int


class BatchRow(TypedDict):
    """A row of journal_batches."""

    id: str
    workspace_id: str
    period_start: date
    sequence: int
    status: str
    line_count: int
    created_at: datetime
    transferred_at: datetime | None


class BatchLineRow(TypedDict):
    """A row of journal_batch_lines."""

    batch_id: str
    line_no: int
    account: str
    currency: str
    period_start: date
    debit: int
    credit: int


class BatchTotalRow(TypedDict):
    """Debits and credits of one batch in one currency."""

    batch_id: str
    currency: str
    debit: int
    credit: int


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


def entries_page(session: Session, f: EntryFilter, offset: int, limit: int) -> list[EntryRow]:
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
    return [cast(EntryRow, dict(r)) for r in session.execute(stmt).mappings()]


def entries_count(session: Session, f: EntryFilter) -> int:
    stmt = (
        select(func.count())
        .select_from(EVENTS.join(SCHEDULES, SCHEDULES.c.pk == EVENTS.c.schedule_pk))
        .where(*_entry_where(f))
    )
    return int(session.scalar(stmt) or 0)


def items_of(session: Session, event_pks: list[str]) -> list[ItemRow]:
    if not event_pks:
        return []
    stmt = select(ITEMS.c.event_pk, ITEMS.c.period_start, ITEMS.c.amount).where(
        ITEMS.c.event_pk.in_(event_pks)
    )
    return [
        {"event_pk": pk, "period_start": period_start, "amount": int(amount)}
        for pk, period_start, amount in session.execute(stmt)
    ]


# --- sums for batches and the trial balance ---------------------------------------------


def _gross(column: ColumnElement[int]) -> tuple[Label[int], Label[int]]:
    """SUM of the positive values and SUM of the negatives' magnitudes."""
    return (
        func.coalesce(func.sum(case((column > 0, column), else_=0)), 0).label("positive"),
        func.coalesce(func.sum(case((column < 0, -column), else_=0)), 0).label("negative"),
    )


def posting_sums(
    session: Session, workspace_id: str, period_start: date, cumulative: bool
) -> list[PostingSum]:
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
    return [
        {"gl_accounts_id": ids, "currency": currency, "positive": int(pos), "negative": int(neg)}
        for ids, currency, pos, neg in session.execute(stmt)
    ]


def recognition_sums(
    session: Session, workspace_id: str, period_start: date, cumulative: bool
) -> list[RecognitionSum]:
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
    return [
        {
            "gl_accounts_id": ids,
            "kind": kind,
            "currency": currency,
            "positive": int(pos),
            "negative": int(neg),
        }
        for ids, kind, currency, pos, neg in session.execute(stmt)
    ]


# --- batches ----------------------------------------------------------------------------


def batched_sums(session: Session, workspace_id: str, period_start: date) -> list[LineSum]:
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
    return [
        {
            "account": account,
            "currency": currency,
            "period_start": start,
            "debit": int(debit),
            "credit": int(credit),
        }
        for account, currency, start, debit, credit in session.execute(stmt)
    ]


def next_sequence(session: Session, workspace_id: str, period_start: date) -> int:
    stmt = select(func.coalesce(func.max(BATCHES.c.sequence), 0)).where(
        BATCHES.c.workspace_id == workspace_id, BATCHES.c.period_start == period_start
    )
    return int(session.scalar(stmt) or 0) + 1


def add_batch(session: Session, batch: BatchRow, lines: list[BatchLineRow]) -> None:
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
) -> list[BatchRow]:
    """Oldest period first, then the period's batches in the order they were made."""
    stmt = (
        select(BATCHES)
        .where(*_batch_where(workspace_id, status, period_start))
        .order_by(BATCHES.c.period_start, BATCHES.c.sequence)
        .offset(offset)
        .limit(limit)
    )
    return [cast(BatchRow, dict(r)) for r in session.execute(stmt).mappings()]


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


def get_batch(session: Session, workspace_id: str, batch_id: str) -> BatchRow | None:
    stmt = select(BATCHES).where(BATCHES.c.workspace_id == workspace_id, BATCHES.c.id == batch_id)
    row = session.execute(stmt).mappings().first()
    return cast(BatchRow, dict(row)) if row is not None else None


def batch_lines(
    session: Session, batch_id: str, offset: int = 0, limit: int | None = None
) -> list[BatchLineRow]:
    stmt = (
        select(LINES).where(LINES.c.batch_id == batch_id).order_by(LINES.c.line_no).offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [cast(BatchLineRow, dict(r)) for r in session.execute(stmt).mappings()]


def batch_totals(session: Session, batch_ids: list[str]) -> list[BatchTotalRow]:
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
    return [
        {"batch_id": batch_id, "currency": currency, "debit": int(debit), "credit": int(credit)}
        for batch_id, currency, debit, credit in session.execute(stmt)
    ]


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


def period_by_start(session: Session, workspace_id: str, start: date) -> PeriodRow | None:
    stmt = select(PERIODS).where(
        PERIODS.c.workspace_id == workspace_id, PERIODS.c.start_date == start
    )
    row = session.execute(stmt).mappings().first()
    return cast(PeriodRow, dict(row)) if row is not None else None


def period_by_id(session: Session, workspace_id: str, period_id: str) -> PeriodRow | None:
    stmt = select(PERIODS).where(PERIODS.c.workspace_id == workspace_id, PERIODS.c.id == period_id)
    row = session.execute(stmt).mappings().first()
    return cast(PeriodRow, dict(row)) if row is not None else None
