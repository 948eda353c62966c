"""Reading and changing the workspace row's settings."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Row, Table, select, update
from sqlalchemy.orm import Session

from revledger.auth.models import Workspace

W = cast(Table, Workspace.__table__)


def get(session: Session, workspace_id: str) -> Row[Any] | None:
    return session.execute(select(W).where(W.c.id == workspace_id)).first()


def set_values(session: Session, workspace_id: str, values: dict[str, Any]) -> None:
    session.execute(update(W).where(W.c.id == workspace_id).values(**values))
