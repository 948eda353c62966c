"""Importing and listing invoices (seed 003).

One request is a fixed handful of statements whatever its size: resolve the data
sources, the customers and the plans it names (one SELECT each), load the stored
invoices (one SELECT), insert the new ones (one INSERT … ON CONFLICT DO NOTHING),
update the changed ones (one executemany), keep their earlier versions (one INSERT) and
mark the affected customers for recalculation (one upsert) — all in the request's
transaction, so a rollback drops the marks with the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import NotRequired, TypedDict, cast

import orjson
from sqlalchemy import RowMapping
from sqlalchemy.orm import Session

from revledger.customers import repository as customers
from revledger.errors import ErrorCode, NotFound, field_error
from revledger.events import bus
from revledger.invoices import repository
from revledger.invoices.repository import InvoiceRow, InvoiceVersionRow, StoredInvoice
from revledger.kit.items import Checked, Checker, Item, ItemResult, RowDict, results, split_valid
from revledger.kit.pagination import cut, decode_cursor
from revledger.kit.text import encodable
from revledger.kit.timeutil import (
    day_start,
    format_utc,
    get_zone,
    next_day_start,
    parse_date,
    parse_rfc3339,
    utcnow,
)
from revledger.plans import repository as plans
from revledger.recognition import service as recognition
from revledger.sources import repository as sources
from revledger.sources.service import CursorList, checked_ref, cursor_list, require

TYPES = ("subscription", "one-time", "refund", "cancellation")
RECURRING = frozenset({"subscription", "cancellation"})
FIELDS = (
    "id",
    "customer_id",
    "data_source",
    "type",
    "date",
    "amount_cents",
    "currency",
    "plan_id",
    "subscription_id",
    "start_date",
    "end_date",
    "quantity",
    "discount",
)
COMPARED = (
    "customer_pk",
    "customer_id",
    "plan_pk",
    "plan_id",
    "subscription_id",
    "type",
    "date",
    "amount_cents",
    "currency",
    "start_date",
    "end_date",
    "quantity",
    "discount",
)
MAX_AMOUNT_CENTS = 10**13 - 1
"""The largest amount_cents an invoice may have: 10¹³ − 1 minor units (a hundred billion
dollars, euros, …) keeps every MRR value far inside NUMERIC(38,0) (metrics/models.py)."""


def _capped(check: Checker, name: str, required: bool = False) -> int | None:
    """A non-negative amount in minor units below 10^13 (so that MRR stays exact and in
    range, metrics/models.py)."""
    value = check.integer(name, 0, required=required, what="a non-negative integer")
    if value is not None and value > MAX_AMOUNT_CENTS:
        check.fail(
            name,
            ErrorCode.OUT_OF_RANGE,
            f"Invalid {name} '{value}': must be below 10^13 (at most {MAX_AMOUNT_CENTS})",
        )
        return None
    return value


def _validate(
    item: Item,
    workspace_id: str,
    known: dict[str, str],
    customer_pks: dict[tuple[str, str], str],
    plan_pks: dict[tuple[str, str], str],
) -> Checked:
    check = Checker(item)
    check.unknown_fields(FIELDS)
    external_id = check.ident("id", "Missing invoice ID")
    source_id = checked_ref(check, known)
    customer_id = check.ident("customer_id", "Missing customer ID")
    kind = check.choice("type", TYPES)
    when = check.timestamp("date")
    amount = _capped(check, "amount_cents", required=True)
    currency = check.currency()
    start = check.timestamp("start_date")
    end = check.timestamp("end_date")
    plan_id = check.text("plan_id")
    subscription_id = check.text("subscription_id")
    quantity = check.integer(
        "quantity", 1, what="an integer from 1 to 2147483647", maximum=2**31 - 1
    )
    discount = _capped(check, "discount")
    if start is not None and end is not None and end < start:
        check.fail(
            "end_date",
            ErrorCode.INVALID,
            f"Invalid end_date '{item.get('end_date')}': must not be before start_date "
            f"'{item.get('start_date')}'",
        )
    if kind == "subscription":
        if not plan_id:
            check.fail(
                "plan_id",
                ErrorCode.REQUIRED,
                "Missing plan_id: a subscription invoice needs a plan",
            )
        if not subscription_id:
            check.fail(
                "subscription_id",
                ErrorCode.REQUIRED,
                "Missing subscription_id: a subscription invoice needs a subscription",
            )
    if kind == "cancellation" and not subscription_id:
        check.fail(
            "subscription_id",
            ErrorCode.REQUIRED,
            "Missing subscription_id: a cancellation invoice needs a subscription",
        )
    customer_pk = plan_pk = None
    if source_id is not None:
        if customer_id is not None:
            customer_pk = customer_pks.get((source_id, customer_id))
            if customer_pk is None:
                check.fail(
                    "customer_id", ErrorCode.NOT_FOUND, f"Customer ID {customer_id} does not exist"
                )
        if plan_id:
            plan_pk = plan_pks.get((source_id, plan_id))
            if plan_pk is None:
                check.fail("plan_id", ErrorCode.NOT_FOUND, f"Plan ID {plan_id} does not exist")
    if check.errors:
        return None, tuple(check.errors)
    assert (  # every required field passed its check
        source_id is not None
        and external_id is not None
        and customer_id is not None
        and customer_pk is not None
        and kind is not None
        and when is not None
        and amount is not None
        and currency is not None
        and start is not None
        and end is not None
    )
    row: InvoiceRow = {
        "workspace_id": workspace_id,
        "source_id": source_id,
        "external_id": external_id,
        "customer_pk": customer_pk,
        "customer_id": customer_id,
        "plan_pk": plan_pk,
        "plan_id": plan_id,
        "subscription_id": subscription_id,
        "type": kind,
        "date": when,
        "amount_cents": amount,
        "currency": currency,
        "start_date": start,
        "end_date": end,
        "quantity": quantity,
        "discount": discount,
    }
    return cast(RowDict, row), ()  # kit's upsert plans plain rows


def import_invoices(session: Session, workspace_id: str, items: list[Item]) -> list[ItemResult]:
    known = sources.resolve(session, workspace_id, [i.get("data_source") for i in items])

    def keys(name: str) -> set[tuple[str, str]]:
        out = set()
        for item in items:
            ref = item.get("data_source")
            source_id = known.get(ref) if isinstance(ref, str) else None
            value = item.get(name)
            if source_id is not None and isinstance(value, str) and value and encodable(value):
                out.add((source_id, value))
        return out

    customer_pks = customers.pks_by_keys(session, workspace_id, keys("customer_id"))
    plan_pks = plans.pks_by_keys(session, workspace_id, keys("plan_id"))
    errors, rows = split_valid(
        items, lambda item: _validate(item, workspace_id, known, customer_pks, plan_pks)
    )
    now = utcnow()
    planned = repository.upsert(session, workspace_id, rows, COMPARED, now, DEFAULTS)
    earlier: list[InvoiceVersionRow] = [
        {
            "invoice_pk": old["pk"],
            "version": old["version"],
            "workspace_id": workspace_id,
            "fields": orjson.dumps(invoice_out(old)).decode(),
            "valid_from": old["updated_at"],
            "replaced_at": now,
        }
        for old, _new in planned.replaced
    ]
    repository.add_versions(session, earlier)
    affected = {r["customer_pk"] for r in planned.inserts.values() if r["type"] in RECURRING}
    for old, new in planned.replaced:
        if old["type"] in RECURRING or new["type"] in RECURRING:
            affected.update((old["customer_pk"], new["customer_pk"]))
    if affected:
        bus.publish(session, bus.CustomersChanged(workspace_id, frozenset(affected), now))
    # the planned rows hold every column of an invoice
    inserted = cast(list[StoredInvoice], list(planned.inserts.values()))
    replaced = cast(list[tuple[StoredInvoice, StoredInvoice]], planned.replaced)
    post_recognition(session, workspace_id, inserted, replaced, now)
    return results(items, errors, planned.statuses)


OPTIONAL = ("plan_id", "subscription_id", "quantity", "discount")
DEFAULTS = {"quantity": 1, "discount": 0}
"""An omitted quantity or discount means these: re-sending one explicitly is no change."""


class InvoiceOut(TypedDict):
    """An invoice as the API shows it (the wire shape of `schemas.InvoiceOut`): a field
    without a value is left out."""

    source_id: str
    customer_id: str
    id: str
    type: str
    date: str
    amount_cents: int
    currency: str
    plan_id: NotRequired[str]
    subscription_id: NotRequired[str]
    start_date: str
    end_date: str
    quantity: NotRequired[int]
    discount: NotRequired[int]
    version: int
    updated_at: str


class InvoiceVersionOut(TypedDict):
    version: int
    valid_from: str
    replaced_at: str
    invoice: orjson.Fragment
    """The invoice as it was in this version (its JSON, stored when it was replaced)."""


class InvoiceVersions(TypedDict):
    invoice: InvoiceOut
    versions: list[InvoiceVersionOut]


class InvoiceVersionsEnvelope(TypedDict):
    """The wire shape of `schemas.InvoiceVersionsEnvelope`."""

    data: InvoiceVersions


def invoice_out(m: RowMapping | RowDict) -> InvoiceOut:
    """A stored invoice (a row read back, or one the upsert loaded) -> the API's invoice."""
    out: InvoiceOut = {
        "source_id": m["source_id"],
        "customer_id": m["customer_id"],
        "id": m["external_id"],
        "type": m["type"],
        "date": format_utc(m["date"], zulu=True),
        "amount_cents": m["amount_cents"],
        "currency": m["currency"],
        "plan_id": m["plan_id"],
        "subscription_id": m["subscription_id"],
        "start_date": format_utc(m["start_date"], zulu=True),
        "end_date": format_utc(m["end_date"], zulu=True),
        "quantity": m["quantity"],
        "discount": m["discount"],
        "version": m["version"],
        "updated_at": format_utc(m["updated_at"], zulu=True),
    }
    # what has no value is dropped (deleting a key keeps the order of the others)
    if out["plan_id"] is None:
        del out["plan_id"]
    if out["subscription_id"] is None:
        del out["subscription_id"]
    if out["quantity"] is None:
        del out["quantity"]
    if out["discount"] is None:
        del out["discount"]
    return out


def _bound(name: str, value: str | None, zone: tzinfo, end: bool) -> datetime | None:
    """A date (its whole day in the workspace's timezone) or an RFC 3339 timestamp."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            day: date = parse_date(value)
            return next_day_start(day, zone) if end else day_start(day, zone)
        moment = parse_rfc3339(value)
        return moment + timedelta(microseconds=1) if end else moment
    except OverflowError:
        raise field_error(name, "is out of range") from None
    except ValueError as exc:
        raise field_error(name, f"{exc} (a date YYYY-MM-DD or an RFC 3339 timestamp)") from None


def page(
    session: Session,
    workspace_id: str,
    timezone: str,
    source: str,
    limit: int,
    customer_id: str | None,
    date_from: str | None,
    date_to: str | None,
    cursor: str | None,
) -> CursorList[InvoiceOut]:
    source_id = require(session, workspace_id, source)
    zone = get_zone(timezone)
    lower = _bound("date_from", date_from, zone, end=False)
    upper = _bound("date_to", date_to, zone, end=True)
    after = None
    if cursor:
        moment, pk = decode_cursor(cursor, 2)
        try:
            after = (parse_rfc3339(moment), pk)
        except (ValueError, OverflowError):
            raise field_error("cursor", "is not a cursor this list returned") from None
    rows = repository.page(
        session, workspace_id, source_id, customer_id or None, lower, upper, after, limit + 1
    )
    shown, next_cursor = cut(rows, limit, lambda r: [r["date"].isoformat(), r["pk"]])
    return cursor_list([invoice_out(r) for r in shown], next_cursor)


def versions(
    session: Session, workspace_id: str, source: str, external_id: str
) -> InvoiceVersionsEnvelope:
    source_id = require(session, workspace_id, source)
    row = (
        None
        if "\x00" in external_id
        else repository.get(session, workspace_id, source_id, external_id)
    )
    if row is None:
        raise NotFound(f"Invoice ID {external_id} does not exist in data source {source}")
    earlier: list[InvoiceVersionOut] = [
        {
            "version": version,
            "valid_from": format_utc(valid_from, zulu=True),
            "replaced_at": format_utc(replaced_at, zulu=True),
            "invoice": orjson.Fragment(fields),
        }
        for version, valid_from, replaced_at, fields in repository.versions(session, row["pk"])
    ]
    return {"data": {"invoice": invoice_out(row), "versions": earlier}}


def post_recognition(
    session: Session,
    workspace_id: str,
    inserted: Sequence[StoredInvoice],
    replaced: Sequence[tuple[StoredInvoice, StoredInvoice]],
    now: datetime,
) -> None:
    """Post the schedules and events of stored invoice rows (inline, in the import's
    transaction), with the stored cancellations their subscriptions may meet."""
    customers = {i["customer_pk"] for i in inserted if i["type"] == "subscription"}
    stored = repository.cancellations_of(session, workspace_id, customers)
    recognition.post_invoices(session, workspace_id, inserted, replaced, now, stored)
