"""Every query on plans."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Row, Table
from sqlalchemy.orm import Session

from revledger.kit import sql
from revledger.plans.models import Plan

T = cast(Table, Plan.__table__)


def page(
    session: Session, workspace_id: str, source_id: str, after_pk: str | None, limit: int
) -> list[Row[Any]]:
    return sql.source_page(session, T, workspace_id, source_id, after_pk, limit)


def pks_by_keys(
    session: Session, workspace_id: str, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """(source id, plan id) -> the plan's pk, for those that exist."""
    return sql.pks_by_keys(session, T, workspace_id, keys)
