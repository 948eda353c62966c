"""Workspace settings. A new reporting currency or timezone re-marks every customer."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from revledger.errors import NotFound
from revledger.events import bus
from revledger.kit.timeutil import format_utc, utcnow
from revledger.workspaces import repository
from revledger.workspaces.schemas import WorkspacePatch


def workspace_out(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "timezone": row.timezone,
        "reporting_currency": row.reporting_currency,
        "created_at": format_utc(row.created_at),
    }


def get(session: Session, workspace_id: str) -> dict[str, Any]:
    row = repository.get(session, workspace_id)
    if row is None:
        raise NotFound("Workspace not found")
    return workspace_out(row)


def patch(session: Session, workspace_id: str, body: WorkspacePatch) -> dict[str, Any]:
    current = get(session, workspace_id)
    values = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    changed = {k: v for k, v in values.items() if current[k] != v}
    if changed:
        repository.set_values(session, workspace_id, changed)
    if "reporting_currency" in changed or "timezone" in changed:
        bus.publish(session, bus.WorkspaceSettingsChanged(workspace_id, utcnow()))
    return get(session, workspace_id)
