"""Every query on the metric tables (and the invoice reads the recalculation needs)."""

from __future__ import annotations

import typing
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TypedDict, TypeVar

from sqlalchemy import (
    ColumnElement,
    Row,
    Table,
    Text,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from revledger.auth.models import Workspace
from revledger.customers.models import Customer
from revledger.invoices.models import Invoice
from revledger.kit import sql
from revledger.kit.items import RowDict
from revledger.kit.sql import in_list, unnest_upsert
from revledger.metrics.models import (
    ExchangeRate,
    MetricsFailure,
    MetricsPending,
    MetricsState,
    MissingRate,
    MrrDaily,
    MrrMovement,
    MrrPlanMovement,
    exact_int,
)
from revledger.plans.models import Plan

P = typing.cast(Table, MetricsPending.__table__)
M = typing.cast(Table, MrrMovement.__table__)
PM = typing.cast(Table, MrrPlanMovement.__table__)
D = typing.cast(Table, MrrDaily.__table__)
X = typing.cast(Table, MissingRate.__table__)
S = typing.cast(Table, MetricsState.__table__)
F = typing.cast(Table, MetricsFailure.__table__)
R = typing.cast(Table, ExchangeRate.__table__)
I = typing.cast(Table, Invoice.__table__)  # noqa: E741
C = typing.cast(Table, Customer.__table__)
PL = typing.cast(Table, Plan.__table__)
W = typing.cast(Table, Workspace.__table__)

CHUNK = 5000  # ids per IN (...) list
SUM_COLUMNS = ("mrr", "new", "expansion", "contraction", "churn", "reactivation", "customers")
V = TypeVar("V")

InvoiceFact = tuple[
    str, str | None, str, date, date, date, int, str, str | None, str, tuple[datetime, str]
]
"""A subscription or cancellation invoice as the recalculation reads it: (customer pk,
subscription id, type, day, start day, end day, amount_cents, currency, plan pk,
invoice id, (date, invoice id) to order invoices of equal start). Days are in the
workspace's timezone."""

InvoiceMoments = Row[str, str | None, str, datetime, datetime, datetime, int, str, str | None, str]
"""The same invoice with its timestamps (SQLite: days are computed in Python)."""

DaySums = tuple[date, list[int]]
"""A day and its sums in `SUM_COLUMNS` order (mrr, new, …, customers)."""

MissingRates = tuple[str, date, int]
"""(currency, the first day its rate is missing, customers concerned)"""


class RateRow(TypedDict):
    """An exchange rate to store: `rate` `base` units per unit of `currency` from `day`."""

    workspace_id: str
    base: str
    currency: str
    day: date
    rate: str
    updated_at: datetime


def _int(value: object) -> int:
    """A sum read back (PostgreSQL: NUMERIC -> Decimal) -> an exact int, never a float."""
    out = exact_int(value)
    return 0 if out is None else out


def _chunks(values: Sequence[V], size: int = CHUNK) -> Iterable[Sequence[V]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


# --- marking customers for recalculation (in the caller's transaction) ----------------


def _upsert_pending(
    session: Session,
    stmt: postgresql.Insert | sqlite.Insert,
    rows: list[RowDict] | None = None,
) -> None:
    stmt = stmt.on_conflict_do_update(
        index_elements=["customer_pk"],
        set_={"marks": P.c.marks + 1, "marked_at": stmt.excluded.marked_at},
    )
    if rows is None:
        session.execute(stmt)
    else:
        session.execute(stmt, rows)


def mark(session: Session, workspace_id: str, customer_pks: Iterable[str], now: datetime) -> None:
    """Upsert a mark per customer. DO UPDATE (not DO NOTHING) takes the row lock, so a
    worker that has claimed the customer finishes first and the new mark survives it."""
    rows: list[RowDict] = [
        {"customer_pk": pk, "workspace_id": workspace_id, "marks": 1, "marked_at": now}
        for pk in sorted(set(customer_pks))
    ]
    if not rows:
        return
    if sql.is_postgresql(session):
        update = "marks = metrics_pending.marks + 1, marked_at = EXCLUDED.marked_at"
        unnest_upsert(session, P, rows, ["customer_pk"], update)
        return
    _upsert_pending(session, sql.insert(session, P), rows)


def mark_where(
    session: Session, workspace_id: str, condition: ColumnElement[bool], now: datetime
) -> None:
    """Mark every customer having an invoice that matches `condition`, in one statement."""
    inner = (
        select(I.c.customer_pk)
        .where(I.c.workspace_id == workspace_id, condition)
        .distinct()
        .subquery()
    )
    src = select(
        inner.c.customer_pk,
        literal(workspace_id),
        literal(1),
        literal(now, type_=P.c.marked_at.type),
    ).where(inner.c.customer_pk.isnot(None))
    # the rows are upserted (and locked) in key order, like every import's marks: two
    # transactions marking overlapping customers cannot deadlock
    src = src.order_by(inner.c.customer_pk)
    stmt = sql.insert(session, P).from_select(
        ["customer_pk", "workspace_id", "marks", "marked_at"], src
    )
    _upsert_pending(session, stmt)


def mark_plans(session: Session, workspace_id: str, plan_pks: Iterable[str], now: datetime) -> None:
    pks = sorted(set(plan_pks))
    for chunk in _chunks(pks, 1000):
        mark_where(session, workspace_id, in_list(session, I.c.plan_pk, chunk), now)


def mark_currency(session: Session, workspace_id: str, currency: str, now: datetime) -> None:
    mark_where(session, workspace_id, I.c.currency == currency, now)


def mark_all(session: Session, workspace_id: str, now: datetime) -> None:
    mark_where(session, workspace_id, literal(True), now)


# --- the worker's reads and writes ----------------------------------------------------


def claim(session: Session, limit: int, workspace_id: str | None = None) -> list[tuple[str, str]]:
    """Up to `limit` pending (workspace, customer) pairs, locked for this transaction.
    PostgreSQL: FOR UPDATE SKIP LOCKED, so several workers never take one customer."""
    stmt = select(P.c.workspace_id, P.c.customer_pk).order_by(P.c.workspace_id, P.c.customer_pk)
    if workspace_id is not None:
        stmt = stmt.where(P.c.workspace_id == workspace_id)
    stmt = stmt.limit(limit)
    if sql.is_postgresql(session):
        stmt = stmt.with_for_update(skip_locked=True)
    return [(r[0], r[1]) for r in session.execute(stmt)]


def any_pending(session: Session, workspace_id: str | None = None) -> bool:
    stmt = select(P.c.customer_pk).limit(1)
    if workspace_id is not None:
        stmt = stmt.where(P.c.workspace_id == workspace_id)
    return session.execute(stmt).first() is not None


def workspace_settings(session: Session, workspace_id: str) -> tuple[str, str]:
    row = session.execute(
        select(W.c.timezone, W.c.reporting_currency).where(W.c.id == workspace_id)
    ).one()
    return row[0], row[1]


def recurring_invoices(session: Session, customer_pks: Sequence[str]) -> list[InvoiceMoments]:
    """The subscription and cancellation invoices of these customers."""
    out: list[InvoiceMoments] = []
    for chunk in _chunks(customer_pks):
        out.extend(
            session.execute(
                select(
                    I.c.customer_pk,
                    I.c.subscription_id,
                    I.c.type,
                    I.c.date,
                    I.c.start_date,
                    I.c.end_date,
                    I.c.amount_cents,
                    I.c.currency,
                    I.c.plan_pk,
                    I.c.external_id,
                ).where(
                    in_list(session, I.c.customer_pk, chunk),
                    I.c.type.in_(("subscription", "cancellation")),
                )
            )
        )
    return out


RECURRING_SQL = """
SELECT invoices.customer_pk, subscription_id, type,
       (date AT TIME ZONE %(tz)s)::date, (start_date AT TIME ZONE %(tz)s)::date,
       (end_date AT TIME ZONE %(tz)s)::date,
       amount_cents, currency, plan_pk, external_id, date
FROM unnest(%(pks)s::varchar[]) AS wanted(pk)
JOIN invoices ON invoices.customer_pk = wanted.pk
WHERE invoices.type IN ('subscription', 'cancellation')
"""


def recurring_invoice_days(
    session: Session, customer_pks: Sequence[str], tz: str
) -> list[InvoiceFact]:
    """PostgreSQL: the same rows with the days computed in the workspace's timezone by
    the database, fetched as plain tuples (a full recalculation reads every invoice)."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    out: list[InvoiceFact] = []
    with raw.cursor(binary=True) as cur:  # binary results: dates and ints parse faster
        for chunk in _chunks(customer_pks, 20_000):
            cur.execute(RECURRING_SQL, {"tz": tz, "pks": list(chunk)})
            out.extend((*r[:10], (r[10], r[9])) for r in cur.fetchall())
    return out


def plan_intervals(session: Session, plan_pks: Iterable[str]) -> dict[str, tuple[str, int]]:
    pks = sorted(set(plan_pks))
    out: dict[str, tuple[str, int]] = {}
    for chunk in _chunks(pks):
        for pk, unit, count in session.execute(
            select(PL.c.pk, PL.c.interval_unit, PL.c.interval_count).where(
                in_list(session, PL.c.pk, chunk)
            )
        ):
            out[pk] = (unit, count or 1)
    return out


def rates(session: Session, workspace_id: str, base: str) -> list[tuple[str, date, str]]:
    return [
        (r[0], r[1], r[2])
        for r in session.execute(
            select(R.c.currency, R.c.day, R.c.rate).where(
                R.c.workspace_id == workspace_id, R.c.base == base
            )
        )
    ]


def customer_sources(session: Session, customer_pks: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in _chunks(customer_pks):
        out.update(
            {
                r[0]: r[1]
                for r in session.execute(
                    select(C.c.pk, C.c.source_id).where(in_list(session, C.c.pk, chunk))
                )
            }
        )
    return out


def old_movements(
    session: Session, customer_pks: Sequence[str]
) -> list[tuple[str, date, str, int, int]]:
    """(source, day, type, before, after) of the movements stored for these customers."""
    out: list[tuple[str, date, str, int, int]] = []
    for chunk in _chunks(customer_pks):
        stmt = select(M.c.source_id, M.c.day, M.c.type, M.c.before_units, M.c.after_units)
        out.extend(
            tuple(r) for r in session.execute(stmt.where(in_list(session, M.c.customer_pk, chunk)))
        )
    return out


def clear(session: Session, customer_pks: Sequence[str]) -> None:
    for chunk in _chunks(customer_pks):
        for table in (M, PM, X, P, F):
            session.execute(delete(table).where(in_list(session, table.c.customer_pk, chunk)))


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple[object, ...]]
) -> None:
    """Bulk insert of tuples in `columns` order (PostgreSQL: COPY)."""
    if not rows:
        return
    if sql.is_postgresql(session):
        raw = session.connection().connection.driver_connection
        assert raw is not None
        names = ", ".join(f'"{n}"' for n in columns)
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    for chunk in _chunks(rows, 2000):
        session.execute(table.insert(), [dict(zip(columns, r, strict=True)) for r in chunk])


def add_daily(
    session: Session, workspace_id: str, deltas: dict[tuple[str, date], list[int]]
) -> None:
    """Increment the daily totals, in key order (concurrent workers cannot deadlock)."""
    rows: list[RowDict] = [
        {
            "workspace_id": workspace_id,
            "source_id": source_id,
            "day": day,
            "mrr": v[0],
            "new": v[1],
            "expansion": v[2],
            "contraction": v[3],
            "churn": v[4],
            "reactivation": v[5],
            "customers": v[6],
        }
        for (source_id, day), v in sorted(deltas.items())
        if any(v)
    ]
    if not rows:
        return
    if sql.is_postgresql(session):
        update = ", ".join(f'"{n}" = mrr_daily."{n}" + EXCLUDED."{n}"' for n in SUM_COLUMNS)
        unnest_upsert(session, D, rows, ["workspace_id", "source_id", "day"], update)
        return
    # SQLite: the sums are done here, exactly, and written as values (an overflowing
    # `+` in SQLite silently becomes a float; a Python int beyond 64 bits fails loudly)
    keys = [(r["source_id"], r["day"]) for r in rows]
    stored: dict[tuple[str, date], list[int]] = {}
    for chunk in _chunks(keys, 400):
        for r in session.execute(
            select(D.c.source_id, D.c.day, *(D.c[n] for n in SUM_COLUMNS)).where(
                D.c.workspace_id == workspace_id,
                tuple_(D.c.source_id, D.c.day).in_(chunk),
            )
        ):
            stored[(r[0], r[1])] = [_int(v) for v in r[2:]]
    for row in rows:
        old = stored.get((row["source_id"], row["day"]))
        if old is not None:
            for n, v in zip(SUM_COLUMNS, old, strict=True):
                row[n] += v
    stmt = sql.insert(session, D)
    stmt = stmt.on_conflict_do_update(
        index_elements=["workspace_id", "source_id", "day"],
        set_={name: stmt.excluded[name] for name in SUM_COLUMNS},
    )
    session.execute(stmt, rows)


def record_failure(
    session: Session, workspace_id: str, customer_pk: str, error: str, now: datetime
) -> None:
    """Unmark a customer whose recalculation raised and remember why (its stored
    movements stay as they were). A later mark tries it again."""
    session.execute(delete(P).where(P.c.customer_pk == customer_pk))
    stmt = sql.insert(session, F).values(
        customer_pk=customer_pk, workspace_id=workspace_id, error=error[:2000], failed_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["customer_pk"],
        set_={"error": stmt.excluded.error, "failed_at": stmt.excluded.failed_at},
    )
    session.execute(stmt)


def failures(
    session: Session, workspace_id: str, limit: int = 100
) -> list[Row[str, str, str, datetime]]:
    """(source id, customer id, error, failed at) of the customers whose recalculation
    failed, latest first."""
    return list(
        session.execute(
            select(C.c.source_id, C.c.external_id, F.c.error, F.c.failed_at)
            .join(C, C.c.pk == F.c.customer_pk)
            .where(F.c.workspace_id == workspace_id)
            .order_by(F.c.failed_at.desc(), C.c.source_id, C.c.external_id)
            .limit(limit)
        )
    )


def touch_state(session: Session, workspace_id: str, now: datetime) -> None:
    stmt = sql.insert(session, S).values(workspace_id=workspace_id, last_recalculated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["workspace_id"],
        set_={"last_recalculated_at": stmt.excluded.last_recalculated_at},
    )
    session.execute(stmt)


# --- reads for the API ----------------------------------------------------------------


def daily_totals(
    session: Session, workspace_id: str, source_ids: list[str] | None, start: date, end: date
) -> tuple[list[int], list[DaySums]]:
    """(MRR and customers before `start`, per-day (day, sums) from `start` to `end`).

    About a thousand rows for three years whatever the number of customers. Sums are
    exact: NUMERIC on PostgreSQL (read as Decimal, turned into int); on SQLite the rows
    are summed here (SQLite's sum() stops at 64 bits)."""
    where = [D.c.workspace_id == workspace_id]
    if source_ids is not None:
        where.append(D.c.source_id.in_(source_ids))
    if sql.is_sqlite(session):
        base = [0, 0]
        per_day: dict[date, list[int]] = {}
        cols = [D.c[n] for n in SUM_COLUMNS]
        for r in session.execute(select(*cols).where(*where, D.c.day < start)):
            base[0] += _int(r[0])
            base[1] += _int(r[6])
        for r in session.execute(
            select(D.c.day, *cols).where(*where, D.c.day >= start, D.c.day <= end)
        ):
            v = per_day.setdefault(r[0], [0] * 7)
            for i, value in enumerate(r[1:]):
                v[i] += _int(value)
        return base, sorted(per_day.items())
    row = session.execute(
        select(
            func.coalesce(func.sum(D.c.mrr), 0), func.coalesce(func.sum(D.c.customers), 0)
        ).where(*where, D.c.day < start)
    ).one()
    # The per-day sums leave PostgreSQL as integer text and become ints with int(): exact
    # like the NUMERIC they are, and several times cheaper than Decimal per value (a
    # 36-month series is about 7,600 of them).
    rows = session.execute(
        select(D.c.day, *(cast(func.sum(D.c[n]), Text) for n in SUM_COLUMNS))
        .where(*where, D.c.day >= start, D.c.day <= end)
        .group_by(D.c.day)
        .order_by(D.c.day)
    ).all()
    return [_int(row[0]), _int(row[1])], [(r[0], [int(v) for v in r[1:]]) for r in rows]


def plan_totals(
    session: Session,
    workspace_id: str,
    plan_pks: list[str],
    source_ids: list[str] | None,
    start: date,
    end: date,
) -> tuple[list[int], list[DaySums]]:
    """The same sums for the MRR of the given plans: from the movements of customers who
    only ever had one plan (`mrr_movements.plan_pk`) and the per-plan movements of the
    others (`mrr_plan_movements`)."""
    base = [0, 0]
    per_day: dict[date, list[int]] = {}
    index = {"new": 1, "expansion": 2, "contraction": 3, "churn": 4, "reactivation": 5}
    for table in (M, PM):
        where = [table.c.workspace_id == workspace_id, table.c.plan_pk.in_(plan_pks)]
        if source_ids is not None:
            where.append(
                table.c.customer_pk.in_(select(C.c.pk).where(C.c.source_id.in_(source_ids)))
            )
        delta = table.c.after_units - table.c.before_units
        row = session.execute(
            select(
                func.coalesce(func.sum(delta), 0),
                func.coalesce(func.sum(_customers_delta(table)), 0),
            ).where(*where, table.c.day < start)
        ).one()
        base[0] += _int(row[0])
        base[1] += _int(row[1])
        rows = session.execute(
            select(
                table.c.day,
                table.c.type,
                func.sum(delta),
                func.sum(_customers_delta(table)),
            )
            .where(*where, table.c.day >= start, table.c.day <= end)
            .group_by(table.c.day, table.c.type)
        )
        for day, kind, amount, customers in rows:
            v = per_day.setdefault(day, [0] * 7)
            v[0] += _int(amount)
            v[index[kind]] += _int(amount)
            v[6] += _int(customers)
    return base, sorted(per_day.items())


def _customers_delta(table: Table) -> ColumnElement[int]:
    return case(
        (table.c.before_units == 0, 1),
        (table.c.after_units == 0, -1),
        else_=0,
    )


def plan_pks_by_external(
    session: Session, workspace_id: str, external_id: str, source_ids: list[str] | None
) -> list[str]:
    stmt = select(PL.c.pk).where(PL.c.workspace_id == workspace_id, PL.c.external_id == external_id)
    if source_ids is not None:
        stmt = stmt.where(PL.c.source_id.in_(source_ids))
    return list(session.scalars(stmt))


def mrr_and_customers_on(
    session: Session, workspace_id: str, day: date, source_ids: list[str] | None = None
) -> tuple[int, int]:
    where = [D.c.workspace_id == workspace_id, D.c.day <= day]
    if source_ids is not None:
        where.append(D.c.source_id.in_(source_ids))
    if sql.is_sqlite(session):
        rows = list(session.execute(select(D.c.mrr, D.c.customers).where(*where)))
        return sum(_int(r[0]) for r in rows), sum(_int(r[1]) for r in rows)
    row = session.execute(
        select(
            func.coalesce(func.sum(D.c.mrr), 0), func.coalesce(func.sum(D.c.customers), 0)
        ).where(*where)
    ).one()
    return _int(row[0]), _int(row[1])


def period_sums(
    session: Session,
    workspace_id: str,
    after: date,
    until: date,
    source_ids: list[str] | None = None,
) -> list[int]:
    """Sums of the movement columns over (after, until]."""
    where = [D.c.workspace_id == workspace_id, D.c.day > after, D.c.day <= until]
    if source_ids is not None:
        where.append(D.c.source_id.in_(source_ids))
    if sql.is_sqlite(session):
        out = [0] * len(SUM_COLUMNS)
        for r in session.execute(select(*(D.c[n] for n in SUM_COLUMNS)).where(*where)):
            for i, value in enumerate(r):
                out[i] += _int(value)
        return out
    row = session.execute(
        select(*(func.coalesce(func.sum(D.c[n]), 0) for n in SUM_COLUMNS)).where(*where)
    ).one()
    return [_int(v) for v in row]


def churned_customers(
    session: Session,
    workspace_id: str,
    after: date,
    until: date,
    source_ids: list[str] | None = None,
) -> int:
    where = [
        M.c.workspace_id == workspace_id,
        M.c.day > after,
        M.c.day <= until,
        M.c.type == "churn",
    ]
    if source_ids is not None:
        where.append(M.c.source_id.in_(source_ids))
    return int(session.scalar(select(func.count(M.c.customer_pk.distinct())).where(*where)) or 0)


def retained_movements(
    session: Session,
    workspace_id: str,
    after: date,
    until: date,
    source_ids: list[str] | None = None,
) -> int:
    """Sum of expansion, contraction and churn in (after, until] of the customers whose
    MRR was above 0 at the end of `after`."""
    active_where = [M.c.workspace_id == workspace_id, M.c.day <= after]
    if source_ids is not None:
        active_where.append(M.c.source_id.in_(source_ids))
    active = (
        select(M.c.customer_pk)
        .where(*active_where)
        .group_by(M.c.customer_pk)
        .having(func.sum(M.c.after_units - M.c.before_units) > 0)
    )
    later = M.alias("later")
    stmt = select(func.coalesce(func.sum(later.c.after_units - later.c.before_units), 0)).where(
        later.c.workspace_id == workspace_id,
        later.c.day > after,
        later.c.day <= until,
        later.c.type.in_(("expansion", "contraction", "churn")),
        later.c.customer_pk.in_(active),
    )
    return _int(session.scalar(stmt))


def movements_page(
    session: Session,
    workspace_id: str,
    start: date,
    end: date,
    kind: str | None,
    source_ids: list[str] | None,
    after: tuple[str, str] | None,
    limit: int,
) -> list[Row[date, str, str, str, int, int, str]]:
    """(day, customer pk, source id, type, before units, after units, customer id) of
    the movements in [start, end], by day and customer, after the cursor's (day, pk)."""
    where = [M.c.workspace_id == workspace_id, M.c.day >= start, M.c.day <= end]
    if kind is not None:
        where.append(M.c.type == kind)
    if source_ids is not None:
        where.append(M.c.source_id.in_(source_ids))
    if after is not None:
        where.append(tuple_(M.c.day, M.c.customer_pk) > (date.fromisoformat(after[0]), after[1]))
    stmt = (
        select(
            M.c.day,
            M.c.customer_pk,
            M.c.source_id,
            M.c.type,
            M.c.before_units,
            M.c.after_units,
            C.c.external_id,
        )
        .join(C, C.c.pk == M.c.customer_pk)
        .where(*where)
        .order_by(M.c.day, M.c.customer_pk)
        .limit(limit)
    )
    return list(session.execute(stmt))


def customer_movements(session: Session, customer_pk: str) -> list[Row[date, str, int, int]]:
    """(day, type, before units, after units) of a customer's movements, by day."""
    return list(
        session.execute(
            select(M.c.day, M.c.type, M.c.before_units, M.c.after_units)
            .where(M.c.customer_pk == customer_pk)
            .order_by(M.c.day)
        )
    )


def customer_is_pending(session: Session, customer_pk: str) -> bool:
    return session.scalar(select(P.c.customer_pk).where(P.c.customer_pk == customer_pk)) is not None


def status(session: Session, workspace_id: str) -> tuple[int, datetime | None, list[MissingRates]]:
    """(customers pending, the last recalculation, the missing rates)"""
    pending = int(
        session.scalar(select(func.count()).select_from(P).where(P.c.workspace_id == workspace_id))
        or 0
    )
    last = session.scalar(select(S.c.last_recalculated_at).where(S.c.workspace_id == workspace_id))
    return pending, last, missing_rates(session, workspace_id)


def missing_rates(session: Session, workspace_id: str) -> list[MissingRates]:
    """(currency, first day, customers) whose MRR lacks an exchange rate. Cheap: the
    metrics endpoints put it in every `meta` (unlike the pending count of `status`)."""
    return [
        tuple(r)
        for r in session.execute(
            select(X.c.currency, func.min(X.c.day), func.count())
            .where(X.c.workspace_id == workspace_id)
            .group_by(X.c.currency)
            .order_by(X.c.currency)
        )
    ]


def upsert_rates(session: Session, rows: list[RateRow]) -> None:
    if not rows:
        return
    stmt = sql.insert(session, R).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["workspace_id", "base", "currency", "day"],
        set_={"rate": stmt.excluded.rate, "updated_at": stmt.excluded.updated_at},
    )
    session.execute(stmt)


def existing_rates(
    session: Session, workspace_id: str, base: str, keys: Iterable[tuple[str, date]]
) -> dict[tuple[str, date], str]:
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    stmt = select(R.c.currency, R.c.day, R.c.rate).where(
        R.c.workspace_id == workspace_id,
        R.c.base == base,
        tuple_(R.c.currency, R.c.day).in_(wanted),
    )
    return {(r[0], r[1]): r[2] for r in session.execute(stmt)}


def list_rates(
    session: Session, workspace_id: str, base: str, currency: str | None
) -> list[Row[str, date, str]]:
    """(currency, day, rate) into `base`, by currency and day."""
    where = [R.c.workspace_id == workspace_id, R.c.base == base]
    if currency:
        where.append(R.c.currency == currency)
    return list(
        session.execute(
            select(R.c.currency, R.c.day, R.c.rate)
            .where(and_(*where))
            .order_by(R.c.currency, R.c.day)
        )
    )


def plan_external_ids(session: Session, plan_pks: Iterable[str]) -> dict[str, str]:
    pks = sorted(set(plan_pks))
    if not pks:
        return {}
    return {
        r[0]: r[1]
        for r in session.execute(select(PL.c.pk, PL.c.external_id).where(PL.c.pk.in_(pks)))
    }
