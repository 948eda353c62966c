"""Every query on revenue sources."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypedDict, cast

from sqlalchemy import Table, bindparam, func, or_, select
from sqlalchemy.orm import Session

from revledger.kit import sql
from revledger.kit.text import encodable
from revledger.sources.models import RevenueSource

T = cast(Table, RevenueSource.__table__)
# Built once (Core, not ORM): it runs on every revenue post.
_EXISTING_IDS = select(T.c.id).where(
    T.c.workspace_id == bindparam("workspace_id"), T.c.id.in_(bindparam("ids", expanding=True))
)


class SourceRow(TypedDict):
    """A new `revenue_sources` row."""

    id: str
    workspace_id: str
    name: str
    kind: str | None
    default_currency: str | None
    recognition_rule: str | None
    created_at: datetime


def insert_if_name_free(session: Session, values: SourceRow) -> bool:
    """Insert unless the name is taken in the workspace (race-free); True if inserted."""
    stmt = (
        sql.insert(session, T)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["workspace_id", "name"])
        .returning(T.c.id)
    )
    return session.execute(stmt).first() is not None


def resolve(session: Session, workspace_id: str, refs: Iterable[object]) -> dict[str, str]:
    """Data-source references (a source's id or name) -> source id, for one workspace."""
    wanted = {r for r in refs if isinstance(r, str) and r and "\x00" not in r and encodable(r)}
    if not wanted:
        return {}
    rows = session.execute(
        select(T.c.id, T.c.name).where(
            T.c.workspace_id == workspace_id, or_(T.c.id.in_(wanted), T.c.name.in_(wanted))
        )
    ).all()
    out: dict[str, str] = {}
    for source_id, name in rows:
        if name in wanted:
            out[name] = source_id
    for source_id, _name in rows:
        if source_id in wanted:
            out[source_id] = source_id  # an id wins over a name that happens to equal it
    return out


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
