"""Invoices (seed 003): bulk upsert, list, earlier versions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from sqlalchemy.orm import Session

from revledger.auth.dependencies import requires
from revledger.auth.service import Principal
from revledger.customers.schemas import ImportResponse
from revledger.invoices import service
from revledger.invoices.schemas import InvoiceList, InvoiceVersionsEnvelope
from revledger.kit.items import MAX_ITEMS, item_json, parse_items
from revledger.kit.pagination import DEFAULT_LIMIT
from revledger.openapi import responses
from revledger.web import JSONOut, UnitOfWorkRoute, get_session

router = APIRouter(prefix="/api/v1/invoices", tags=["invoices"], route_class=UnitOfWorkRoute)
SessionDep = Annotated[Session, Depends(get_session)]
Reader = Annotated[Principal, Depends(requires("read:invoices"))]

EXAMPLE = {
    "id": "inv_001",
    "customer_id": "cus_123",
    "data_source": "stripe",
    "type": "subscription",
    "date": "2024-07-01T00:00:00Z",
    "amount_cents": 9900,
    "currency": "USD",
    "plan_id": "plan_123",
    "subscription_id": "sub_001",
    "start_date": "2024-07-01T00:00:00Z",
    "end_date": "2024-08-01T00:00:00Z",
    "quantity": 1,
    "discount": 0,
}


@router.post(
    "",
    response_model=ImportResponse,
    responses=responses(401, 403, 422),
    summary="Insert or update invoices, one or up to 1,000 (scope: write:invoices)",
)
def import_invoices(
    payload: Annotated[Any, Body(examples=[EXAMPLE])],
    session: SessionDep,
    principal: Annotated[Principal, Depends(requires("write:invoices"))],
) -> JSONOut:
    """Upserts by (`data_source`, `id`); the customer and the plan must have been imported
    first. An update keeps the earlier version. The customers concerned are queued for
    metric recalculation, which happens after this call returns
    (`GET /api/v1/metrics/status`)."""
    items = parse_items(payload)
    results = service.import_invoices(session, principal.workspace_id, items)
    return JSONOut({"result": [item_json(r) for r in results]})


@router.get(
    "",
    response_model=InvoiceList,
    responses=responses(401, 403, 404, 422),
    summary="List a data source's invoices, newest date first (scope: read:invoices)",
)
def list_invoices(
    session: SessionDep,
    principal: Reader,
    source: Annotated[str, Query(description="The data source's id (or name)")],
    limit: Annotated[int, Query(ge=1, le=MAX_ITEMS)] = DEFAULT_LIMIT,
    customer_id: Annotated[str | None, Query()] = None,
    date_from: Annotated[
        str | None, Query(description="On `date`, inclusive: a date (its whole day) or a timestamp")
    ] = None,
    date_to: Annotated[
        str | None, Query(description="On `date`, inclusive: a date (its whole day) or a timestamp")
    ] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> JSONOut:
    return JSONOut(
        service.page(
            session,
            principal.workspace_id,
            principal.timezone,
            source,
            limit,
            customer_id,
            date_from,
            date_to,
            cursor,
        )
    )


@router.get(
    "/{source}/{invoice_id}/versions",
    response_model=InvoiceVersionsEnvelope,
    responses=responses(401, 403, 404),
    summary="An invoice and every earlier version of it (scope: read:invoices)",
)
def invoice_versions(
    source: str, invoice_id: str, session: SessionDep, principal: Reader
) -> JSONOut:
    return JSONOut(service.versions(session, principal.workspace_id, source, invoice_id))
