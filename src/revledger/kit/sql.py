"""The one module that names a database dialect.

Everyone else asks here which database a session, connection, engine, dialect or URL
is (`is_postgresql`, `is_sqlite`, `is_sqlite_url`), or takes the statement that differs
between them: `insert` (ON CONFLICT clauses), `in_list`, `array_param`, and the
set-wise reads and writes of the bulk imports, keyed by (workspace, source, external
id). (config.py still spells the URL prefixes it rewrites, and models pass dialect
options such as `postgresql_where=` to their indexes.)

On PostgreSQL a batch travels as a handful of array or JSON parameters (`unnest`,
`json_to_recordset`), whatever its size: the statement text never changes, so it is
prepared once, and no statement with thousands of placeholders is compiled and parsed
on every request. On SQLite the same rows go through executemany.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Result,
    Row,
    Table,
    and_,
    any_,
    bindparam,
    func,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeEngine

from revledger.kit.ids import new_id
from revledger.kit.items import RowDict
from revledger.kit.upsert import Key, Planned, plan_upsert

Bind = Session | Connection | Engine | Dialect
"""Anything that knows its database."""


def _dialect(bind: Bind) -> Dialect:
    if isinstance(bind, Dialect):
        return bind
    if isinstance(bind, Session):
        return bind.get_bind().dialect
    return bind.dialect


def is_postgresql(bind: Bind) -> bool:
    return _dialect(bind).name == "postgresql"


def is_sqlite(bind: Bind) -> bool:
    return _dialect(bind).name == "sqlite"


def is_sqlite_url(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None: not SQLite, or in memory)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or ":memory:" in url:
        return None
    return Path(url[len(prefix) :])


def insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """`INSERT` construct of the session's dialect, for ON CONFLICT clauses."""
    if is_postgresql(session):
        return postgresql.insert(table)
    return sqlite.insert(table)


def array_param(values: Iterable[Any], item_type: TypeEngine[Any]) -> BindParameter[Any]:
    """PostgreSQL: a list bound as one array parameter."""
    return bindparam(None, list(values), type_=postgresql.ARRAY(item_type))


def in_list(
    session: Session, column: ColumnElement[Any], values: Sequence[Any]
) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL `column = ANY(:array)`, one parameter instead of
    thousands (no client-side parsing of a huge statement, one cached plan)."""
    if is_postgresql(session):
        return column == any_(array_param(values, column.type))
    return column.in_(list(values))


# --- reads and writes keyed by (workspace, source, external id) -----------------------


def by_source(keys: Iterable[Key]) -> dict[str, list[str]]:
    """Keys grouped by source: `source_id = ? AND external_id IN (...)` uses the unique
    index, where a row-value IN list of a thousand pairs makes PostgreSQL scan."""
    out: dict[str, list[str]] = {}
    for source_id, external_id in sorted(set(keys)):
        out.setdefault(source_id, []).append(external_id)
    return out


def by_external_ids(
    session: Session,
    table: Table,
    columns: Sequence[Any],
    workspace_id: str,
    source_id: str,
    external_ids: Sequence[str],
    lock: bool = False,
) -> Result[*tuple[Any, ...]]:
    """SELECT `columns` of the rows of one source with these external ids.

    PostgreSQL: `unnest(:ids)` joined LATERAL to a lookup of each id, so that every id is
    one probe of the unique index whatever the planner's statistics say (a freshly
    bulk-loaded table is not analyzed yet, and the planner then believes a source has
    one row and filters all of them against the ids instead)."""
    if is_postgresql(session):
        ids = array_param(external_ids, table.c.external_id.type)
        wanted = func.unnest(ids).table_valued("xid").render_derived(name="wanted")
        inner = select(table).where(
            table.c.workspace_id == workspace_id,
            table.c.source_id == source_id,
            table.c.external_id == wanted.c.xid,
        )
        if lock:  # rows are locked in the (sorted) order of the ids
            inner = inner.with_for_update()
        found = inner.lateral("found")
        stmt = select(*(found.c[c.name] for c in columns)).select_from(wanted).join(found, true())
        return session.execute(stmt)
    stmt = select(*columns).where(
        table.c.workspace_id == workspace_id,
        table.c.source_id == source_id,
        table.c.external_id.in_(list(external_ids)),
    )
    return session.execute(stmt)


def pks_by_keys(
    session: Session, table: Table, workspace_id: str, keys: Iterable[Key]
) -> dict[Key, str]:
    """(source id, external id) -> the row's pk, for those that exist."""
    out: dict[Key, str] = {}
    for source_id, external_ids in by_source(keys).items():
        result = by_external_ids(
            session, table, [table.c.external_id, table.c.pk], workspace_id, source_id, external_ids
        )
        out.update({(source_id, r[0]): r[1] for r in result})
    return out


def source_page(
    session: Session,
    table: Table,
    workspace_id: str,
    source_id: str,
    after_pk: str | None,
    limit: int,
) -> list[Row[Any]]:
    """One page of a source's rows, newest first (`pk` is a time-ordered UUIDv7)."""
    stmt = select(table).where(table.c.workspace_id == workspace_id, table.c.source_id == source_id)
    if after_pk is not None:
        stmt = stmt.where(table.c.pk < after_pk)
    return list(session.execute(stmt.order_by(table.c.pk.desc()).limit(limit)))


def load_existing(
    session: Session, table: Table, workspace_id: str, keys: Iterable[Key], lock: bool = True
) -> dict[Key, RowDict]:
    """The stored rows for these keys, one SELECT per source (locked on PostgreSQL, in key
    order, so that concurrent imports of the same ids serialize instead of racing)."""
    out: dict[Key, RowDict] = {}
    for source_id, external_ids in by_source(keys).items():
        result = by_external_ids(
            session, table, list(table.c), workspace_id, source_id, external_ids, lock
        )
        names = list(result.keys())
        for row in result:
            values = dict(zip(names, row, strict=True))
            out[(source_id, values["external_id"])] = values
    return out


def unnest_upsert(
    session: Session,
    table: Table,
    rows: list[RowDict],
    conflict: Sequence[str],
    update: str | None = None,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """PostgreSQL: `INSERT … SELECT * FROM unnest(:col1[], :col2[], …) ON CONFLICT …`.

    One parameter per column whatever the number of rows: no statement with twenty
    thousand placeholders to compile and parse on every request. `update` is the SQL of
    `DO UPDATE SET` (None: DO NOTHING)."""
    dialect = _dialect(session)
    names = list(rows[0])
    casts = ", ".join(f"%s::{table.c[n].type.compile(dialect=dialect)}[]" for n in names)
    action = f"DO UPDATE SET {update}" if update else "DO NOTHING"
    sql = (
        f'INSERT INTO "{table.name}" ({", ".join(f"{chr(34)}{n}{chr(34)}" for n in names)}) '
        f"SELECT * FROM unnest({casts}) "
        f"ON CONFLICT ({', '.join(conflict)}) {action}"
    )
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    params = [[row[n] for row in rows] for n in names]
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if returning else []


def insert_new(session: Session, table: Table, rows: list[RowDict]) -> set[Key]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING for the whole request; the keys inserted."""
    if not rows:
        return set()
    rows = sorted(rows, key=lambda r: (r["source_id"], r["external_id"]))
    conflict = ["workspace_id", "source_id", "external_id"]
    if is_postgresql(session):
        returned = unnest_upsert(
            session, table, rows, conflict, returning=["source_id", "external_id"]
        )
        return {(r[0], r[1]) for r in returned}
    stmt = (
        sqlite.insert(table)
        .on_conflict_do_nothing(index_elements=conflict)
        .returning(table.c.source_id, table.c.external_id)
    )
    return {(r[0], r[1]) for r in session.execute(stmt, rows)}


def update_rows(
    session: Session, table: Table, rows: list[RowDict], columns: Iterable[str]
) -> None:
    """One executemany UPDATE … WHERE pk = ? for every changed row."""
    if not rows:
        return
    names = list(columns)
    stmt = (
        update(table)
        .where(table.c.pk == bindparam("b_pk"))
        .values({name: bindparam(f"b_{name}") for name in names})
    )
    params = [
        {"b_pk": row["pk"], **{f"b_{name}": row.get(name) for name in names}}
        for row in sorted(rows, key=lambda r: r["pk"])
    ]
    session.execute(stmt, params)


def insert_rows(session: Session, table: Table, rows: list[RowDict]) -> None:
    """Plain INSERT of many rows. PostgreSQL: one statement whatever the number of rows,
    the rows travelling as one JSON parameter (`json_to_recordset`, see
    revenues/repository.py for why); SQLite: executemany."""
    if not rows:
        return
    if not is_postgresql(session):
        session.execute(table.insert(), rows)
        return
    dialect = _dialect(session)
    names = list(rows[0])
    columns = ", ".join(f'"{n}"' for n in names)
    record = ", ".join(f'"{n}" {table.c[n].type.compile(dialect=dialect)}' for n in names)
    sql = text(
        f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} '
        f"FROM json_to_recordset(CAST(:rows AS json)) AS r({record})"
    )
    session.execute(sql, {"rows": orjson.dumps(rows).decode()})


def apply_upsert(
    session: Session,
    table: Table,
    workspace_id: str,
    rows: list[tuple[int, RowDict]],
    compared: tuple[str, ...],
    now: datetime,
    versioned: bool = False,
    defaults: Mapping[str, object] | None = None,
) -> Planned:
    """Load, compare, insert and update a whole request in a handful of statements.

    If a concurrent request inserts one of our new ids between our SELECT and our
    INSERT, ON CONFLICT skips it and those items are judged again against the row the
    other request stored (and become `updated` or `unchanged`).
    """
    keys = {(r["source_id"], r["external_id"]) for _, r in rows}
    current = load_existing(session, table, workspace_id, keys)
    planned = plan_upsert(rows, current, compared, new_id, now, versioned, defaults)
    inserted = insert_new(session, table, list(planned.inserts.values()))
    raced = set(planned.inserts) - inserted
    if raced:
        for key in raced:
            del planned.inserts[key]
        stored = load_existing(session, table, workspace_id, raced)
        again = [(i, r) for i, r in rows if (r["source_id"], r["external_id"]) in raced]
        second = plan_upsert(again, stored, compared, new_id, now, versioned, defaults)
        planned.statuses.update(second.statuses)
        planned.updates.update(second.updates)
        planned.replaced.extend(second.replaced)
    columns = [*compared, "updated_at", *(["version"] if versioned else [])]
    update_rows(session, table, list(planned.updates.values()), columns)
    return planned


def keyset_chunks(
    session: Session,
    table: Table,
    order: tuple[ColumnElement[Any], ColumnElement[Any]],
    workspace_id: str,
    size: int,
) -> Iterator[list[RowDict]]:
    """A workspace's rows of `table` in `order` (a moment, then a unique key), `size` at
    a time, each chunk read after the last row of the one before (keyset paging)."""
    when, key = order
    after: tuple[Any, Any] | None = None
    while True:
        stmt = select(table).where(table.c.workspace_id == workspace_id)
        if after is not None:
            stmt = stmt.where(or_(when > after[0], and_(when == after[0], key > after[1])))
        rows = [dict(r._mapping) for r in session.execute(stmt.order_by(when, key).limit(size))]
        if not rows:
            return
        yield rows
        after = (rows[-1][when.key], rows[-1][key.key])
