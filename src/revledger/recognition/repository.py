"""Every query on revenue schedules, events and items."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from sqlalchemy import Executable, Row, Table, and_, bindparam, func, select, update
from sqlalchemy.orm import Session

from revledger.kit.calendar import OPEN_ENDED
from revledger.kit.items import RowDict
from revledger.kit.sql import in_list, insert_rows
from revledger.plans.models import Plan
from revledger.recognition.models import RevenueEvent, RevenueItem, RevenueSchedule
from revledger.recognition.records import (
    EventRow,
    ItemRow,
    ScheduleFilters,
    ScheduleRow,
    Totals,
)
from revledger.sources.models import RevenueSource

SCHEDULES = cast(Table, RevenueSchedule.__table__)
EVENTS = cast(Table, RevenueEvent.__table__)
ITEMS = cast(Table, RevenueItem.__table__)
SOURCES = cast(Table, RevenueSource.__table__)
PLANS = cast(Table, Plan.__table__)


# The TypedDict rows are plain dicts holding exactly their table's columns, which is
# what kit.sql.insert_rows takes (as untyped `RowDict`s).


def insert_schedules(session: Session, rows: list[ScheduleRow]) -> None:
    insert_rows(session, SCHEDULES, cast(list[RowDict], rows))


def insert_events(session: Session, rows: list[EventRow]) -> None:
    insert_rows(session, EVENTS, cast(list[RowDict], rows))


def insert_items(session: Session, rows: list[ItemRow]) -> None:
    insert_rows(session, ITEMS, cast(list[RowDict], rows))


def _schedules(session: Session, stmt: Executable) -> list[ScheduleRow]:
    """The rows of a `select(SCHEDULES)`, as dicts (the posting code changes them)."""
    return cast(list[ScheduleRow], [dict(r._mapping) for r in session.execute(stmt)])


def update_schedules(session: Session, rows: Iterable[ScheduleRow]) -> None:
    params = [
        {
            "b_pk": r["pk"],
            "b_amount": r["amount"],
            "b_start": r["start_date"],
            "b_end": r["end_date"],
        }
        for r in sorted(rows, key=lambda r: r["pk"])
    ]
    if params:
        session.execute(
            update(SCHEDULES)
            .where(SCHEDULES.c.pk == bindparam("b_pk"))
            .values(
                amount=bindparam("b_amount"),
                start_date=bindparam("b_start"),
                end_date=bindparam("b_end"),
            ),
            params,
        )


def source_rules(session: Session, source_ids: set[str]) -> dict[str, str | None]:
    if not source_ids:
        return {}
    rows = session.execute(
        select(SOURCES.c.id, SOURCES.c.recognition_rule).where(
            in_list(session, SOURCES.c.id, sorted(source_ids))
        )
    )
    return {r.id: r.recognition_rule for r in rows}


def plan_rules(session: Session, plan_pks: set[str]) -> dict[str, str | None]:
    if not plan_pks:
        return {}
    rows = session.execute(
        select(PLANS.c.pk, PLANS.c.recognition_rule).where(
            in_list(session, PLANS.c.pk, sorted(plan_pks))
        )
    )
    return {r.pk: r.recognition_rule for r in rows}


def by_origin(
    session: Session, workspace_id: str, origin: str, pks: list[str]
) -> list[ScheduleRow]:
    if not pks:
        return []
    return _schedules(
        session,
        select(SCHEDULES).where(
            SCHEDULES.c.workspace_id == workspace_id,
            SCHEDULES.c.origin == origin,
            in_list(session, SCHEDULES.c.origin_pk, pks),
        ),
    )


def by_subscriptions(
    session: Session, workspace_id: str, keys: set[tuple[str, str]]
) -> list[ScheduleRow]:
    """Subscription-invoice schedules of these (source id, subscription id)s."""
    out: list[ScheduleRow] = []
    by_source: dict[str, list[str]] = {}
    for source_id, subscription_id in keys:
        by_source.setdefault(source_id, []).append(subscription_id)
    for source_id, subscriptions in sorted(by_source.items()):
        out.extend(
            _schedules(
                session,
                select(SCHEDULES)
                .where(
                    SCHEDULES.c.workspace_id == workspace_id,
                    SCHEDULES.c.source_id == source_id,
                    in_list(session, SCHEDULES.c.subscription_id, sorted(subscriptions)),
                    SCHEDULES.c.origin == "invoice",
                    SCHEDULES.c.kind == "subscription",
                )
                .order_by(SCHEDULES.c.number),
            )
        )
    return out


def one_time_of_customers(
    session: Session, workspace_id: str, keys: set[tuple[str, str]]
) -> list[ScheduleRow]:
    """One-time-invoice schedules of these (source id, customer id)s."""
    out: list[ScheduleRow] = []
    for source_id, customer_id in sorted(keys):
        out.extend(
            _schedules(
                session,
                select(SCHEDULES)
                .where(
                    SCHEDULES.c.workspace_id == workspace_id,
                    SCHEDULES.c.source_id == source_id,
                    SCHEDULES.c.customer_id == customer_id,
                    SCHEDULES.c.origin == "invoice",
                    SCHEDULES.c.kind == "one-time",
                )
                .order_by(SCHEDULES.c.number),
            )
        )
    return out


def undistributed(session: Session, schedule_pks: list[str]) -> dict[str, int]:
    """What each schedule still holds in the Open-Ended period."""
    if not schedule_pks:
        return {}
    rows = session.execute(
        select(ITEMS.c.schedule_pk, func.sum(ITEMS.c.amount))
        .where(
            in_list(session, ITEMS.c.schedule_pk, schedule_pks), ITEMS.c.period_start == OPEN_ENDED
        )
        .group_by(ITEMS.c.schedule_pk)
    )
    return {r[0]: int(r[1]) for r in rows}


def schedule_by_number(session: Session, workspace_id: str, number: int) -> ScheduleRow | None:
    row = session.execute(
        select(SCHEDULES).where(
            SCHEDULES.c.workspace_id == workspace_id, SCHEDULES.c.number == number
        )
    ).first()
    return None if row is None else cast(ScheduleRow, dict(row._mapping))


def events_page(session: Session, schedule_pk: str, offset: int, limit: int) -> list[Row[Any]]:
    return list(
        session.execute(
            select(EVENTS)
            .where(EVENTS.c.schedule_pk == schedule_pk)
            .order_by(EVENTS.c.number)
            .offset(offset)
            .limit(limit)
        )
    )


def items_of_events(session: Session, event_pks: list[str]) -> list[Row[Any]]:
    if not event_pks:
        return []
    return list(
        session.execute(
            select(ITEMS)
            .where(in_list(session, ITEMS.c.event_pk, event_pks))
            .order_by(ITEMS.c.event_pk, ITEMS.c.period_start)
        )
    )


def schedules_page(
    session: Session,
    workspace_id: str,
    filters: ScheduleFilters,
    period: date | None,
    offset: int,
    limit: int,
) -> tuple[list[ScheduleRow], int]:
    conditions = [SCHEDULES.c.workspace_id == workspace_id]
    for name, value in filters.items():
        if value is not None:
            conditions.append(SCHEDULES.c[name] == value)
    if period is not None:
        touching = select(ITEMS.c.schedule_pk).where(
            ITEMS.c.workspace_id == workspace_id, ITEMS.c.period_start == period
        )
        conditions.append(SCHEDULES.c.pk.in_(touching))
    where = and_(*conditions)
    total = session.scalar(select(func.count()).select_from(SCHEDULES).where(where)) or 0
    rows = _schedules(
        session,
        select(SCHEDULES).where(where).order_by(SCHEDULES.c.number).offset(offset).limit(limit),
    )
    return rows, int(total)


def totals_of(session: Session, schedule_pks: list[str], through: date) -> dict[str, Totals]:
    """Per schedule: recognized (items in periods up to the one starting on `through`),
    scheduled later, and undistributed (Open-Ended)."""
    out: dict[str, Totals] = {
        pk: {"recognized": 0, "later": 0, "undistributed": 0} for pk in schedule_pks
    }
    if not schedule_pks:
        return out
    rows = session.execute(
        select(ITEMS.c.schedule_pk, ITEMS.c.period_start, func.sum(ITEMS.c.amount))
        .where(in_list(session, ITEMS.c.schedule_pk, schedule_pks))
        .group_by(ITEMS.c.schedule_pk, ITEMS.c.period_start)
    )
    for pk, period_start, total in rows:
        if period_start == OPEN_ENDED:
            out[pk]["undistributed"] += int(total)
        else:
            out[pk]["recognized" if period_start <= through else "later"] += int(total)
    return out
