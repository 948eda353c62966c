"""Revenue sources: names are unique per workspace."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, NotRequired, TypedDict, TypeVar, cast

from sqlalchemy import Row
from sqlalchemy.orm import Session

from revledger.auth.service import Principal
from revledger.errors import Conflict, ErrorCode, NotFound
from revledger.kit.ids import new_id
from revledger.kit.items import Checker, show
from revledger.kit.pagination import PageParams, keyset_list, list_result
from revledger.kit.text import encodable
from revledger.kit.timeutil import utcnow
from revledger.sources import repository
from revledger.sources.models import RevenueSource
from revledger.sources.repository import SourceRow
from revledger.sources.schemas import RevenueSourceCreate

T = TypeVar("T", bound=Mapping[str, object])
"""An item of a list: the wire shape (a TypedDict) of one row."""


class CursorPage(TypedDict, Generic[T]):
    """The body of seed 003's cursor list (`kit.pagination.list_result`), by its items."""

    count: int
    list: list[T]
    next_cursor: NotRequired[str]
    """Only when there are more items."""


class CursorList(TypedDict, Generic[T]):
    """`{"result": {"count", "list", "next_cursor"?}}`: a list of customers, plans or
    invoices as the API sends it."""

    result: CursorPage[T]


def cursor_list(items: list[T], next_cursor: str | None) -> CursorList[T]:
    """`kit.pagination.list_result`, typed by its items (kit builds exactly this shape)."""
    return cast("CursorList[T]", list_result(items, next_cursor))


def create(session: Session, workspace_id: str, body: RevenueSourceCreate) -> RevenueSource:
    source_id = new_id()
    row: SourceRow = {
        "id": source_id,
        "workspace_id": workspace_id,
        "name": body.name,
        "kind": body.kind,
        "default_currency": body.default_currency,
        "recognition_rule": body.recognition_rule,
        "created_at": utcnow(),
    }
    inserted = repository.insert_if_name_free(session, row)
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
    out: Callable[[Row[Any]], T],
) -> CursorList[T]:
    """A data source's rows newest first, as seed 003's cursor list of `out(row)` (404 for
    an unknown source). `fetch(session, workspace_id, source_id, after_pk, limit)` reads
    one page of table rows."""
    source_id = require(session, workspace_id, source)
    listed = keyset_list(
        lambda after, n: fetch(session, workspace_id, source_id, after, n),
        limit,
        cursor,
        lambda row: row.pk,
        out,
    )
    return cast("CursorList[T]", listed)  # kit builds the shape of `cursor_list`
