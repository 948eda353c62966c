"""Plans (seed 003): bulk upsert and list."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from sqlalchemy.orm import Session

from revledger.auth.dependencies import requires
from revledger.auth.service import Principal
from revledger.customers.schemas import ImportResponse
from revledger.kit.items import MAX_ITEMS, item_json, parse_items
from revledger.kit.pagination import DEFAULT_LIMIT
from revledger.openapi import responses
from revledger.plans import service
from revledger.plans.schemas import PlanList
from revledger.web import JSONOut, UnitOfWorkRoute, get_session

router = APIRouter(prefix="/api/v1/plans", tags=["plans"], route_class=UnitOfWorkRoute)
SessionDep = Annotated[Session, Depends(get_session)]


@router.post(
    "",
    response_model=ImportResponse,
    responses=responses(401, 403, 422),
    summary="Insert or update plans, one or up to 1,000 (scope: write:plans)",
)
def import_plans(
    payload: Annotated[
        Any,
        Body(
            examples=[
                {
                    "id": "plan_123",
                    "data_source": "stripe",
                    "name": "Pro monthly",
                    "interval_count": 1,
                    "interval_unit": "month",
                    "currency": "USD",
                    "amount_cents": 9900,
                }
            ]
        ),
    ],
    session: SessionDep,
    principal: Annotated[Principal, Depends(requires("write:plans"))],
) -> JSONOut:
    """Upserts by (`data_source`, `id`). Changing a plan's interval queues the metrics of
    every customer with an invoice on it for recalculation."""
    items = parse_items(payload)
    results = service.import_plans(session, principal.workspace_id, items)
    return JSONOut({"result": [item_json(r) for r in results]})


@router.get(
    "",
    response_model=PlanList,
    responses=responses(401, 403, 404, 422),
    summary="List a data source's plans, newest first (scope: read:plans)",
)
def list_plans(
    session: SessionDep,
    principal: Annotated[Principal, Depends(requires("read:plans"))],
    source: Annotated[str, Query(description="The data source's id (or name)")],
    limit: Annotated[int, Query(ge=1, le=MAX_ITEMS)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query()] = None,
) -> JSONOut:
    return JSONOut(service.page(session, principal.workspace_id, source, limit, cursor))
