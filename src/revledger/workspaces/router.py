"""The calling key's workspace: read it, change its settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from revledger.auth.dependencies import requires
from revledger.auth.service import Principal
from revledger.openapi import responses
from revledger.web import JSONOut, UnitOfWorkRoute, get_session
from revledger.workspaces import service
from revledger.workspaces.schemas import WorkspaceEnvelope, WorkspacePatch

router = APIRouter(prefix="/api/v1/workspace", tags=["workspace"], route_class=UnitOfWorkRoute)
SessionDep = Annotated[Session, Depends(get_session)]


@router.get(
    "",
    response_model=WorkspaceEnvelope,
    responses=responses(401),
    summary="The workspace of the calling key (any key)",
)
def get_workspace(
    session: SessionDep, principal: Annotated[Principal, Depends(requires(None))]
) -> JSONOut:
    return JSONOut({"data": service.get(session, principal.workspace_id)})


@router.patch(
    "",
    response_model=WorkspaceEnvelope,
    responses=responses(401, 403, 422),
    summary="Change the name, reporting currency or timezone (scope: admin)",
)
def patch_workspace(
    body: WorkspacePatch,
    session: SessionDep,
    principal: Annotated[Principal, Depends(requires("admin"))],
) -> JSONOut:
    """A new `reporting_currency` or `timezone` queues every customer's metrics for
    recalculation. Exchange rates are kept per reporting currency."""
    return JSONOut({"data": service.patch(session, principal.workspace_id, body)})
