"""Every query on customers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Row, Table, select
from sqlalchemy.orm import Session

from revledger.customers.models import Customer
from revledger.kit import sql

T = cast(Table, Customer.__table__)


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
