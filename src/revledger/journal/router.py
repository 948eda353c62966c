"""Journal entries, summary journal batches (seed 002) and the trial balance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from revledger.auth.dependencies import requires
from revledger.auth.service import Principal
from revledger.journal import service
from revledger.journal.schemas import (
    BatchStatusIn,
    JournalBatchEnvelope,
    JournalBatchList,
    JournalBatchPage,
    JournalEntryList,
    TrialBalanceEnvelope,
)
from revledger.kit.pagination import MAX_PAGE, PageParams, page_params
from revledger.kit.timeutil import utcnow
from revledger.openapi import csv_content, responses
from revledger.web import JSONOut, UnitOfWorkRoute, get_session

router = APIRouter(prefix="/api/v1", tags=["journal"], route_class=UnitOfWorkRoute)
SessionDep = Annotated[Session, Depends(get_session)]
Reader = Annotated[Principal, Depends(requires("read:journal"))]
Writer = Annotated[Principal, Depends(requires("write:journal"))]
Page = Annotated[PageParams, Depends(page_params)]
PERIOD_HELP = "A period's name (`Mar'2026`) or year and month (`2026-03`)"


@router.get(
    "/journal/entries",
    response_model=JournalEntryList,
    responses=responses(401, 403, 422),
    summary="Journal entries, one per revenue event (scope: read:journal)",
)
def list_entries(
    session: SessionDep,
    principal: Reader,
    params: Page,
    period: Annotated[
        str | None, Query(description=f"{PERIOD_HELP}: only the lines in that period")
    ] = None,
    schedule: Annotated[str | None, Query(description="A schedule number, RS-00000001")] = None,
    event: Annotated[str | None, Query(description="An event number, RE-00000001")] = None,
    source: Annotated[str | None, Query(description="A revenue source's id or name")] = None,
) -> JSONOut:
    """Each entry names its event (`RE-…`), schedule (`RS-…`) and origin (the invoice or
    revenue record), and lists balanced lines with account, debit, credit, currency and
    period. Amounts are decimal strings in currency units."""
    return JSONOut(
        service.entries(session, principal.workspace_id, params, period, schedule, event, source)
    )


@router.get(
    "/journal/batches",
    response_model=JournalBatchList,
    responses=responses(401, 403, 422),
    summary="Summary journal batches, oldest period first (scope: read:journal)",
)
def list_batches(
    session: SessionDep,
    principal: Reader,
    params: Page,
    status: Annotated[str | None, Query(description="READY_TO_TRANSFER or TRANSFERRED")] = None,
    period: Annotated[str | None, Query(description=PERIOD_HELP)] = None,
) -> JSONOut:
    return JSONOut(service.batches(session, principal.workspace_id, params, status, period))


# Declared before /journal/batches/{batch_id} so that "….csv" is not read as an id.
@router.get(
    "/journal/batches/{batch_id}.csv",
    responses={
        **responses(401, 403, 404),
        200: {
            "content": csv_content("A header row, then one row per line"),
            "description": "The batch's lines as CSV",
        },
    },
    response_class=Response,
    summary="Download a summary journal batch as CSV (scope: read:journal)",
)
def batch_csv(batch_id: str, session: SessionDep, principal: Reader) -> Response:
    filename, text = service.batch_csv(session, principal.workspace_id, batch_id)
    return Response(
        text.encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/journal/batches/{batch_id}",
    response_model=JournalBatchPage,
    responses=responses(401, 403, 404, 422),
    summary="A summary journal batch and a page of its lines (scope: read:journal)",
)
def get_batch(
    batch_id: str,
    session: SessionDep,
    principal: Reader,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1")] = 1,
    pagesize: Annotated[
        int,
        Query(
            ge=1,
            le=service.MAX_PAGESIZE,
            description="Lines per page: default 1,000, at most 10,000 (more is a 422)",
        ),
    ] = service.DEFAULT_PAGESIZE,
) -> JSONOut:
    """Lines are summarized by account, currency and period, in line order."""
    return JSONOut(service.batch(session, principal.workspace_id, batch_id, page, pagesize))


@router.put(
    "/journal/batches/{batch_id}/status",
    response_model=JournalBatchEnvelope,
    responses=responses(400, 401, 403, 404, 422),
    summary="Mark a batch transferred to the GL (scope: write:journal)",
)
def put_batch_status(
    batch_id: str, body: BatchStatusIn, session: SessionDep, principal: Writer
) -> JSONOut:
    """Only a `READY_TO_TRANSFER` batch can be marked `TRANSFERRED` (400 otherwise); a
    transferred batch cannot be changed again."""
    return JSONOut(
        {
            "data": service.set_status(
                session, principal.workspace_id, batch_id, body.status, utcnow()
            )
        }
    )


@router.get(
    "/reports/trial-balance",
    response_model=TrialBalanceEnvelope,
    responses=responses(401, 403, 422),
    tags=["reports"],
    summary="Trial balance through the end of a period (scope: read:journal)",
)
def trial_balance(
    session: SessionDep,
    principal: Reader,
    period: Annotated[str, Query(description=f"{PERIOD_HELP}, or a period's id")],
) -> JSONOut:
    """Each account's balance per currency, cumulative through the end of the period;
    per currency, total debits equal total credits (`difference` is zero)."""
    return JSONOut({"data": service.trial_balance(session, principal.workspace_id, period)})
