"""Importing and reading customers."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.orm import Session

from revledger.customers import repository
from revledger.customers.repository import T
from revledger.errors import NotFound
from revledger.kit import bulk
from revledger.kit.timeutil import utcnow

FIELDS = ("id", "data_source", "name", "email", "country", "company", "custom_variables")
COMPARED = ("name", "email", "country", "company", "custom_variables")


def _validate(
    item: dict[str, Any], sources: dict[str, str], workspace_id: str
) -> tuple[dict[str, Any] | None, str | None]:
    check = bulk.Checker(item)
    check.unknown_fields(FIELDS)
    external_id = check.ident("id", "Missing customer ID")
    source_id = bulk.source_ref(check, sources)
    name = check.text("name")
    email = check.text("email", max_len=320)
    if email is not None and ("@" not in email or any(c.isspace() for c in email)):
        check.fail(f"Invalid email '{email}': must be an email address")
    country = check.country()
    company = check.text("company")
    custom = check.json_object("custom_variables")
    if check.errors:
        return None, "; ".join(check.errors)
    return {
        "workspace_id": workspace_id,
        "source_id": source_id,
        "external_id": external_id,
        "name": name,
        "email": email,
        "country": country,
        "company": company,
        "custom_variables": custom,
    }, None


def import_customers(
    session: Session, workspace_id: str, items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    sources = bulk.resolve_sources(session, workspace_id, [i.get("data_source") for i in items])
    errors, rows = bulk.split_valid(items, lambda item: _validate(item, sources, workspace_id))
    planned = bulk.apply_upsert(session, T, workspace_id, rows, COMPARED, utcnow())
    return bulk.results(items, errors, planned.statuses)


def customer_out(row: Any) -> dict[str, Any]:
    m = row._mapping if hasattr(row, "_mapping") else row
    out: dict[str, Any] = {"source_id": m["source_id"], "id": m["external_id"]}
    for name in ("name", "email", "country", "company"):
        if m[name] is not None:
            out[name] = m[name]
    if m["custom_variables"] is not None:
        out["custom_variables"] = orjson.Fragment(m["custom_variables"])
    return out


def page(
    session: Session, workspace_id: str, source: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    return bulk.keyset_list(
        session, workspace_id, source, limit, cursor, repository.page, customer_out
    )


def get_row(session: Session, workspace_id: str, source: str, external_id: str) -> Any:
    source_id = bulk.require_source(session, workspace_id, source)
    row = (
        None
        if "\x00" in external_id
        else repository.get(session, workspace_id, source_id, external_id)
    )
    if row is None:
        raise NotFound(f"Customer ID {external_id} does not exist in data source {source}")
    return row
