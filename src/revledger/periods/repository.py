"""Every query on accounting periods and the workspace's recognition lock."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, TypedDict, cast

from sqlalchemy import Row, Table, exists, or_, select, update
from sqlalchemy.orm import Session

from revledger.auth.models import Workspace
from revledger.kit import sql
from revledger.periods.models import AccountingPeriod, RecognitionCounter

T = cast(Table, AccountingPeriod.__table__)
COUNTERS = cast(Table, RecognitionCounter.__table__)


class PeriodRow(TypedDict):
    """A row of accounting_periods."""

    id: str
    workspace_id: str
    start_date: date
    end_date: date
    status: str
    closed_at: datetime | None
    closed_by: str | None
    created_at: datetime


def lock(session: Session, workspace_id: str) -> tuple[int, int]:
    """Take the workspace's recognition lock (its counter row, held to commit) and return
    the last schedule and event numbers. Posting, closing and reopening all take it
    first, so a period cannot close while an event is being put into it."""
    insert = sql.insert(session, COUNTERS).values(workspace_id=workspace_id, schedules=0, events=0)
    stmt = insert.on_conflict_do_update(
        index_elements=[COUNTERS.c.workspace_id],
        set_={"schedules": COUNTERS.c.schedules},
    ).returning(COUNTERS.c.schedules, COUNTERS.c.events)
    row = session.execute(stmt).one()
    return int(row.schedules), int(row.events)


def set_counters(session: Session, workspace_id: str, schedules: int, events: int) -> None:
    session.execute(
        update(COUNTERS)
        .where(COUNTERS.c.workspace_id == workspace_id)
        .values(schedules=schedules, events=events)
    )


def timezone(session: Session, workspace_id: str) -> str:
    return str(session.scalar(select(Workspace.timezone).where(Workspace.id == workspace_id)))


def all_periods(session: Session, workspace_id: str) -> list[Row[Any]]:
    """Every period, oldest first, as rows (recognition/service.py reads their attributes;
    this package reads `listing`)."""
    return list(
        session.execute(select(T).where(T.c.workspace_id == workspace_id).order_by(T.c.start_date))
    )


def add(session: Session, rows: Iterable[PeriodRow]) -> None:
    values = list(rows)
    if values:
        session.execute(sql.insert(session, T).on_conflict_do_nothing(), values)


def listing(
    session: Session,
    workspace_id: str,
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[PeriodRow]:
    """The periods with this status ending on or after `date_from` and starting on or
    before `date_to` (every period without them), oldest first."""
    stmt = select(T).where(T.c.workspace_id == workspace_id)
    if status:
        stmt = stmt.where(T.c.status == status)
    if date_from:
        stmt = stmt.where(T.c.end_date >= date_from)
    if date_to:
        stmt = stmt.where(T.c.start_date <= date_to)
    rows = session.execute(stmt.order_by(T.c.start_date)).mappings()
    return [cast(PeriodRow, dict(r)) for r in rows]


def set_status(
    session: Session,
    period_id: str,
    status: str,
    closed_at: datetime | None,
    closed_by: str | None,
) -> None:
    session.execute(
        update(T)
        .where(T.c.id == period_id)
        .values(status=status, closed_at=closed_at, closed_by=closed_by)
    )


def unposted_workspaces(session: Session, data: Iterable[Table]) -> list[str]:
    """Workspaces with rows in any of the `data` tables but no recognition counter: data
    stored before recognition existed (the backfill posts it)."""
    W = cast(Table, Workspace.__table__)
    stmt = select(W.c.id).where(
        ~exists().where(COUNTERS.c.workspace_id == W.c.id),
        or_(*(exists().where(t.c.workspace_id == W.c.id) for t in data)),
    )
    return list(session.scalars(stmt))
