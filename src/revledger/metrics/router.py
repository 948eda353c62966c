"""Metrics: MRR series, summary, movements, status; exchange rates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from sqlalchemy.orm import Session

from revledger.auth.dependencies import requires
from revledger.auth.service import Principal
from revledger.customers import service as customers
from revledger.customers.schemas import CustomerEnvelope, CustomerMrr
from revledger.kit.items import MAX_ITEMS, parse_items
from revledger.kit.pagination import DEFAULT_LIMIT
from revledger.metrics import service
from revledger.metrics.schemas import (
    MetricsStatusEnvelope,
    MovementList,
    MrrSeries,
    RateImportResponse,
    RateList,
    Summary,
)
from revledger.openapi import responses
from revledger.web import JSONOut, UnitOfWorkRoute, get_session

router = APIRouter(prefix="/api/v1", tags=["metrics"], route_class=UnitOfWorkRoute)
SessionDep = Annotated[Session, Depends(get_session)]
Reader = Annotated[Principal, Depends(requires("read:metrics"))]
DateParam = Annotated[str | None, Query(description="YYYY-MM-DD")]


@router.get(
    "/metrics/mrr",
    response_model=MrrSeries,
    responses=responses(401, 403, 404, 422),
    summary="MRR and its movements per interval (scope: read:metrics)",
)
def mrr(
    session: SessionDep,
    principal: Reader,
    start_date: DateParam = None,
    end_date: DateParam = None,
    interval: Annotated[str, Query(description="day, week, month, quarter or year")] = "month",
    source: Annotated[str | None, Query(description="Only this data source (id or name)")] = None,
    plan_id: Annotated[str | None, Query(description="Only the MRR of this plan")] = None,
) -> JSONOut:
    """One entry per interval: `date` is its last day, `mrr` and `customers` as of that
    day, movements summed over the interval. Amounts are integers in minor units of the
    reporting currency, each rounded half-up once from the exact value."""
    return JSONOut(
        service.series(session, principal, start_date, end_date, interval, source, plan_id)
    )


@router.get(
    "/metrics/summary",
    response_model=Summary,
    responses=responses(401, 403, 404, 422),
    summary="MRR, ARR, ARPA, churn and retention of a month (scope: read:metrics)",
)
def summary(
    session: SessionDep,
    principal: Reader,
    date: Annotated[str | None, Query(description="YYYY-MM-DD; default today")] = None,
    source: Annotated[str | None, Query()] = None,
) -> JSONOut:
    """The month ending at `date` is (date − 1 month, date]; `earlier` repeats the figures
    30, 60, 180 and 365 days before. Rates are decimal strings (0.0500 = 5 %)."""
    return JSONOut(service.summary(session, principal, date, source))


@router.get(
    "/metrics/movements",
    response_model=MovementList,
    responses=responses(401, 403, 404, 422),
    summary="Per-customer MRR movements in a date range (scope: read:metrics)",
)
def movements(
    session: SessionDep,
    principal: Reader,
    start_date: DateParam = None,
    end_date: DateParam = None,
    type: Annotated[
        str | None, Query(description="new, expansion, contraction, churn or reactivation")
    ] = None,
    source: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ITEMS)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query()] = None,
) -> JSONOut:
    return JSONOut(
        service.movement_list(session, principal, start_date, end_date, type, source, limit, cursor)
    )


@router.get(
    "/metrics/status",
    response_model=MetricsStatusEnvelope,
    responses=responses(401, 403),
    summary="Recalculation status and missing exchange rates (scope: read:metrics)",
)
def status(session: SessionDep, principal: Reader) -> JSONOut:
    return JSONOut(service.status(session, principal))


@router.post(
    "/exchange-rates",
    response_model=RateImportResponse,
    responses=responses(401, 403, 422),
    summary="Insert or update exchange rates into the reporting currency (scope: write:invoices)",
)
def import_rates(
    payload: Annotated[
        Any, Body(examples=[[{"date": "2024-07-01", "currency": "EUR", "rate": "1.0834"}]])
    ],
    session: SessionDep,
    principal: Annotated[Principal, Depends(requires("write:invoices"))],
) -> JSONOut:
    """`rate` is reporting-currency units per unit of `currency`, from `date` on (an invoice
    uses the latest rate on or before its start_date). Rates belong to the reporting
    currency current when they are posted."""
    items = parse_items(payload)
    results = service.import_rates(session, principal, items)
    return JSONOut({"result": [service.rate_json(r) for r in results]})


@router.get(
    "/exchange-rates",
    response_model=RateList,
    responses=responses(401, 403, 422),
    summary="List exchange rates into the reporting currency (scope: read:invoices)",
)
def list_rates(
    session: SessionDep,
    principal: Annotated[Principal, Depends(requires("read:invoices"))],
    currency: Annotated[str | None, Query()] = None,
) -> JSONOut:
    return JSONOut(service.list_rates(session, principal, currency))


@router.get(
    "/customers/{source}/{customer_id}",
    tags=["customers"],
    response_model=CustomerEnvelope,
    responses=responses(401, 403, 404),
    summary="One customer with its current MRR and subscriptions (scope: read:customers)",
)
def get_customer(
    source: str,
    customer_id: str,
    session: SessionDep,
    principal: Annotated[Principal, Depends(requires("read:customers"))],
) -> JSONOut:
    """`mrr` is today's, from the last recalculation (`metrics_pending` says whether one is
    due); `subscriptions` are rebuilt from the invoices as they are now."""
    row = customers.get_row(session, principal.workspace_id, source, customer_id)
    data = {**customers.customer_out(row), **service.customer_now(session, principal, row.pk)}
    return JSONOut({"data": data})


@router.get(
    "/customers/{source}/{customer_id}/mrr",
    tags=["customers"],
    response_model=CustomerMrr,
    responses=responses(401, 403, 404),
    summary="A customer's MRR history: every change and its movement (scope: read:metrics)",
)
def customer_mrr(
    source: str,
    customer_id: str,
    session: SessionDep,
    principal: Reader,
) -> JSONOut:
    row = customers.get_row(session, principal.workspace_id, source, customer_id)
    return JSONOut(
        {
            "data": service.customer_history(session, row.pk),
            "meta": {
                "currency": service.currency(session, principal.workspace_id),
                "source_id": row.source_id,
                "customer_id": row.external_id,
            },
        }
    )
