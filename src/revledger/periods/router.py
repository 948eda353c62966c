"""Accounting periods: list, close, reopen."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from revledger.auth.dependencies import requires
from revledger.auth.service import Principal
from revledger.openapi import responses
from revledger.periods import service
from revledger.periods.schemas import AccountingPeriodEnvelope, AccountingPeriodList
from revledger.web import JSONOut, UnitOfWorkRoute, get_session

router = APIRouter(
    prefix="/api/v1/accounting-periods", tags=["accounting periods"], route_class=UnitOfWorkRoute
)
SessionDep = Annotated[Session, Depends(get_session)]


@router.get(
    "",
    response_model=AccountingPeriodList,
    responses=responses(401, 403, 422),
    summary="List accounting periods (scope: read:recognition)",
)
def list_periods(
    session: SessionDep,
    principal: Annotated[Principal, Depends(requires("read:recognition"))],
    status: Annotated[str | None, Query(description="open or closed")] = None,
    date_from: Annotated[str | None, Query(description="periods ending on or after")] = None,
    date_to: Annotated[str | None, Query(description="periods starting on or before")] = None,
) -> JSONOut:
    """Monthly periods in the workspace's timezone, named as Zuora names them
    (`Oct'2013`), oldest first. Periods are created as revenue needs them."""
    rows = service.listing(session, principal.workspace_id, status, date_from, date_to)
    return JSONOut({"data": rows, "meta": {"total": len(rows)}})


@router.post(
    "/{period_id}/close",
    response_model=AccountingPeriodEnvelope,
    responses=responses(401, 403, 404, 409),
    summary="Close a period (scope: write:recognition)",
)
def close_period(
    period_id: str,
    session: SessionDep,
    principal: Annotated[Principal, Depends(requires("write:recognition"))],
) -> JSONOut:
    """`period_id` is the period's id or its name (`Mar'2026`, or `2026-03`). Every earlier
    period must be closed (409 names the open one). Closing makes the period's summary
    journal batch (`READY_TO_TRANSFER`); the period's numbers never change afterwards."""
    return JSONOut(
        {"data": service.close(session, principal.workspace_id, period_id, principal.credential_id)}
    )


@router.post(
    "/{period_id}/reopen",
    response_model=AccountingPeriodEnvelope,
    responses=responses(401, 403, 404, 409),
    summary="Reopen the latest closed period (scope: write:recognition)",
)
def reopen_period(
    period_id: str,
    session: SessionDep,
    principal: Annotated[Principal, Depends(requires("write:recognition"))],
) -> JSONOut:
    """Only the latest closed period can be reopened (409 otherwise)."""
    return JSONOut({"data": service.reopen(session, principal.workspace_id, period_id)})
