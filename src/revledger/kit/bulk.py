"""Bulk upserts in GrowPanel's shape (seed 003), shared by customers, plans and invoices.

A body is one object or an array of up to 1,000 objects; the answer is
`{"result": [{"id", "import_status", "import_error"?}]}`, one entry per item in order.
Each item is checked alone and a bad item never stops the others. The checks here
produce the seed's plain messages ("Missing invoice ID", "Invalid currency 'US': ...").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import orjson
import pycountry
from sqlalchemy import Table, any_, bindparam, func, or_, select, text, true, update
from sqlalchemy.orm import Session

from revledger.db import dialect_insert
from revledger.errors import ErrorCode, FieldError, ValidationFailed
from revledger.kit.currencies import parse_currency
from revledger.kit.ids import new_id
from revledger.kit.timeutil import parse_rfc3339
from revledger.sources.models import RevenueSource

MAX_ITEMS = 1000
INSERTED, UPDATED, UNCHANGED, ERROR = "inserted", "updated", "unchanged", "error"
MAX_ID = 255
MAX_TEXT = 255
MAX_AMOUNT_CENTS = 10**13 - 1
"""The largest amount_cents an invoice may have: 10¹³ − 1 minor units (a hundred billion
dollars, euros, …) keeps every MRR value far inside NUMERIC(38,0) (metrics/models.py)."""
FIRST_TIMESTAMP = datetime(1900, 1, 1, tzinfo=UTC)
END_TIMESTAMP = datetime(3000, 1, 1, tzinfo=UTC)
"""Timestamps are accepted from 1900-01-01 to 2999-12-31 (UTC): any workspace timezone
then still gives a day Python and PostgreSQL can represent."""


def encodable(value: str) -> bool:
    """Whether a string is valid Unicode (a JSON body may carry lone surrogates, which
    cannot be stored, compared by the database or sent back as UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _walk_encodable(value: Any) -> bool:
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, dict):
        return all(_walk_encodable(k) and _walk_encodable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_walk_encodable(v) for v in value)
    return True


def parse_items(payload: Any) -> list[dict[str, Any]]:
    """One object or an array of up to 1,000 objects; anything else is a 422."""
    if isinstance(payload, dict):
        return [payload]
    if isinstance(payload, list):
        if len(payload) > MAX_ITEMS:
            raise ValidationFailed(
                [
                    FieldError(
                        "body",
                        ErrorCode.INVALID,
                        f"at most {MAX_ITEMS} items per request, got {len(payload)}",
                    )
                ]
            )
        bad = [i for i, item in enumerate(payload) if not isinstance(item, dict)]
        if bad:
            raise ValidationFailed(
                [
                    FieldError(f"body.{i}", ErrorCode.INVALID, "must be a JSON object")
                    for i in bad[:20]
                ]
            )
        return payload
    raise ValidationFailed(
        [FieldError("body", ErrorCode.INVALID, "must be a JSON object or an array of JSON objects")]
    )


def entry(item_id: Any, status: str, error: str | None = None) -> dict[str, Any]:
    shown = item_id if isinstance(item_id, str | int) and not isinstance(item_id, bool) else None
    if isinstance(shown, str) and not encodable(shown):
        shown = None  # cannot be sent back as UTF-8
    out: dict[str, Any] = {"id": shown}
    out["import_status"] = status
    if error is not None:
        out["import_error"] = error
    return out


def format_z(value: datetime) -> str:
    """Aware datetime -> RFC 3339 in UTC with a 'Z', as the seed shows them."""
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@dataclass
class Checker:
    """Collects the plain-language errors of one item."""

    item: Mapping[str, Any]
    errors: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.errors.append(message)

    def unknown_fields(self, allowed: Iterable[str]) -> None:
        extra = [k for k in self.item if k not in set(allowed)]
        for name in extra:
            self.fail(f"Unknown field '{name}'")

    def text(self, name: str, required: bool = False, max_len: int = MAX_TEXT) -> str | None:
        value = self.item.get(name)
        if value is None:
            if required:
                self.fail(f"Missing {name}")
            return None
        if not isinstance(value, str):
            self.fail(f"Invalid {name} {_show(value)}: must be a string")
            return None
        if required and not value.strip():
            self.fail(f"Missing {name}")
            return None
        if not encodable(value):
            self.fail(f"Invalid {name}: must be valid Unicode")
            return None
        if "\x00" in value:
            self.fail(f"Invalid {name}: must not contain NUL characters")
            return None
        if len(value) > max_len:
            self.fail(f"Invalid {name}: must be at most {max_len} characters")
            return None
        return value

    def ident(self, name: str, missing_message: str) -> str | None:
        value = self.item.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.fail(missing_message)
            return None
        if not isinstance(value, str):
            self.fail(f"Invalid {name} {_show(value)}: must be a string")
            return None
        if not encodable(value):
            self.fail(f"Invalid {name}: must be valid Unicode")
            return None
        if len(value) > MAX_ID:
            self.fail(f"Invalid {name}: must be at most {MAX_ID} characters")
            return None
        if "\x00" in value:
            self.fail(f"Invalid {name}: must not contain NUL characters")
            return None
        return value

    def integer(
        self,
        name: str,
        minimum: int,
        required: bool = False,
        what: str = "integer",
        maximum: int = 10**15 - 1,
    ) -> int | None:
        value = self.item.get(name)
        if value is None:
            if required:
                self.fail(f"Missing {name}")
            return None
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value  # 9900.0 or "9900" is refused, never guessed
        if number is None or number < minimum or number > maximum:
            self.fail(f"Invalid {name} {_show(value)}: must be {what}")
            return None
        return number

    def timestamp(self, name: str, required: bool = True) -> datetime | None:
        value = self.item.get(name)
        if value is None:
            if required:
                self.fail(f"Missing {name}")
            return None
        try:
            parsed = parse_rfc3339(value)
        except ValueError as exc:
            self.fail(f"Invalid {name} {_show(value)}: {exc}")
            return None
        except OverflowError:
            self.fail(f"Invalid {name} {_show(value)}: is out of range")
            return None
        if not FIRST_TIMESTAMP <= parsed < END_TIMESTAMP:
            self.fail(f"Invalid {name} {_show(value)}: is out of range")
            return None
        return parsed

    def currency(self, name: str = "currency", required: bool = True) -> str | None:
        value = self.item.get(name)
        if value is None:
            if required:
                self.fail(f"Missing {name}")
            return None
        try:
            return parse_currency(value)
        except ValueError:
            self.fail(f"Invalid {name} {_show(value)}: must be a 3-letter ISO 4217 currency code")
            return None

    def country(self, name: str = "country") -> str | None:
        value = self.item.get(name)
        if value is None:
            return None
        code = value.strip().upper() if isinstance(value, str) else None
        if code is None or code not in country_codes():
            self.fail(f"Invalid {name} {_show(value)}: must be an ISO 3166-1 alpha-2 country code")
            return None
        return code

    def choice(self, name: str, options: tuple[str, ...], required: bool = True) -> str | None:
        value = self.item.get(name)
        if value is None:
            if required:
                self.fail(f"Missing {name}")
            return None
        if value not in options:
            self.fail(f"Invalid {name} {_show(value)}: must be one of {', '.join(options)}")
            return None
        return str(value)

    def json_object(self, name: str, max_chars: int = 10_000) -> str | None:
        value = self.item.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail(f"Invalid {name}: must be a JSON object")
            return None
        if not _walk_encodable(value):
            self.fail(f"Invalid {name}: must be valid Unicode")
            return None
        text = dump_json(value)
        if len(text) > max_chars:
            self.fail(f"Invalid {name}: must be at most {max_chars} characters serialized")
            return None
        return text


@cache
def country_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


def _show(value: Any) -> str:
    if isinstance(value, str):
        text = value if encodable(value) else value.encode("utf-8", "backslashreplace").decode()
    else:
        try:
            text = orjson.dumps(value, default=_decimal_fragment).decode()
        except TypeError:
            text = str(value)
            if not encodable(text):
                text = text.encode("utf-8", "backslashreplace").decode()
    if len(text) > 60:
        text = text[:57] + "..."
    return f"'{text}'"


def _decimal_fragment(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))
    raise TypeError


def dump_json(value: Any) -> str:
    """Compact JSON with numbers exactly as sent (JSON numbers arrive as Decimal)."""
    return orjson.dumps(value, default=_decimal_fragment, option=orjson.OPT_SORT_KEYS).decode()


def load_json(text: str | None) -> Any:
    return None if text is None else orjson.Fragment(text)


def resolve_sources(session: Session, workspace_id: str, refs: Iterable[Any]) -> dict[str, str]:
    """Data-source references (a source's id or name) -> source id, for one workspace."""
    wanted = {r for r in refs if isinstance(r, str) and r and "\x00" not in r and encodable(r)}
    if not wanted:
        return {}
    T = RevenueSource.__table__
    rows = session.execute(
        select(T.c.id, T.c.name).where(
            T.c.workspace_id == workspace_id, or_(T.c.id.in_(wanted), T.c.name.in_(wanted))
        )
    ).all()
    out: dict[str, str] = {}
    for source_id, name in rows:
        if name in wanted:
            out[name] = source_id
    for source_id, _name in rows:
        if source_id in wanted:
            out[source_id] = source_id  # an id wins over a name that happens to equal it
    return out


def source_ref(check: Checker, known: Mapping[str, str]) -> str | None:
    value = check.item.get("data_source")
    if value is None or value == "":
        check.fail("Missing data_source")
        return None
    if not isinstance(value, str):
        check.fail(f"Invalid data_source {_show(value)}: must be a data source's name or id")
        return None
    if not encodable(value):
        check.fail("Invalid data_source: must be valid Unicode")
        return None
    source_id = known.get(value)
    if source_id is None:
        check.fail(f"Data source {value} does not exist")
    return source_id


# --- the upsert itself: plan statuses in Python, write set-wise -----------------------

Key = tuple[str, str]  # (source id, external id)


@dataclass
class Planned:
    """What one import request will write, and the status of each item."""

    statuses: dict[int, str] = field(default_factory=dict)
    inserts: dict[Key, dict[str, Any]] = field(default_factory=dict)
    updates: dict[Key, dict[str, Any]] = field(default_factory=dict)
    replaced: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    """(stored row, row replacing it) for every `updated` item, in order."""


def plan_upsert(
    rows: list[tuple[int, dict[str, Any]]],
    current: dict[Key, dict[str, Any]],
    compared: tuple[str, ...],
    new_pk: Any,
    now: datetime,
    versioned: bool = False,
    defaults: Mapping[str, Any] | None = None,
) -> Planned:
    """Statuses for valid rows (index, row) given what is stored (`current`, by key).

    Items are applied in order: a second item with the same id in one request is
    compared with the first. `inserted` rows get a new `pk`; an `updated` row keeps the
    stored row's `pk` and `created_at`, and bumps `version` when `versioned`. A field
    left out compares equal to its value in `defaults` (invoices: an omitted quantity is
    1): what was sent is stored, but sending the default is no change.
    """
    out = Planned()
    fill = dict(defaults or {})

    def same(a: Any, b: Any, name: str) -> bool:
        if name in fill:
            a = fill[name] if a is None else a
            b = fill[name] if b is None else b
        return bool(a == b)

    for index, row in rows:
        key = (row["source_id"], row["external_id"])
        stored = current.get(key)
        if stored is None:
            new = {**row, "pk": new_pk(), "created_at": now, "updated_at": now}
            if versioned:
                new["version"] = 1
            out.inserts[key] = new
            out.statuses[index] = INSERTED
            current[key] = new
            continue
        if all(same(stored.get(name), row.get(name), name) for name in compared):
            out.statuses[index] = UNCHANGED
            continue
        new = {**stored, **row, "updated_at": now}
        out.statuses[index] = UPDATED
        current[key] = new
        if key in out.inserts:  # inserted earlier in this request: never stored before
            out.inserts[key] = new
            continue
        if versioned:
            new["version"] = stored["version"] + 1
        out.updates[key] = new
        out.replaced.append((stored, new))
    return out


# --- set-wise SQL shared by the three imports ------------------------------------------


def in_list(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """`column IN (values)`; on PostgreSQL `column = ANY(:array)`, one parameter instead of
    thousands (no client-side parsing of a huge statement, one cached plan)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


def by_source(keys: Iterable[Key]) -> dict[str, list[str]]:
    """Keys grouped by source: `source_id = ? AND external_id IN (...)` uses the unique
    index, where a row-value IN list of a thousand pairs makes PostgreSQL scan."""
    out: dict[str, list[str]] = {}
    for source_id, external_id in sorted(set(keys)):
        out.setdefault(source_id, []).append(external_id)
    return out


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
) -> list[Any]:
    """One page of a source's rows, newest first (`pk` is a time-ordered UUIDv7)."""
    stmt = select(table).where(table.c.workspace_id == workspace_id, table.c.source_id == source_id)
    if after_pk is not None:
        stmt = stmt.where(table.c.pk < after_pk)
    return list(session.execute(stmt.order_by(table.c.pk.desc()).limit(limit)))


def by_external_ids(
    session: Session,
    table: Table,
    columns: Sequence[Any],
    workspace_id: str,
    source_id: str,
    external_ids: Sequence[str],
    lock: bool = False,
) -> Any:
    """SELECT `columns` of the rows of one source with these external ids.

    PostgreSQL: `unnest(:ids)` joined LATERAL to a lookup of each id, so that every id is
    one probe of the unique index whatever the planner's statistics say (a freshly
    bulk-loaded table is not analyzed yet, and the planner then believes a source has
    one row and filters all of them against the ids instead)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        ids = bindparam(None, list(external_ids), type_=ARRAY(table.c.external_id.type))
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


def load_existing(
    session: Session, table: Table, workspace_id: str, keys: Iterable[Key], lock: bool = True
) -> dict[Key, dict[str, Any]]:
    """The stored rows for these keys, one SELECT per source (locked on PostgreSQL, in key
    order, so that concurrent imports of the same ids serialize instead of racing)."""
    out: dict[Key, dict[str, Any]] = {}
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
    rows: list[dict[str, Any]],
    conflict: Sequence[str],
    update: str | None = None,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """PostgreSQL: `INSERT … SELECT * FROM unnest(:col1[], :col2[], …) ON CONFLICT …`.

    One parameter per column whatever the number of rows: no statement with twenty
    thousand placeholders to compile and parse on every request. `update` is the SQL of
    `DO UPDATE SET` (None: DO NOTHING)."""
    dialect = session.get_bind().dialect
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


def insert_new(session: Session, table: Table, rows: list[dict[str, Any]]) -> set[Key]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING for the whole request; the keys inserted."""
    if not rows:
        return set()
    rows = sorted(rows, key=lambda r: (r["source_id"], r["external_id"]))
    conflict = ["workspace_id", "source_id", "external_id"]
    if session.get_bind().dialect.name == "postgresql":
        returned = unnest_upsert(
            session, table, rows, conflict, returning=["source_id", "external_id"]
        )
        return {(r[0], r[1]) for r in returned}
    stmt = (
        dialect_insert(session, table)
        .on_conflict_do_nothing(index_elements=conflict)
        .returning(table.c.source_id, table.c.external_id)
    )
    return {(r[0], r[1]) for r in session.execute(stmt, rows)}


def update_rows(
    session: Session, table: Table, rows: list[dict[str, Any]], columns: Iterable[str]
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


def apply_upsert(
    session: Session,
    table: Table,
    workspace_id: str,
    rows: list[tuple[int, dict[str, Any]]],
    compared: tuple[str, ...],
    now: datetime,
    versioned: bool = False,
    defaults: Mapping[str, Any] | None = None,
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


Validator = Callable[[dict[str, Any]], tuple[dict[str, Any] | None, str | None]]


def split_valid(
    items: list[dict[str, Any]], validate: Validator
) -> tuple[dict[int, str], list[tuple[int, dict[str, Any]]]]:
    """Judge every item alone: (error by item index, valid rows with their index)."""
    errors: dict[int, str] = {}
    rows: list[tuple[int, dict[str, Any]]] = []
    for index, item in enumerate(items):
        row, error = validate(item)
        if error is not None:
            errors[index] = error
        else:
            assert row is not None
            rows.append((index, row))
    return errors, rows


def results(
    items: list[dict[str, Any]], errors: dict[int, str], statuses: dict[int, str]
) -> list[dict[str, Any]]:
    """The seed's result list, one entry per item in order."""
    out = []
    for i, item in enumerate(items):
        if i in errors:
            out.append(entry(item.get("id"), ERROR, errors[i]))
        else:
            out.append(entry(item.get("id"), statuses[i]))
    return out


# --- lists: `{"result": {"count", "list", "next_cursor"?}}` with an opaque cursor ------

DEFAULT_LIMIT = 100


def encode_cursor(values: list[Any]) -> str:
    import base64

    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(text: str, size: int) -> list[Any]:
    import base64

    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        values = orjson.loads(raw)
    except (ValueError, orjson.JSONDecodeError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != size
        or not all(isinstance(v, str) for v in values)
    ):
        raise ValidationFailed(
            [FieldError("cursor", ErrorCode.INVALID, "is not a cursor this list returned")]
        )
    return values


def keyset_list(
    session: Session,
    workspace_id: str,
    source: str,
    limit: int,
    cursor: str | None,
    fetch: Callable[[Session, str, str, str | None, int], list[Any]],
    out: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """A source's rows newest first as the seed's list, `next_cursor` when more exist.
    `fetch(session, workspace_id, source_id, after_pk, limit)` reads one page by pk."""
    source_id = require_source(session, workspace_id, source)
    after = decode_cursor(cursor, 1)[0] if cursor else None
    rows = fetch(session, workspace_id, source_id, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor([rows[-1].pk]) if more else None
    return list_result([out(r) for r in rows], next_cursor)


def list_result(items: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"count": len(items), "list": items}
    if next_cursor is not None:
        body["next_cursor"] = next_cursor
    return {"result": body}


def require_source(session: Session, workspace_id: str, ref: str) -> str:
    """The `source` query parameter (a data source's id or name) -> its id, or 404."""
    from revledger.errors import NotFound

    found = resolve_sources(session, workspace_id, [ref]).get(ref)
    if found is None:
        raise NotFound(f"Data source {ref} not found")
    return found


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Plain INSERT of many rows. PostgreSQL: one statement whatever the number of rows,
    the rows travelling as one JSON parameter (`json_to_recordset`, see
    revenues/repository.py for why); SQLite: executemany."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    dialect = session.get_bind().dialect
    names = list(rows[0])
    columns = ", ".join(f'"{n}"' for n in names)
    record = ", ".join(f'"{n}" {table.c[n].type.compile(dialect=dialect)}' for n in names)
    sql = text(
        f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} '
        f"FROM json_to_recordset(CAST(:rows AS json)) AS r({record})"
    )
    session.execute(sql, {"rows": orjson.dumps(rows).decode()})
