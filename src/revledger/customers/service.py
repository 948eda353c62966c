"""Importing and reading customers."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict, cast

import orjson
from sqlalchemy import Row
from sqlalchemy.orm import Session

from revledger.customers import repository
from revledger.customers.repository import CustomerRow
from revledger.errors import ErrorCode, NotFound
from revledger.kit.items import Checked, Checker, Item, ItemResult, RowDict, results, split_valid
from revledger.kit.timeutil import utcnow
from revledger.sources import repository as sources
from revledger.sources.service import CursorList, checked_ref, require, source_list

FIELDS = ("id", "data_source", "name", "email", "country", "company", "custom_variables")
COMPARED = ("name", "email", "country", "company", "custom_variables")


def _validate(item: Item, known: dict[str, str], workspace_id: str) -> Checked:
    check = Checker(item)
    check.unknown_fields(FIELDS)
    external_id = check.ident("id", "Missing customer ID")
    source_id = checked_ref(check, known)
    name = check.text("name")
    email = check.text("email", max_len=320)
    if email is not None and ("@" not in email or any(c.isspace() for c in email)):
        check.fail("email", ErrorCode.INVALID, f"Invalid email '{email}': must be an email address")
    country = check.country()
    company = check.text("company")
    custom = check.json_object("custom_variables")
    if check.errors:
        return None, tuple(check.errors)
    assert source_id is not None and external_id is not None
    row: CustomerRow = {
        "workspace_id": workspace_id,
        "source_id": source_id,
        "external_id": external_id,
        "name": name,
        "email": email,
        "country": country,
        "company": company,
        "custom_variables": custom,
    }
    return cast(RowDict, row), ()  # kit's upsert plans plain rows


def import_customers(session: Session, workspace_id: str, items: list[Item]) -> list[ItemResult]:
    known = sources.resolve(session, workspace_id, [i.get("data_source") for i in items])
    errors, rows = split_valid(items, lambda item: _validate(item, known, workspace_id))
    planned = repository.upsert(session, workspace_id, rows, COMPARED, utcnow())
    return results(items, errors, planned.statuses)


class CustomerOut(TypedDict):
    """A customer as the API shows it (the wire shape of `schemas.CustomerOut`): a field
    without a value is left out."""

    source_id: str
    id: str
    name: NotRequired[str]
    email: NotRequired[str]
    country: NotRequired[str]
    company: NotRequired[str]
    custom_variables: NotRequired[orjson.Fragment]
    """The stored JSON object, sent as it is."""


def customer_out(row: Row[Any]) -> CustomerOut:
    m = row._mapping
    out: CustomerOut = {"source_id": m["source_id"], "id": m["external_id"]}
    if m["name"] is not None:
        out["name"] = m["name"]
    if m["email"] is not None:
        out["email"] = m["email"]
    if m["country"] is not None:
        out["country"] = m["country"]
    if m["company"] is not None:
        out["company"] = m["company"]
    if m["custom_variables"] is not None:
        out["custom_variables"] = orjson.Fragment(m["custom_variables"])
    return out


def page(
    session: Session, workspace_id: str, source: str, limit: int, cursor: str | None
) -> CursorList[CustomerOut]:
    return source_list(session, workspace_id, source, limit, cursor, repository.page, customer_out)


def get_row(session: Session, workspace_id: str, source: str, external_id: str) -> Row[Any]:
    source_id = require(session, workspace_id, source)
    row = (
        None
        if "\x00" in external_id
        else repository.get(session, workspace_id, source_id, external_id)
    )
    if row is None:
        raise NotFound(f"Customer ID {external_id} does not exist in data source {source}")
    return row
