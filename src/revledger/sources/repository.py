"""Every query on revenue sources."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from revledger.db import dialect_insert
from revledger.sources.models import RevenueSource

T = RevenueSource.__table__
# Built once (Core, not ORM): it runs on every revenue post.
_EXISTING_IDS = select(T.c.id).where(
    T.c.workspace_id == bindparam("workspace_id"), T.c.id.in_(bindparam("ids", expanding=True))
)


def insert_if_name_free(session: Session, values: dict[str, Any]) -> bool:
    """Insert unless the name is taken in the workspace (race-free); True if inserted."""
    stmt = (
        dialect_insert(session, T)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["workspace_id", "name"])
        .returning(T.c.id)
    )
    return session.execute(stmt).first() is not None


def get(session: Session, workspace_id: str, source_id: str) -> RevenueSource | None:
    return session.scalars(
        select(RevenueSource).where(
            RevenueSource.workspace_id == workspace_id, RevenueSource.id == source_id
        )
    ).first()


def existing_ids(session: Session, workspace_id: str, ids: Iterable[str]) -> set[str]:
    wanted = set(ids)
    if not wanted:
        return set()
    return set(session.scalars(_EXISTING_IDS, {"workspace_id": workspace_id, "ids": list(wanted)}))


def page(session: Session, workspace_id: str, offset: int, limit: int) -> list[RevenueSource]:
    return list(
        session.scalars(
            select(RevenueSource)
            .where(RevenueSource.workspace_id == workspace_id)
            .order_by(RevenueSource.created_at.desc(), RevenueSource.id.desc())
            .offset(offset)
            .limit(limit)
        )
    )


def count(session: Session, workspace_id: str) -> int:
    return (
        session.scalar(select(func.count()).select_from(T).where(T.c.workspace_id == workspace_id))
        or 0
    )
