"""Page-based lists as in seed 000: `per_page` (1-100, default 25) and `page` (from 1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

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


def page_meta(params: PageParams, total: int) -> dict[str, Any]:
    return {
        "current_page": params.page,
        "last_page": max(1, -(-total // params.per_page)),
        "per_page": params.per_page,
        "total": total,
    }
