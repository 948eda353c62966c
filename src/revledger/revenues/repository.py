"""Every query on revenue records and their day counts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, RowMapping, func, or_, select, text, tuple_
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from revledger.revenues.models import Revenue, RevenueDayCount

R = Revenue.__table__
C = RevenueDayCount.__table__

RECORD_COLUMNS = (
    R.c.id,
    R.c.revenue_source_id,
    R.c.external_id,
    R.c.external_product_identifier,
    R.c.type,
    R.c.amount_milli,
    R.c.currency,
    R.c.occurred_at,
    R.c.description,
    R.c.metadata,
    R.c.created_at,
)


@dataclass(frozen=True)
class RevenueFilter:
    """Validated list filters; `occurred_from` inclusive, `occurred_before` exclusive."""

    type: str | None = None
    revenue_source_id: str | None = None
    currency: str | None = None
    occurred_from: datetime | None = None
    occurred_before: datetime | None = None
    search: str | None = None


# PostgreSQL: the whole batch travels as one JSON parameter (orjson writes it in C) and
# json_to_recordset turns it back into rows. The statement text is fixed, so the server
# prepares it once; a multi-row VALUES list of 1,200 parameters is re-parsed on every
# request, and per-column arrays cost a regex per element to quote.
_PG_INSERT = text(
    """
    INSERT INTO revenues (id, workspace_id, revenue_source_id, external_id,
        external_product_identifier, type, amount_milli, currency, occurred_at,
        description, metadata, created_at)
    SELECT id, workspace_id, revenue_source_id, external_id, external_product_identifier,
        type, amount_milli, currency, occurred_at, description, metadata, created_at
    FROM json_to_recordset(CAST(:rows AS json)) AS r(
        id varchar, workspace_id varchar, revenue_source_id varchar, external_id varchar,
        external_product_identifier varchar, type varchar, amount_milli bigint,
        currency varchar, occurred_at timestamptz, description varchar, metadata text,
        created_at timestamptz)
    ON CONFLICT (workspace_id, revenue_source_id, external_id) DO NOTHING
    RETURNING revenue_source_id, external_id
    """
)
_PG_ADD_COUNTS = text(
    """
    INSERT INTO revenue_day_counts AS c (workspace_id, day, revenue_source_id, type, currency, n)
    SELECT workspace_id, day, revenue_source_id, type, currency, n
    FROM json_to_recordset(CAST(:rows AS json)) AS r(
        workspace_id varchar, day date, revenue_source_id varchar, type varchar,
        currency varchar, n bigint)
    ON CONFLICT (workspace_id, day, revenue_source_id, type, currency)
    DO UPDATE SET n = c.n + excluded.n
    """
)
_COUNT_COLUMNS = ("workspace_id", "day", "revenue_source_id", "type", "currency", "n")


def _json_rows(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Rows as one JSON text: datetimes in RFC 3339, dates ISO, order kept."""
    return {"rows": orjson.dumps(rows).decode()}


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_new(session: Session, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """INSERT … ON CONFLICT DO NOTHING for the whole batch in one statement.

    Rows are sorted by key so that concurrent overlapping batches take their unique-key
    locks in the same order and cannot deadlock. Returns the keys actually inserted.
    """
    if not rows:
        return set()
    rows = sorted(rows, key=lambda r: (r["revenue_source_id"], r["external_id"]))
    if _is_postgresql(session):
        result = session.execute(_PG_INSERT, _json_rows(rows))
        return {(r[0], r[1]) for r in result}
    # SQLite: executemany form, compiled once; SQLAlchemy's "insertmanyvalues" sends the
    # rows as multi-row INSERT … RETURNING statements.
    stmt = (
        sqlite_insert(R)
        .on_conflict_do_nothing(index_elements=["workspace_id", "revenue_source_id", "external_id"])
        .returning(R.c.revenue_source_id, R.c.external_id)
    )
    return {(r[0], r[1]) for r in session.execute(stmt, rows)}


def add_day_counts(session: Session, counts: dict[tuple[str, date, str, str, str], int]) -> None:
    """Upsert-increment day counts, in key order (no deadlocks between batches)."""
    if not counts:
        return
    rows = [dict(zip(_COUNT_COLUMNS, (*key, n), strict=True)) for key, n in sorted(counts.items())]
    if _is_postgresql(session):
        session.execute(_PG_ADD_COUNTS, _json_rows(rows))
        return
    stmt = sqlite_insert(C)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(_COUNT_COLUMNS[:-1]), set_={"n": C.c.n + stmt.excluded.n}
    )
    session.execute(stmt, rows)


def by_keys(
    session: Session, workspace_id: str, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], RowMapping]:
    if not keys:
        return {}
    stmt = select(*RECORD_COLUMNS).where(
        R.c.workspace_id == workspace_id,
        tuple_(R.c.revenue_source_id, R.c.external_id).in_(list(keys)),
    )
    return {(r["revenue_source_id"], r["external_id"]): r for r in session.execute(stmt).mappings()}


def get(session: Session, workspace_id: str, revenue_id: str) -> RowMapping | None:
    return (
        session.execute(
            select(*RECORD_COLUMNS).where(R.c.workspace_id == workspace_id, R.c.id == revenue_id)
        )
        .mappings()
        .first()
    )


def _conditions(workspace_id: str, f: RevenueFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [R.c.workspace_id == workspace_id]
    if f.type:
        where.append(R.c.type == f.type)
    if f.revenue_source_id:
        where.append(R.c.revenue_source_id == f.revenue_source_id)
    if f.currency:
        where.append(R.c.currency == f.currency)
    if f.occurred_from:
        where.append(R.c.occurred_at >= f.occurred_from)
    if f.occurred_before:
        where.append(R.c.occurred_at < f.occurred_before)
    if f.search:
        where.append(
            or_(
                R.c.external_id.icontains(f.search, autoescape=True),
                R.c.external_product_identifier.icontains(f.search, autoescape=True),
                R.c.description.icontains(f.search, autoescape=True),
            )
        )
    return where


def _ordered(stmt: Any) -> Any:
    return stmt.order_by(R.c.occurred_at.desc(), R.c.id.desc())


def page(
    session: Session, workspace_id: str, f: RevenueFilter, offset: int, limit: int
) -> list[RowMapping]:
    """One page, newest first. Deep pages find their ids on the index alone, then read
    just those rows (a deferred join), so page 2,000 costs about what page 1 does."""
    ids = _ordered(select(R.c.id).where(*_conditions(workspace_id, f))).offset(offset).limit(limit)
    inner = ids.subquery()
    stmt = _ordered(select(*RECORD_COLUMNS).join(inner, inner.c.id == R.c.id))
    return list(session.execute(stmt).mappings())


def _count_rows(session: Session, workspace_id: str, f: RevenueFilter) -> int:
    stmt = select(func.count()).select_from(R).where(*_conditions(workspace_id, f))
    return int(session.scalar(stmt) or 0)


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def count(session: Session, workspace_id: str, f: RevenueFilter) -> int:
    """Exact count of matching records.

    Without `search`, whole UTC days inside the range come from the day counts and
    only the partial days at the edges are counted row by row.
    """
    if f.search:
        return _count_rows(session, workspace_id, f)
    first_full = None
    if f.occurred_from is not None:
        start = f.occurred_from.astimezone(UTC)
        first_full = (
            start.date()
            if start.timetz() == time.min.replace(tzinfo=UTC)
            else (start.date() + timedelta(days=1))
        )
    end_full = None  # exclusive
    if f.occurred_before is not None:
        end_full = f.occurred_before.astimezone(UTC).date()
    if first_full is not None and end_full is not None and first_full >= end_full:
        return _count_rows(session, workspace_id, f)

    where: list[ColumnElement[bool]] = [C.c.workspace_id == workspace_id]
    if f.type:
        where.append(C.c.type == f.type)
    if f.revenue_source_id:
        where.append(C.c.revenue_source_id == f.revenue_source_id)
    if f.currency:
        where.append(C.c.currency == f.currency)
    if first_full is not None:
        where.append(C.c.day >= first_full)
    if end_full is not None:
        where.append(C.c.day < end_full)
    total = int(session.scalar(select(func.coalesce(func.sum(C.c.n), 0)).where(*where)) or 0)

    if first_full is not None and f.occurred_from is not None:
        head_end = _utc_midnight(first_full)
        if f.occurred_from < head_end:
            total += _count_rows(session, workspace_id, _replace(f, occurred_before=head_end))
    if end_full is not None and f.occurred_before is not None:
        tail_start = _utc_midnight(end_full)
        if tail_start < f.occurred_before:
            total += _count_rows(session, workspace_id, _replace(f, occurred_from=tail_start))
    return total


def _replace(f: RevenueFilter, **changes: Any) -> RevenueFilter:
    values = {**f.__dict__, **changes}
    return RevenueFilter(**values)


def stream(conn: Connection, workspace_id: str, f: RevenueFilter) -> Iterator[RowMapping]:
    """Every matching record, newest first, through a server-side cursor."""
    stmt = _ordered(select(*RECORD_COLUMNS).where(*_conditions(workspace_id, f)))
    result = conn.execution_options(stream_results=True, yield_per=2000).execute(stmt)
    yield from result.mappings()
