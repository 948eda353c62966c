"""Posting and reading revenue records.

Single posts and batches share one set-wise path: validate every record alone, check
the sources with one query, insert all new records with one INSERT … ON CONFLICT DO
NOTHING, read back the stored twins of duplicates with one SELECT and bump the day
counts with one upsert. A fixed handful of statements per batch, whatever its size.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Literal, TypedDict

import orjson
from pydantic import ValidationError
from sqlalchemy.orm import Session

from revledger.auth.service import Principal
from revledger.db import Database
from revledger.errors import ErrorCode, FieldError, NotFound, field_error, pydantic_errors
from revledger.kit.currencies import parse_currency
from revledger.kit.ids import new_id
from revledger.kit.money import format_milli, to_milli
from revledger.kit.pagination import PageParams
from revledger.kit.text import NUL
from revledger.kit.timeutil import day_start as zone_day_start
from revledger.kit.timeutil import (
    get_zone,
    next_day_start,
    parse_date,
    parse_rfc3339,
    utcnow,
)
from revledger.recognition import service as recognition
from revledger.revenues import repository
from revledger.revenues.repository import RevenueFilter, RevenueRow, StoredRevenue
from revledger.revenues.schemas import REVENUE_TYPES, RevenueCreate, serialize_metadata
from revledger.sources import repository as sources

SIGN_RULES = {
    "sale": (lambda a: a > 0, "a sale must be greater than 0"),
    "refund": (lambda a: a < 0, "a refund must be less than 0"),
    "adjustment": (lambda a: a != 0, "an adjustment must not be 0"),
}
ComparedField = Literal[
    "type",
    "amount",
    "currency",
    "occurred_at",
    "external_product_identifier",
    "description",
    "metadata",
]
COMPARED_FIELDS: tuple[ComparedField, ...] = (
    "type",
    "amount",
    "currency",
    "occurred_at",
    "external_product_identifier",
    "description",
    "metadata",
)


class Posted(StrEnum):
    CREATED = "created"
    DUPLICATE = "skipped_duplicate"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one posted record: created, a duplicate of a stored one (with the
    fields in which the retry differs) or invalid (with its field errors)."""

    kind: Posted
    record: RevenueOut | None = None
    mismatched_fields: tuple[str, ...] = ()
    errors: tuple[FieldError, ...] = ()


class RevenueOut(TypedDict):
    """A record as the API shows it (the wire shape of `schemas.RevenueOut`)."""

    id: str
    revenue_source_id: str
    external_id: str
    external_product_identifier: str | None
    type: str
    amount: str
    currency: str
    occurred_at: datetime
    description: str | None
    metadata: orjson.Fragment | None
    created_at: datetime


def record_out(row: StoredRevenue) -> RevenueOut:
    """A stored record (the row just inserted, or a row mapping read) -> the API's record.

    Timestamps stay aware UTC datetimes: orjson writes them exactly as RFC 3339
    `2026-05-31T10:00:00+00:00`, several times faster than isoformat() in Python.
    """
    metadata = row["metadata"]
    return {
        "id": row["id"],
        "revenue_source_id": row["revenue_source_id"],
        "external_id": row["external_id"],
        "external_product_identifier": row["external_product_identifier"],
        "type": row["type"],
        "amount": format_milli(row["amount_milli"]),
        "currency": row["currency"],
        "occurred_at": row["occurred_at"],
        "description": row["description"],
        "metadata": orjson.Fragment(metadata) if metadata is not None else None,
        "created_at": row["created_at"],
    }


def _validate(raw: object, workspace_id: str, now: datetime) -> RevenueRow | list[FieldError]:
    """One raw record -> a row to insert, or its field errors."""
    if not isinstance(raw, dict):
        return [FieldError("body", ErrorCode.INVALID, "must be a JSON object")]
    try:
        rec = RevenueCreate.model_validate(raw)
    except ValidationError as exc:
        return pydantic_errors(list(exc.errors()))
    check, message = SIGN_RULES[rec.type]
    if not check(rec.amount):
        return [FieldError("amount", ErrorCode.INVALID, message)]
    return {
        "id": new_id(),
        "workspace_id": workspace_id,
        "revenue_source_id": rec.revenue_source_id,
        "external_id": rec.external_id,
        "external_product_identifier": rec.external_product_identifier,
        "type": rec.type,
        "amount_milli": to_milli(rec.amount),
        "currency": rec.currency,
        "occurred_at": rec.occurred_at,
        "description": rec.description,
        "metadata": serialize_metadata(rec.metadata) if rec.metadata is not None else None,
        "created_at": now,
    }


def _mismatched(sent: RevenueRow, stored: StoredRevenue) -> list[ComparedField]:
    out = []
    for name in COMPARED_FIELDS:
        if name == "amount":
            differs = sent["amount_milli"] != stored["amount_milli"]
        elif name == "metadata":
            differs = _parse_metadata(sent["metadata"]) != _parse_metadata(stored["metadata"])
        else:
            differs = sent[name] != stored[name]
        if differs:
            out.append(name)
    return out


def _parse_metadata(text: str | None) -> object:
    return None if text is None else json.loads(text, parse_float=Decimal)


def post_records(session: Session, workspace_id: str, raws: Sequence[object]) -> list[Outcome]:
    """Judge every record alone; insert the new ones set-wise; one Outcome per record."""
    now = utcnow()
    checked = [_validate(raw, workspace_id, now) for raw in raws]
    rows = [c for c in checked if isinstance(c, dict)]
    known_sources = sources.existing_ids(
        session, workspace_id, {r["revenue_source_id"] for r in rows}
    )

    first_of_key: dict[tuple[str, str], RevenueRow] = {}
    for row in rows:
        if row["revenue_source_id"] in known_sources:
            first_of_key.setdefault((row["revenue_source_id"], row["external_id"]), row)
    inserted = repository.insert_new(session, list(first_of_key.values()))
    repository.add_day_counts(
        session,
        Counter(
            (
                workspace_id,
                row["occurred_at"].date(),
                row["revenue_source_id"],
                row["type"],
                row["currency"],
            )
            for key, row in first_of_key.items()
            if key in inserted
        ),
    )
    new_rows = [row for key, row in first_of_key.items() if key in inserted]
    recognition.post_revenues(session, workspace_id, new_rows, now)
    stored = repository.by_keys(
        session, workspace_id, [k for k in first_of_key if k not in inserted]
    )
    stored_by_key: dict[tuple[str, str], StoredRevenue] = dict(stored)
    for key in inserted:
        stored_by_key[key] = first_of_key[key]

    outcomes = []
    for item in checked:
        if isinstance(item, list):
            outcomes.append(Outcome(Posted.INVALID, errors=tuple(item)))
            continue
        if item["revenue_source_id"] not in known_sources:
            message = f"no revenue source '{item['revenue_source_id']}' in this workspace"
            error = FieldError("revenue_source_id", ErrorCode.NOT_FOUND, message)
            outcomes.append(Outcome(Posted.INVALID, errors=(error,)))
            continue
        key = (item["revenue_source_id"], item["external_id"])
        twin = stored_by_key[key]
        if twin is item:
            outcomes.append(Outcome(Posted.CREATED, record_out(item)))
            continue
        mismatched = tuple(_mismatched(item, twin))
        outcomes.append(Outcome(Posted.DUPLICATE, record_out(twin), mismatched))
    return outcomes


def get(session: Session, principal: Principal, revenue_id: str) -> RevenueOut:
    row = repository.get(session, principal.workspace_id, revenue_id)
    if row is None:
        raise NotFound(f"Revenue {revenue_id} not found")
    return record_out(row)


def parse_filter(
    principal: Principal,
    type: str | None,
    revenue_source_id: str | None,
    currency: str | None,
    date_from: str | None,
    date_to: str | None,
    search: str | None,
) -> RevenueFilter:
    """Query strings -> a validated filter; a bad value is a 422 naming the parameter."""
    if type is not None and type not in REVENUE_TYPES:
        raise field_error("type", f"must be one of {', '.join(REVENUE_TYPES)}")
    if currency is not None:
        try:
            currency = parse_currency(currency)
        except ValueError as exc:
            raise field_error("currency", str(exc)) from None
    zone = get_zone(principal.timezone)
    occurred_from = _bound("date_from", date_from, lambda d: zone_day_start(d, zone), 0)
    occurred_before = _bound("date_to", date_to, lambda d: next_day_start(d, zone), 1)
    if occurred_from and occurred_before and occurred_from >= occurred_before:
        raise field_error("date_to", "must not be before date_from")
    search = (search or "").strip() or None
    if search is not None and len(search) > 255:
        raise field_error("search", "must be at most 255 characters")
    for name, value in (("search", search), ("revenue_source_id", revenue_source_id)):
        if value is not None and NUL in value:
            raise field_error(name, "must not contain NUL characters")
    return RevenueFilter(
        type=type,
        revenue_source_id=revenue_source_id or None,
        currency=currency,
        occurred_from=occurred_from,
        occurred_before=occurred_before,
        search=search,
    )


def _bound(
    name: str, value: str | None, from_day: Callable[[date], datetime], after_us: int
) -> datetime | None:
    """A date (its whole day in the workspace timezone) or a timestamp (inclusive)."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            return from_day(parse_date(value))
        return parse_rfc3339(value) + timedelta(microseconds=after_us)
    except ValueError as exc:
        raise field_error(name, f"{exc} (a date YYYY-MM-DD or an RFC 3339 timestamp)") from None
    except OverflowError:
        raise field_error(name, "is out of range") from None


def page(
    session: Session, principal: Principal, f: RevenueFilter, params: PageParams
) -> tuple[list[RevenueOut], int]:
    rows, total = repository.page_and_total(
        session, principal.workspace_id, f, params.offset, params.per_page
    )
    return [record_out(r) for r in rows], total


CSV_COLUMNS = (
    "id",
    "revenue_source_id",
    "external_id",
    "external_product_identifier",
    "type",
    "amount",
    "currency",
    "occurred_at",
    "description",
    "metadata",
    "created_at",
)


def export_rows(db: Database, principal: Principal, f: RevenueFilter) -> Iterator[RevenueOut]:
    """Every matching record, on a connection of its own (the stream outlives the request)."""
    with db.engine.connect() as conn:
        for row in repository.stream(conn, principal.workspace_id, f):
            yield record_out(row)
