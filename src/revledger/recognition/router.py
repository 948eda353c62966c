"""Revenue schedules and events: seed 004's events endpoint, lists, manual distribution."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from revledger.auth.dependencies import requires
from revledger.auth.service import Principal
from revledger.kit.pagination import PageParams, page_params
from revledger.openapi import responses, zuora_responses
from revledger.recognition import service
from revledger.recognition.schemas import (
    DateRange,
    DistributedEnvelope,
    PeriodAmount,
    RevenueEventsPage,
    ScheduleEnvelope,
    ScheduleList,
)
from revledger.web import JSONOut, UnitOfWorkRoute, get_session

router = APIRouter(prefix="/api/v1", tags=["revenue recognition"], route_class=UnitOfWorkRoute)
SessionDep = Annotated[Session, Depends(get_session)]
AS_OF = (
    "Recognized through the end of the period containing this date "
    "(YYYY-MM-DD; default today in the workspace's timezone)"
)
Reader = Annotated[Principal, Depends(requires("read:recognition"))]
Writer = Annotated[Principal, Depends(requires("write:recognition"))]


@router.get("/revenue-events/revenue-schedules/{rs_number}/", include_in_schema=False)
@router.get(
    "/revenue-events/revenue-schedules/{rs_number}",
    response_model=RevenueEventsPage,
    responses=zuora_responses(401, 403, 404, 422),
    summary="Revenue events of a revenue schedule, as Zuora answers (scope: read:recognition)",
)
def revenue_events(
    rs_number: str,
    request: Request,
    session: SessionDep,
    principal: Reader,
    page_size: Annotated[
        int, Query(alias="pageSize", ge=1, description="1-300; more is treated as 300")
    ] = service.SEED_PAGE_SIZE,
    page: Annotated[int, Query(ge=1, le=1_000_000_000)] = 1,
) -> JSONOut:
    """Seed 004's shape: `revenueEventDetails` (oldest event first) with their
    `revenueItems` in ascending period order (`Open-Ended` last), amounts as JSON numbers
    in currency units, `nextPage` when there are more, `success: true`. Failures answer
    `success: false`, `processId`, `reasons: [{"code", "message"}]`."""
    return JSONOut(
        service.revenue_events(
            session, principal.workspace_id, rs_number, page_size, page, request.url.path
        )
    )


@router.get(
    "/revenue-schedules",
    response_model=ScheduleList,
    responses=responses(401, 403, 404, 422),
    summary="List revenue schedules (scope: read:recognition)",
)
def list_schedules(
    session: SessionDep,
    principal: Reader,
    paging: Annotated[PageParams, Depends(page_params)],
    customer_id: str | None = None,
    invoice_id: str | None = None,
    subscription_id: str | None = None,
    source: Annotated[str | None, Query(description="Source id or name")] = None,
    rule: Annotated[str | None, Query(description="daily, monthly, on_date or manual")] = None,
    period: Annotated[str | None, Query(description="Schedules with an item in it")] = None,
    as_of: Annotated[str | None, Query(description=AS_OF)] = None,
) -> JSONOut:
    filters = {
        "customer_id": customer_id,
        "invoice_id": invoice_id,
        "subscription_id": subscription_id,
        "source": source,
        "rule": rule,
    }
    return JSONOut(
        service.list_schedules(session, principal.workspace_id, filters, period, paging, as_of)
    )


@router.get(
    "/revenue-schedules/{rs_number}",
    response_model=ScheduleEnvelope,
    responses=responses(401, 403, 404, 422),
    summary="One revenue schedule with its totals (scope: read:recognition)",
)
def get_schedule(
    rs_number: str,
    session: SessionDep,
    principal: Reader,
    as_of: Annotated[str | None, Query(description=AS_OF)] = None,
) -> JSONOut:
    """`amount` is what was billed; `recognized` what falls in accounting periods up to
    the end of the one containing `as_of` (default today); `deferred` the difference
    (scheduled later, or still undistributed); `undistributed` what a manual schedule
    still holds in `Open-Ended`."""
    return JSONOut(
        {"data": service.get_schedule(session, principal.workspace_id, rs_number, as_of)}
    )


@router.put(
    "/revenue-schedules/{rs_number}/distribute-revenue-across-accounting-periods",
    response_model=DistributedEnvelope,
    responses=responses(401, 403, 404, 422),
    summary="Distribute a manual schedule over named periods (scope: write:recognition)",
)
def distribute_across_periods(
    rs_number: str, body: list[PeriodAmount], session: SessionDep, principal: Writer
) -> JSONOut:
    """At most 250 periods; the total may not exceed what is undistributed (422); the
    rest stays in `Open-Ended`. A share dated in a closed period is posted to the first
    open period. Makes one `Revenue Distributed` event."""
    return JSONOut(
        {"data": service.distribute_periods(session, principal.workspace_id, rs_number, body)}
    )


@router.put(
    "/revenue-schedules/{rs_number}/distribute-revenue-with-date-range",
    response_model=DistributedEnvelope,
    responses=responses(401, 403, 404, 422),
    summary="Distribute a manual schedule ratably over dates (scope: write:recognition)",
)
def distribute_with_date_range(
    rs_number: str, body: DateRange, session: SessionDep, principal: Writer
) -> JSONOut:
    """Spreads everything still undistributed by day from `start_date` to `end_date`
    (both inclusive, as Zuora's recognition dates). One `Revenue Distributed` event."""
    return JSONOut(
        {"data": service.distribute_range(session, principal.workspace_id, rs_number, body)}
    )
