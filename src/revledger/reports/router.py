"""HTTP routes of the reports domain: recognized revenue, deferred revenue, waterfall.

JSON by default; `Accept: text/csv` answers the same numbers as CSV with a header row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from revledger.auth.dependencies import requires
from revledger.auth.service import Principal
from revledger.db import Database
from revledger.kit.pagination import PageParams, page_params
from revledger.openapi import csv_content, responses
from revledger.reports import service
from revledger.reports.schemas import DeferredReport, RecognizedReport, WaterfallReport
from revledger.web import JSONOut, UnitOfWorkRoute, get_db, get_session

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], route_class=UnitOfWorkRoute)
SessionDep = Annotated[Session, Depends(get_session)]
Reader = Annotated[Principal, Depends(requires("read:recognition"))]
PeriodParam = Annotated[
    str | None,
    Query(description="A period: `Jan'2026` (month in any case) or `2026-01`"),
]
AcceptHeader = Annotated[str | None, Header(description="`text/csv` for CSV")]
CSV_MEDIA = "text/csv; charset=utf-8"


def _doc(description: str) -> dict[int | str, dict[str, Any]]:
    return {
        **responses(401, 403, 422),
        200: {
            "description": f"{description}; with `Accept: text/csv`, the same as CSV",
            "content": csv_content("A header row, then the report's rows"),
        },
    }


def wants_csv(accept: str | None) -> bool:
    """`Accept: text/csv` (alone or among others, before any JSON type) asks for CSV."""
    if not accept:
        return False
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if "text/csv" not in types:
        return False
    json_types = [t for t in types if t in ("application/json", "application/*")]
    return not json_types or types.index("text/csv") < types.index(json_types[0])


def _csv_text(lines: Iterable[list[str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for n, line in enumerate(lines, 1):
        writer.writerow(line)
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(lines: Iterable[list[str]], filename: str) -> StreamingResponse:
    return StreamingResponse(
        _csv_text(lines),
        media_type=CSV_MEDIA,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/recognized-revenue",
    response_model=RecognizedReport,
    responses=_doc("Recognized revenue per group, currency and period"),
    summary="Recognized revenue per period, grouped (scope: read:recognition)",
)
def recognized_revenue(
    session: SessionDep,
    principal: Reader,
    start_period: PeriodParam = None,
    end_period: PeriodParam = None,
    group_by: Annotated[
        str | None,
        Query(description="source, plan, product, customer or currency (default)"),
    ] = None,
    accept: AcceptHeader = None,
) -> Response:
    """Revenue recognized in each period of the range (at most 250), per group and
    currency (currencies are never added together), with a total per row and per
    currency. Default range: the workspace's first to last accounting period."""
    report = service.recognized_revenue(session, principal, start_period, end_period, group_by)
    if wants_csv(accept):
        return csv_response(service.recognized_csv(report), "recognized-revenue.csv")
    return JSONOut(report)


@router.get(
    "/deferred-revenue",
    response_model=DeferredReport,
    responses=_doc("Deferred balance per revenue schedule at the end of a period"),
    summary="Deferred revenue per schedule at the end of a period (scope: read:recognition)",
)
def deferred_revenue(
    session: SessionDep,
    principal: Reader,
    db: Annotated[Database, Depends(get_db)],
    params: Annotated[PageParams, Depends(page_params)],
    as_of: Annotated[
        str | None,
        Query(description="YYYY-MM-DD; default today in the workspace's timezone"),
    ] = None,
    accept: AcceptHeader = None,
) -> Response:
    """Balances at the end of the accounting period (calendar month) containing `as_of`:
    billed through it, recognized through it, deferred = billed − recognized, for every
    schedule whose balance is not zero, in schedule number order; `totals` per currency
    cover every schedule. CSV streams every schedule (no paging) then `Total` lines."""
    if wants_csv(accept):
        # validation and the totals run here, before the 200; the rows stream after it
        lines = service.deferred_csv(session, db, principal, as_of)
        return csv_response(lines, "deferred-revenue.csv")
    return JSONOut(service.deferred_revenue(session, principal, as_of, params))


@router.get(
    "/waterfall",
    response_model=WaterfallReport,
    responses=_doc("Billed periods against recognized periods, with balances"),
    summary="Revenue waterfall: billed period x recognized period (scope: read:recognition)",
)
def waterfall(
    session: SessionDep,
    principal: Reader,
    start_period: PeriodParam = None,
    end_period: PeriodParam = None,
    accept: AcceptHeader = None,
) -> Response:
    """Rows: the period revenue was billed in (plus `earlier`, billed before the range,
    and `later`, billed after it but recognized within it); columns: the periods of the
    range it is recognized in. Each row: billed = recognized_before + Σ columns +
    deferred. `summary`: per period, billed and recognized in and through it and the
    deferred balance at its end (billed_to_date = recognized_to_date + deferred)."""
    report = service.waterfall(session, principal, start_period, end_period)
    if wants_csv(accept):
        return csv_response(service.waterfall_csv(report), "waterfall.csv")
    return JSONOut(report)
