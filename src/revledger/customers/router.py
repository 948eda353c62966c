"""Customers (seed 003): bulk upsert and list (one customer with its MRR: metrics/router.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from sqlalchemy.orm import Session

from revledger.auth.dependencies import requires
from revledger.auth.service import Principal
from revledger.customers import service
from revledger.customers.schemas import CustomerList, ImportResponse
from revledger.kit.items import MAX_ITEMS, item_json, parse_items
from revledger.kit.pagination import DEFAULT_LIMIT
from revledger.openapi import responses
from revledger.web import JSONOut, UnitOfWorkRoute, get_session

router = APIRouter(prefix="/api/v1/customers", tags=["customers"], route_class=UnitOfWorkRoute)
SessionDep = Annotated[Session, Depends(get_session)]
Reader = Annotated[Principal, Depends(requires("read:customers"))]
Writer = Annotated[Principal, Depends(requires("write:customers"))]
Limit = Annotated[int, Query(ge=1, le=MAX_ITEMS, description="1 to 1,000")]
SourceParam = Annotated[str, Query(description="The data source's id (or name)")]


@router.post(
    "",
    response_model=ImportResponse,
    responses=responses(401, 403, 422),
    summary="Insert or update customers, one or up to 1,000 (scope: write:customers)",
)
def import_customers(
    payload: Annotated[
        Any, Body(examples=[{"id": "cus_123", "data_source": "stripe", "name": "Acme"}])
    ],
    session: SessionDep,
    principal: Writer,
) -> JSONOut:
    """Upserts by (`data_source`, `id`). Each item answers `inserted`, `updated`,
    `unchanged` or `error` with `import_error`; a bad item does not stop the others."""
    items = parse_items(payload)
    results = service.import_customers(session, principal.workspace_id, items)
    return JSONOut({"result": [item_json(r) for r in results]})


@router.get(
    "",
    response_model=CustomerList,
    responses=responses(401, 403, 404, 422),
    summary="List a data source's customers, newest first (scope: read:customers)",
)
def list_customers(
    session: SessionDep,
    principal: Reader,
    source: SourceParam,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> JSONOut:
    return JSONOut(service.page(session, principal.workspace_id, source, limit, cursor))
