"""Lists. Page-based as in seed 000: `per_page` (1-100, default 25) and `page` (from 1).
Cursor-based as in seed 003: `limit` (default 100) and an opaque `next_cursor`."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, TypedDict, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel

from revledger.errors import ErrorCode, FieldError, ValidationFailed

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000_000


@dataclass(frozen=True)
class PageParams:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def page_params(
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Rows per page")] = (
        DEFAULT_PER_PAGE
    ),
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1")] = 1,
) -> PageParams:
    return PageParams(page=page, per_page=per_page)


class PageMeta(BaseModel):
    """The `meta` of a page-based list."""

    current_page: int
    last_page: int
    per_page: int
    total: int


class PageCounts(TypedDict):
    """The wire shape of `PageMeta`, as services build it."""

    current_page: int
    last_page: int
    per_page: int
    total: int


def page_meta(params: PageParams, total: int) -> PageCounts:
    return {
        "current_page": params.page,
        "last_page": max(1, -(-total // params.per_page)),
        "per_page": params.per_page,
        "total": total,
    }


# --- cursor lists: `{"result": {"count", "list", "next_cursor"?}}` --------------------

DEFAULT_LIMIT = 100
T = TypeVar("T")


def encode_cursor(values: Sequence[str]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(values))).decode().rstrip("=")


def decode_cursor(text: str, size: int) -> list[str]:
    """A cursor this list returned -> its `size` values; anything else is a 422."""
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


def cut(
    rows: Sequence[T], limit: int, cursor_of: Callable[[T], Sequence[str]]
) -> tuple[Sequence[T], str | None]:
    """Rows read with `limit + 1` -> (the page, the cursor of the next one or None)."""
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, encode_cursor(cursor_of(page[-1]))


def list_result(
    items: Sequence[Mapping[str, object]], next_cursor: str | None
) -> dict[str, object]:
    body: dict[str, object] = {"count": len(items), "list": items}
    if next_cursor is not None:
        body["next_cursor"] = next_cursor
    return {"result": body}


def keyset_list(
    fetch: Callable[[str | None, int], Sequence[T]],
    limit: int,
    cursor: str | None,
    pk: Callable[[T], str],
    out: Callable[[T], Mapping[str, object]],
) -> dict[str, object]:
    """Rows newest first by a time-ordered `pk`, as the seed's list.
    `fetch(after_pk, n)` reads up to n rows with a pk below after_pk (None: from the top)."""
    after = decode_cursor(cursor, 1)[0] if cursor else None
    rows, next_cursor = cut(fetch(after, limit + 1), limit, lambda r: [pk(r)])
    return list_result([out(r) for r in rows], next_cursor)
