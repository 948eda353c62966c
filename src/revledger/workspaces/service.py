"""Workspace settings. A new reporting currency or timezone re-marks every customer."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from sqlalchemy import Row
from sqlalchemy.orm import Session

from revledger.errors import NotFound
from revledger.events import bus
from revledger.kit.timeutil import format_utc, utcnow
from revledger.workspaces import repository
from revledger.workspaces.repository import WorkspaceChanges
from revledger.workspaces.schemas import WorkspacePatch


class WorkspaceOut(TypedDict):
    """The workspace as the API shows it (the wire shape of `schemas.WorkspaceOut`)."""

    id: str
    name: str
    timezone: str
    reporting_currency: str
    created_at: str


def workspace_out(row: Row[str, str, str, str, datetime]) -> WorkspaceOut:
    workspace_id, name, timezone, reporting_currency, created_at = row
    return {
        "id": workspace_id,
        "name": name,
        "timezone": timezone,
        "reporting_currency": reporting_currency,
        "created_at": format_utc(created_at),
    }


def get(session: Session, workspace_id: str) -> WorkspaceOut:
    row = repository.get(session, workspace_id)
    if row is None:
        raise NotFound("Workspace not found")
    return workspace_out(row)


def patch(session: Session, workspace_id: str, body: WorkspacePatch) -> WorkspaceOut:
    current = get(session, workspace_id)
    changed: WorkspaceChanges = {}
    if body.name is not None and body.name != current["name"]:
        changed["name"] = body.name
    if (
        body.reporting_currency is not None
        and body.reporting_currency != current["reporting_currency"]
    ):
        changed["reporting_currency"] = body.reporting_currency
    if body.timezone is not None and body.timezone != current["timezone"]:
        changed["timezone"] = body.timezone
    if changed:
        repository.set_values(session, workspace_id, changed)
    if "reporting_currency" in changed or "timezone" in changed:
        bus.publish(session, bus.WorkspaceSettingsChanged(workspace_id, utcnow()))
    return get(session, workspace_id)
