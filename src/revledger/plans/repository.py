"""Every query on plans."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypedDict, cast

from sqlalchemy import Row, Table
from sqlalchemy.orm import Session

from revledger.kit import sql
from revledger.kit.items import RowDict
from revledger.kit.upsert import Planned
from revledger.plans.models import Plan

T = cast(Table, Plan.__table__)


class PlanRow(TypedDict):
    """A valid imported plan, as it is upserted (`pk` and the timestamps are added by
    the upsert)."""

    workspace_id: str
    source_id: str
    external_id: str
    name: str | None
    interval_count: int | None
    interval_unit: str
    currency: str | None
    amount_cents: int | None
    recognition_rule: str | None


def upsert(
    session: Session,
    workspace_id: str,
    rows: list[tuple[int, RowDict]],
    compared: tuple[str, ...],
    now: datetime,
) -> Planned:
    """Insert or update the valid items (index, `PlanRow`) of one import request."""
    return sql.apply_upsert(session, T, workspace_id, rows, compared, now)


def page(
    session: Session, workspace_id: str, source_id: str, after_pk: str | None, limit: int
) -> list[Row[Any]]:
    return sql.source_page(session, T, workspace_id, source_id, after_pk, limit)


def pks_by_keys(
    session: Session, workspace_id: str, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """(source id, plan id) -> the plan's pk, for those that exist."""
    return sql.pks_by_keys(session, T, workspace_id, keys)
