"""Every query on customers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Row, Table, select
from sqlalchemy.orm import Session

from revledger.customers.models import Customer
from revledger.kit.bulk import by_external_ids, by_source

T = cast(Table, Customer.__table__)


def page(
    session: Session, workspace_id: str, source_id: str, after_pk: str | None, limit: int
) -> list[Row[Any]]:
    """Newest first (`pk` is a time-ordered UUIDv7)."""
    stmt = select(T).where(T.c.workspace_id == workspace_id, T.c.source_id == source_id)
    if after_pk is not None:
        stmt = stmt.where(T.c.pk < after_pk)
    return list(session.execute(stmt.order_by(T.c.pk.desc()).limit(limit)))


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
    out: dict[tuple[str, str], str] = {}
    for source_id, external_ids in by_source(keys).items():
        result = by_external_ids(
            session, T, [T.c.external_id, T.c.pk], workspace_id, source_id, external_ids
        )
        out.update({(source_id, r[0]): r[1] for r in result})
    return out
