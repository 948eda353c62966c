"""Reading and changing the workspace row's settings."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict, cast

from sqlalchemy import Row, Table, select, update
from sqlalchemy.orm import Session

from revledger.auth.models import Workspace

W = cast(Table, Workspace.__table__)


class WorkspaceChanges(TypedDict, total=False):
    """The settings a PATCH changes (only those given and different)."""

    name: str
    reporting_currency: str
    timezone: str


def get(session: Session, workspace_id: str) -> Row[str, str, str, str, datetime] | None:
    """(id, name, timezone, reporting currency, created at)"""
    return session.execute(
        select(W.c.id, W.c.name, W.c.timezone, W.c.reporting_currency, W.c.created_at).where(
            W.c.id == workspace_id
        )
    ).first()


def set_values(session: Session, workspace_id: str, values: WorkspaceChanges) -> None:
    session.execute(update(W).where(W.c.id == workspace_id).values(**values))
