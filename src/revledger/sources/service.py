"""Revenue sources: names are unique per workspace."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from revledger.auth.service import Principal
from revledger.errors import Conflict, ErrorCode, NotFound
from revledger.kit.ids import new_id
from revledger.kit.items import Checker, show
from revledger.kit.pagination import PageParams, keyset_list
from revledger.kit.text import encodable
from revledger.kit.timeutil import utcnow
from revledger.sources import repository
from revledger.sources.models import RevenueSource
from revledger.sources.schemas import RevenueSourceCreate


def create(session: Session, workspace_id: str, body: RevenueSourceCreate) -> RevenueSource:
    source_id = new_id()
    inserted = repository.insert_if_name_free(
        session,
        {
            "id": source_id,
            "workspace_id": workspace_id,
            "name": body.name,
            "kind": body.kind,
            "default_currency": body.default_currency,
            "recognition_rule": body.recognition_rule,
            "created_at": utcnow(),
        },
    )
    if not inserted:
        raise Conflict(f"A revenue source named '{body.name}' already exists in this workspace.")
    source = repository.get(session, workspace_id, source_id)
    assert source is not None
    return source


def get(session: Session, principal: Principal, source_id: str) -> RevenueSource:
    source = repository.get(session, principal.workspace_id, source_id)
    if source is None:
        raise NotFound(f"Revenue source {source_id} not found")
    return source


def page(
    session: Session, principal: Principal, params: PageParams
) -> tuple[list[RevenueSource], int]:
    rows = repository.page(session, principal.workspace_id, params.offset, params.per_page)
    return rows, repository.count(session, principal.workspace_id)


def require(session: Session, workspace_id: str, ref: str) -> str:
    """A `source` query parameter (a data source's id or name) -> its id, or 404."""
    found = repository.resolve(session, workspace_id, [ref]).get(ref)
    if found is None:
        raise NotFound(f"Data source {ref} not found")
    return found


def checked_ref(check: Checker, known: Mapping[str, str]) -> str | None:
    """An import item's `data_source` -> its source id (`known`: from `repository.resolve`
    for the whole request), or a field error on the item."""
    value = check.item.get("data_source")
    if value is None or value == "":
        check.fail("data_source", ErrorCode.REQUIRED, "Missing data_source")
        return None
    if not isinstance(value, str):
        check.fail(
            "data_source",
            ErrorCode.INVALID,
            f"Invalid data_source {show(value)}: must be a data source's name or id",
        )
        return None
    if not encodable(value):
        check.fail("data_source", ErrorCode.INVALID, "Invalid data_source: must be valid Unicode")
        return None
    source_id = known.get(value)
    if source_id is None:
        check.fail("data_source", ErrorCode.NOT_FOUND, f"Data source {value} does not exist")
    return source_id


def source_list(
    session: Session,
    workspace_id: str,
    source: str,
    limit: int,
    cursor: str | None,
    fetch: Callable[[Session, str, str, str | None, int], Sequence[Row[Any]]],
    out: Callable[[Row[Any]], Mapping[str, object]],
) -> dict[str, object]:
    """A data source's rows newest first, as seed 003's cursor list (404 for an unknown
    source). `fetch(session, workspace_id, source_id, after_pk, limit)` reads one page."""
    source_id = require(session, workspace_id, source)
    return keyset_list(
        lambda after, n: fetch(session, workspace_id, source_id, after, n),
        limit,
        cursor,
        lambda row: row.pk,
        out,
    )
