"""Every query on revenue records and their day counts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeAlias, TypedDict, TypeVar, cast

import orjson
from sqlalchemy import (
    Connection,
    RowMapping,
    Table,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import GenerativeSelect

from revledger.kit import sql
from revledger.revenues.models import Revenue, RevenueDayCount

# Core tables: inserts here are keyed by column name ("metadata"), never by ORM attribute.
R = cast(Table, Revenue.__table__)
C = cast(Table, RevenueDayCount.__table__)

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


class RevenueRow(TypedDict):
    """A `revenues` row by column name (models.Revenue): a validated record, as the
    service builds it and `insert_new` inserts it."""

    id: str
    workspace_id: str
    revenue_source_id: str
    external_id: str
    external_product_identifier: str | None
    type: str
    amount_milli: int
    currency: str
    occurred_at: datetime
    description: str | None
    metadata: str | None
    """Compact JSON text (schemas.serialize_metadata)."""
    created_at: datetime


StoredRevenue: TypeAlias = RevenueRow | RowMapping
"""A stored record: the row just inserted, or one read back (a `RowMapping` of
RECORD_COLUMNS, every column but workspace_id; never copied into a dict)."""


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
    INSERT INTO revenue_day_counts AS c
        (workspace_id, day, revenue_source_id, type, currency, slot, n)
    SELECT workspace_id, day, revenue_source_id, type, currency,
        CAST(pg_backend_pid() % 4 AS smallint), n
    FROM json_to_recordset(CAST(:rows AS json)) AS r(
        workspace_id varchar, day date, revenue_source_id varchar, type varchar,
        currency varchar, n bigint)
    ON CONFLICT (workspace_id, day, revenue_source_id, type, currency, slot)
    DO UPDATE SET n = c.n + excluded.n
    """
)
_COUNT_COLUMNS = ("workspace_id", "day", "revenue_source_id", "type", "currency", "n")


def _json_rows(rows: Sequence[Mapping[str, object]]) -> dict[str, str]:
    """Rows as one JSON text: datetimes in RFC 3339, dates ISO, order kept."""
    return {"rows": orjson.dumps(rows).decode()}


def insert_new(session: Session, rows: list[RevenueRow]) -> set[tuple[str, str]]:
    """INSERT … ON CONFLICT DO NOTHING for the whole batch in one statement.

    Rows are sorted by key so that concurrent overlapping batches take their unique-key
    locks in the same order and cannot deadlock. Returns the keys actually inserted.
    """
    if not rows:
        return set()
    rows = sorted(rows, key=lambda r: (r["revenue_source_id"], r["external_id"]))
    if sql.is_postgresql(session):
        result = session.execute(_PG_INSERT, _json_rows(rows))
        return {(r[0], r[1]) for r in result}
    # SQLite: executemany form, compiled once; SQLAlchemy's "insertmanyvalues" sends the
    # rows as multi-row INSERT … RETURNING statements.
    stmt = (
        sql.insert(session, R)
        .on_conflict_do_nothing(index_elements=["workspace_id", "revenue_source_id", "external_id"])
        .returning(R.c.revenue_source_id, R.c.external_id)
    )
    return {(r[0], r[1]) for r in session.execute(stmt, rows)}


def add_day_counts(session: Session, counts: dict[tuple[str, date, str, str, str], int]) -> None:
    """Upsert-increment day counts, in key order (no deadlocks between batches)."""
    if not counts:
        return
    rows = [dict(zip(_COUNT_COLUMNS, (*key, n), strict=True)) for key, n in sorted(counts.items())]
    if sql.is_postgresql(session):
        session.execute(_PG_ADD_COUNTS, _json_rows(rows))
        return
    # SQLite has a single writer: one slot is enough.
    stmt = sql.insert(session, C)
    stmt = stmt.on_conflict_do_update(
        index_elements=[*_COUNT_COLUMNS[:-1], "slot"], set_={"n": C.c.n + stmt.excluded.n}
    )
    session.execute(stmt, [{**row, "slot": 0} for row in rows])


def by_keys(
    session: Session, workspace_id: str, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], RowMapping]:
    """The stored records with these (source id, external id) keys.

    PostgreSQL: the keys as two arrays, `unnest`ed and joined LATERAL to one probe of the
    unique index each; a `(source, id) IN (…)` list of 2,000 pairs was planned as a scan
    of the whole source filtered by a 2,000-way OR (40 times slower at 10,000 rows)."""
    if not keys:
        return {}
    if sql.is_postgresql(session):
        sources = sql.array_param([k[0] for k in keys], R.c.revenue_source_id.type)
        ids = sql.array_param([k[1] for k in keys], R.c.external_id.type)
        wanted = func.unnest(sources, ids).table_valued("sid", "xid").render_derived(name="w")
        found = (
            select(*RECORD_COLUMNS)
            .where(
                R.c.workspace_id == workspace_id,
                R.c.revenue_source_id == wanted.c.sid,
                R.c.external_id == wanted.c.xid,
            )
            .lateral("found")
        )
        stmt = (
            select(*(found.c[c.name] for c in RECORD_COLUMNS))
            .select_from(wanted)
            .join(found, true())
        )
    else:
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


# PostgreSQL only: a pg_trgm GIN index on this expression (migration 0001) finds the
# candidate rows of a `search`; the exact per-column condition then rechecks them, so a
# match never spans two columns. The text must equal the index's expression.
SEARCH_TEXT: ColumnElement[str] = literal_column(
    "(external_id || ' ' || coalesce(external_product_identifier, '') || ' ' || "
    "coalesce(description, ''))"
)


def _like_pattern(term: str) -> str:
    escaped = term.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def _conditions(
    workspace_id: str, f: RevenueFilter, postgresql: bool = False
) -> list[ColumnElement[bool]]:
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
        if postgresql:
            where.append(SEARCH_TEXT.ilike(_like_pattern(f.search), escape="/"))
        where.append(
            or_(
                R.c.external_id.icontains(f.search, autoescape=True),
                R.c.external_product_identifier.icontains(f.search, autoescape=True),
                R.c.description.icontains(f.search, autoescape=True),
            )
        )
    return where


_Select = TypeVar("_Select", bound=GenerativeSelect)


def _ordered(stmt: _Select) -> _Select:
    return stmt.order_by(R.c.occurred_at.desc(), R.c.id.desc())


# Below this offset a plain OFFSET on the index is cheap; past it, pages seek by day.
SEEK_FROM_OFFSET = 2_000


def _page_offset(
    session: Session, workspace_id: str, f: RevenueFilter, offset: int, limit: int
) -> list[RowMapping]:
    """Ids found on the index alone, then just those rows read (a deferred join)."""
    where = _conditions(workspace_id, f, sql.is_postgresql(session))
    inner = _ordered(select(R.c.id).where(*where)).offset(offset).limit(limit).subquery()
    stmt = _ordered(select(*RECORD_COLUMNS).join(inner, inner.c.id == R.c.id))
    return list(session.execute(stmt).mappings())


def _count_rows(session: Session, workspace_id: str, f: RevenueFilter) -> int:
    where = _conditions(workspace_id, f, sql.is_postgresql(session))
    stmt = select(func.count()).select_from(R).where(*where)
    return int(session.scalar(stmt) or 0)


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass(frozen=True)
class _DaySplit:
    """A filter's time range cut into whole UTC days and the partial days at its ends."""

    first_full: date | None  # first whole day (None: unbounded)
    end_full: date | None  # first day after the whole days (None: unbounded)

    @classmethod
    def of(cls, f: RevenueFilter) -> _DaySplit:
        first_full = None
        if f.occurred_from is not None:
            start = f.occurred_from.astimezone(UTC)
            at_midnight = start == _utc_midnight(start.date())
            first_full = start.date() if at_midnight else start.date() + timedelta(days=1)
        end_full = None
        if f.occurred_before is not None:
            end_full = f.occurred_before.astimezone(UTC).date()
        return cls(first_full, end_full)

    @property
    def has_whole_days(self) -> bool:
        return self.first_full is None or self.end_full is None or self.first_full < self.end_full


def _day_totals(
    session: Session, workspace_id: str, f: RevenueFilter, split: _DaySplit
) -> list[tuple[date, int]]:
    """Records per whole UTC day of the range, newest day first."""
    where: list[ColumnElement[bool]] = [C.c.workspace_id == workspace_id]
    if f.type:
        where.append(C.c.type == f.type)
    if f.revenue_source_id:
        where.append(C.c.revenue_source_id == f.revenue_source_id)
    if f.currency:
        where.append(C.c.currency == f.currency)
    if split.first_full is not None:
        where.append(C.c.day >= split.first_full)
    if split.end_full is not None:
        where.append(C.c.day < split.end_full)
    stmt = select(C.c.day, func.sum(C.c.n)).where(*where).group_by(C.c.day)
    return [(day, int(n)) for day, n in session.execute(stmt.order_by(C.c.day.desc()))]


def _search_page(
    session: Session, workspace_id: str, f: RevenueFilter, offset: int, limit: int
) -> tuple[list[RowMapping], int]:
    """The matches are found once (a CTE used twice is materialized: one index scan),
    then counted and paged. A window count would let the planner walk the whole
    date index instead."""
    where = _conditions(workspace_id, f, sql.is_postgresql(session))
    matches = select(R.c.id, R.c.occurred_at).where(*where).cte("matches")
    total = select(func.count()).select_from(matches).scalar_subquery()
    inner = (
        select(matches.c.id, total.label("total"))
        .order_by(matches.c.occurred_at.desc(), matches.c.id.desc())
        .offset(offset)
        .limit(limit)
        .subquery()
    )
    stmt = _ordered(select(*RECORD_COLUMNS, inner.c.total).join(inner, inner.c.id == R.c.id))
    rows = list(session.execute(stmt).mappings())
    total_count = int(rows[0]["total"]) if rows else _count_rows(session, workspace_id, f)
    return rows, total_count


def page_and_total(
    session: Session, workspace_id: str, f: RevenueFilter, offset: int, limit: int
) -> tuple[list[RowMapping], int]:
    """One page, newest first, and the exact number of matching records.

    Without `search`, the day counts give the total (whole days) and only the partial
    days at a range's ends are counted row by row. They also let a deep page skip whole
    days: page 2,000 reads about as many index entries as page 1.
    """
    if f.search:
        return _search_page(session, workspace_id, f, offset, limit)
    split = _DaySplit.of(f)
    if not split.has_whole_days:  # a range within one or two partial days
        rows = _page_offset(session, workspace_id, f, offset, limit)
        return rows, _count_rows(session, workspace_id, f)

    days = _day_totals(session, workspace_id, f, split)
    newest_partial = 0  # rows after the last whole day, at the top of the list
    if split.end_full is not None and f.occurred_before is not None:
        start = _utc_midnight(split.end_full)
        if start < f.occurred_before:
            newest_partial = _count_rows(session, workspace_id, replace(f, occurred_from=start))
    oldest_partial = 0
    if split.first_full is not None and f.occurred_from is not None:
        end = _utc_midnight(split.first_full)
        if f.occurred_from < end:
            oldest_partial = _count_rows(session, workspace_id, replace(f, occurred_before=end))
    total = newest_partial + sum(n for _, n in days) + oldest_partial

    if offset < SEEK_FROM_OFFSET or offset < newest_partial or offset >= total:
        rows = [] if offset >= total else _page_offset(session, workspace_id, f, offset, limit)
        return rows, total
    remaining = offset - newest_partial
    for day, n in days:
        if remaining < n:  # the page starts on `day`: skip every newer row at once
            before = _utc_midnight(day + timedelta(days=1))
            sought = replace(f, occurred_before=before)
            return _page_offset(session, workspace_id, sought, remaining, limit), total
        remaining -= n
    assert split.first_full is not None  # else the days cover all history
    sought = replace(f, occurred_before=_utc_midnight(split.first_full))
    return _page_offset(session, workspace_id, sought, remaining, limit), total


def stream(conn: Connection, workspace_id: str, f: RevenueFilter) -> Iterator[RowMapping]:
    """Every matching record, newest first, through a server-side cursor."""
    where = _conditions(workspace_id, f, sql.is_postgresql(conn))
    stmt = _ordered(select(*RECORD_COLUMNS).where(*where))
    result = conn.execution_options(stream_results=True, yield_per=2000).execute(stmt)
    yield from result.mappings()
