"""Every query on customers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypedDict, cast

from sqlalchemy import Row, Table, select
from sqlalchemy.orm import Session

from revledger.customers.models import Customer
from revledger.kit import sql
from revledger.kit.items import RowDict
from revledger.kit.upsert import Planned

T = cast(Table, Customer.__table__)


class CustomerRow(TypedDict):
    """A valid imported customer, as it is upserted (`pk` and the timestamps are added
    by the upsert)."""

    workspace_id: str
    source_id: str
    external_id: str
    name: str | None
    email: str | None
    country: str | None
    company: str | None
    custom_variables: str | None
    """A JSON object's text."""


def upsert(
    session: Session,
    workspace_id: str,
    rows: list[tuple[int, RowDict]],
    compared: tuple[str, ...],
    now: datetime,
) -> Planned:
    """Insert or update the valid items (index, `CustomerRow`) of one import request."""
    return sql.apply_upsert(session, T, workspace_id, rows, compared, now)


def page(
    session: Session, workspace_id: str, source_id: str, after_pk: str | None, limit: int
) -> list[Row[Any]]:
    return sql.source_page(session, T, workspace_id, source_id, after_pk, limit)


def get(session: Session, workspace_id: str, source_id: str, external_id: str) -> Row[Any] | None:
    return session.execute(
        select(T).where(
            T.c.workspace_id == workspace_id,
            T.c.source_id == source_id,
            T.c.external_id == external_id,
        )
    ).first()


def pks_by_keys(
    session: Session, workspace_id: str, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """(source id, customer id) -> the customer's pk, for those that exist."""
    return sql.pks_by_keys(session, T, workspace_id, keys)
