"""Every query of the revenue reports. They read revenue_items (which carry their
currency and billed period, so the waterfall needs no join), revenue_schedules for
grouping and per-schedule balances, accounting_periods and revenue_sources for names.

Sums are cast back to BIGINT in SQL (PostgreSQL's SUM(bigint) is NUMERIC), so Python
only ever sees exact integers in ledger units.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import TypedDict, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    Subquery,
    Table,
    case,
    func,
    or_,
    select,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from revledger.periods.models import AccountingPeriod
from revledger.recognition.models import RevenueItem, RevenueSchedule
from revledger.sources.models import RevenueSource

I = cast(Table, RevenueItem.__table__)  # noqa: E741
S = cast(Table, RevenueSchedule.__table__)
AP = cast(Table, AccountingPeriod.__table__)
SRC = cast(Table, RevenueSource.__table__)

GROUP_COLUMNS: dict[str, tuple[ColumnElement[str | None], ...]] = {
    "currency": (),
    "source": (S.c.source_id,),
    "plan": (S.c.source_id, S.c.plan_id),
    "customer": (S.c.source_id, S.c.customer_id),
    # revenue records carry external_product_identifier; invoices have none: their plan
    "product": (func.coalesce(S.c.product_id, S.c.plan_id).label("product_id"),),
}


GroupKey = tuple[str | None, ...]
"""The values a report groups by, in GROUP_COLUMNS order (() when by currency only)."""


BalanceColumns = tuple[int, str, str, str, str, str | None, str, int, int]
"""What `_balance_rows` selects: the columns of BalanceRow, in its order."""


class BalanceRow(TypedDict):
    """One schedule's balance through a period: billed and recognized in ledger units."""

    number: int
    origin: str
    external_id: str
    kind: str
    source_id: str
    customer_id: str | None
    currency: str
    billed: int
    recognized: int


def _total(value: ColumnElement[int]) -> ColumnElement[int]:
    """CAST(SUM(x) AS BIGINT): exact integers on both backends."""
    return sql_cast(func.sum(value), BigInteger)


def period_bounds(session: Session, workspace_id: str) -> tuple[date | None, date | None]:
    """The first and last accounting periods of the workspace (None when it has none)."""
    row = session.execute(
        select(func.min(AP.c.start_date), func.max(AP.c.start_date)).where(
            AP.c.workspace_id == workspace_id
        )
    ).one()
    return row[0], row[1]


def period_statuses(
    session: Session, workspace_id: str, first: date, last: date
) -> dict[date, str]:
    rows = session.execute(
        select(AP.c.start_date, AP.c.status).where(
            AP.c.workspace_id == workspace_id,
            AP.c.start_date >= first,
            AP.c.start_date <= last,
        )
    )
    return {row.start_date: row.status for row in rows}


def waterfall_cells(
    session: Session, workspace_id: str, last: date
) -> list[tuple[str, date, date, int]]:
    """The waterfall in one aggregate: amounts per (currency, billed period, recognized
    period) of every item billed or recognized up to the period starting `last`.

    Items billed later but recognized by then (a backdated invoice) are included: they
    are recognized revenue of the range. Items billed by then but recognized later (or
    left Open-Ended) are included: they are the deferred balance.
    """
    stmt = (
        select(I.c.currency, I.c.billed_period, I.c.period_start, _total(I.c.amount))
        .where(
            I.c.workspace_id == workspace_id,
            or_(I.c.billed_period <= last, I.c.period_start <= last),
        )
        .group_by(I.c.currency, I.c.billed_period, I.c.period_start)
    )
    return [(r[0], r[1], r[2], int(r[3])) for r in session.execute(stmt)]


def recognized_by_group(
    session: Session, workspace_id: str, group_by: str, first: date, last: date
) -> list[tuple[str, GroupKey, date, int]]:
    """Recognized amounts per (currency, group key, period) for periods first..last."""
    keys = GROUP_COLUMNS[group_by]
    source = I.join(S, S.c.pk == I.c.schedule_pk) if keys else I
    stmt = (
        select(I.c.currency, *keys, I.c.period_start, _total(I.c.amount).label("amount"))
        .select_from(source)
        .where(
            I.c.workspace_id == workspace_id,
            I.c.period_start >= first,
            I.c.period_start <= last,
        )
        .group_by(I.c.currency, *keys, I.c.period_start)
    )
    return [(r[0], tuple(r[1:-2]), r[-2], int(r[-1])) for r in session.execute(stmt)]


def source_names(session: Session, workspace_id: str, ids: Sequence[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(SRC.c.id, SRC.c.name).where(SRC.c.workspace_id == workspace_id, SRC.c.id.in_(ids))
    )
    return {row.id: row.name for row in rows}


def _balances(workspace_id: str, period: date) -> Subquery:
    """Per schedule: billed through `period`, recognized through it; non-zero balances."""
    billed = _total(case((I.c.billed_period <= period, I.c.amount), else_=0))
    recognized = _total(case((I.c.period_start <= period, I.c.amount), else_=0))
    return (
        select(
            I.c.schedule_pk,
            billed.label("billed"),
            recognized.label("recognized"),
        )
        .where(
            I.c.workspace_id == workspace_id,
            or_(I.c.billed_period <= period, I.c.period_start <= period),
        )
        .group_by(I.c.schedule_pk)
        .having(billed != recognized)
        .subquery("balances")
    )


def _balance_rows(workspace_id: str, period: date) -> Select[*BalanceColumns]:
    """Every non-zero balance (BalanceColumns), in schedule number order."""
    b = _balances(workspace_id, period)
    return (
        select(
            S.c.number,
            S.c.origin,
            S.c.external_id,
            S.c.kind,
            S.c.source_id,
            S.c.customer_id,
            S.c.currency,
            b.c.billed,
            b.c.recognized,
        )
        .select_from(b.join(S, S.c.pk == b.c.schedule_pk))
        .order_by(S.c.number)
    )


def _balance(row: BalanceColumns) -> BalanceRow:
    """A selected row -> its record (unpacked by position: the CSV streams every one)."""
    number, origin, external_id, kind, source_id, customer_id, currency, billed, recognized = row
    return {
        "number": number,
        "origin": origin,
        "external_id": external_id,
        "kind": kind,
        "source_id": source_id,
        "customer_id": customer_id,
        "currency": currency,
        "billed": billed,
        "recognized": recognized,
    }


def balance_page(
    session: Session, workspace_id: str, period: date, offset: int, limit: int
) -> tuple[list[BalanceRow], int]:
    """A page of non-zero balances and how many there are, from one aggregation (the
    count rides along as a window); only a page past the end needs a second query."""
    stmt = (
        _balance_rows(workspace_id, period)
        .add_columns(func.count().over().label("full_count"))
        .offset(offset)
        .limit(limit)
    )
    rows = list(session.execute(stmt))
    if rows:  # each row is BalanceColumns, then full_count
        return [_balance(r[:-1]) for r in rows], int(rows[0][-1])
    b = _balances(workspace_id, period)
    return [], int(session.scalar(select(func.count()).select_from(b)) or 0)


def stream_balances(conn: Connection, workspace_id: str, period: date) -> Iterator[BalanceRow]:
    """Every non-zero balance, in schedule number order, through a server-side cursor."""
    stmt = _balance_rows(workspace_id, period)
    result = conn.execution_options(stream_results=True, yield_per=2000).execute(stmt)
    for row in result:
        yield _balance(row)


def balance_totals(
    session: Session | Connection, workspace_id: str, period: date
) -> list[tuple[str, int, int]]:
    """Per currency: billed through `period` and recognized through it (every schedule)."""
    billed = _total(case((I.c.billed_period <= period, I.c.amount), else_=0))
    recognized = _total(case((I.c.period_start <= period, I.c.amount), else_=0))
    stmt = (
        select(I.c.currency, billed, recognized)
        .where(
            I.c.workspace_id == workspace_id,
            or_(I.c.billed_period <= period, I.c.period_start <= period),
        )
        .group_by(I.c.currency)
        .order_by(I.c.currency)
    )
    return [(r[0], int(r[1]), int(r[2])) for r in session.execute(stmt)]
