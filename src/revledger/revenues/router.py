"""Revenue records, exactly as seed 000: create, batch, list, get, export."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session

from revledger.auth.dependencies import requires
from revledger.auth.service import Principal
from revledger.db import Database
from revledger.errors import MethodNotAllowed, summarize
from revledger.kit.pagination import PageParams, page_meta, page_params
from revledger.kit.timeutil import format_utc
from revledger.openapi import csv_content, responses
from revledger.problems import problem, problem_body
from revledger.revenues import service
from revledger.revenues.repository import RevenueFilter
from revledger.revenues.schemas import (
    MAX_BATCH,
    BatchCreate,
    BatchResult,
    RevenueCreated,
    RevenueEnvelope,
    RevenueList,
)
from revledger.revenues.service import Posted
from revledger.web import JSONOut, UnitOfWorkRoute, dumps, get_db, get_session

router = APIRouter(prefix="/api/v1/revenues", tags=["revenues"], route_class=UnitOfWorkRoute)
SessionDep = Annotated[Session, Depends(get_session)]
Reader = Annotated[Principal, Depends(requires("read:revenues"))]
Writer = Annotated[Principal, Depends(requires("write:revenues"))]


def revenue_filter(
    principal: Reader,
    type: Annotated[str | None, Query(description="sale, refund or adjustment")] = None,
    revenue_source_id: Annotated[str | None, Query()] = None,
    currency: Annotated[str | None, Query(description="ISO 4217 code")] = None,
    date_from: Annotated[
        str | None,
        Query(description="On occurred_at, inclusive: a date (its whole day) or a timestamp"),
    ] = None,
    date_to: Annotated[
        str | None,
        Query(description="On occurred_at, inclusive: a date (its whole day) or a timestamp"),
    ] = None,
    search: Annotated[
        str | None,
        Query(
            description="Case-insensitive substring of external_id, "
            "external_product_identifier or description"
        ),
    ] = None,
) -> RevenueFilter:
    return service.parse_filter(
        principal, type, revenue_source_id, currency, date_from, date_to, search
    )


Filter = Annotated[RevenueFilter, Depends(revenue_filter)]

_CREATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RevenueCreate"}}},
    }
}


@router.post(
    "",
    status_code=201,
    response_model=RevenueCreated,
    responses={
        **responses(401, 403, 422),
        200: {"model": RevenueCreated, "description": "Duplicate"},
    },
    openapi_extra=_CREATE_BODY,
    summary="Create a revenue record (scope: write:revenues)",
)
def create_revenue(payload: Annotated[Any, Body()], session: SessionDep, principal: Writer) -> Any:
    """A sale (> 0), refund (< 0) or adjustment (≠ 0). The same `external_id` again for the
    same source answers 200 `skipped_duplicate` with the stored record, and
    `mismatched_fields` when the retried payload differs."""
    (outcome,) = service.post_records(session, principal.workspace_id, [payload])
    if outcome.kind is Posted.INVALID:
        return problem(422, summarize(list(outcome.errors)), outcome.errors)
    return JSONOut(_answer(outcome), status_code=_STATUS[outcome.kind])


_STATUS = {Posted.CREATED: 201, Posted.DUPLICATE: 200, Posted.INVALID: 422}


def _answer(outcome: service.Outcome) -> dict[str, Any]:
    """The body a single POST of this record answers."""
    if outcome.kind is Posted.INVALID:
        return problem_body(422, summarize(list(outcome.errors)), outcome.errors)
    body: dict[str, Any] = {"data": outcome.record, "outcome": outcome.kind.value}
    if outcome.mismatched_fields:
        body["mismatched_fields"] = list(outcome.mismatched_fields)
    return body


@router.post(
    "/batch",
    response_model=BatchResult,
    responses=responses(401, 403, 422),
    summary="Create up to 100 revenue records (scope: write:revenues)",
)
def create_revenues_batch(body: BatchCreate, session: SessionDep, principal: Writer) -> JSONOut:
    """Each record is judged alone and answered with the status and body a single POST
    would give; a bad record does not stop the others."""
    outcomes = service.post_records(session, principal.workspace_id, body.records)
    items = [
        {
            "index": i,
            "success": o.kind is not Posted.INVALID,
            "status": _STATUS[o.kind],
            "response": _answer(o),
        }
        for i, o in enumerate(outcomes)
    ]
    succeeded = sum(1 for item in items if item["success"])
    return JSONOut(
        {
            "data": items,
            "meta": {
                "processed": len(items),
                "succeeded": succeeded,
                "failed": len(items) - succeeded,
                "limit": MAX_BATCH,
            },
        }
    )


@router.get(
    "",
    response_model=RevenueList,
    responses=responses(401, 403, 422),
    summary="List revenue records, newest first (scope: read:revenues)",
)
def list_revenues(
    session: SessionDep,
    principal: Reader,
    f: Filter,
    params: Annotated[PageParams, Depends(page_params)],
) -> JSONOut:
    rows, total = service.page(session, principal, f, params)
    return JSONOut({"data": rows, "meta": page_meta(params, total)})


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        **responses(401, 403, 422),
        200: {
            "description": "Every matching record, streamed",
            "content": {
                "application/x-ndjson": {
                    "schema": {
                        "type": "string",
                        "description": "One JSON object per line, each a RevenueOut",
                    }
                },
                **csv_content("A header row, then one row per record"),
            },
        },
    },
    summary="Export every matching record as NDJSON or CSV (scope: read:revenues)",
)
def export_revenues(
    principal: Reader,
    f: Filter,
    db: Annotated[Database, Depends(get_db)],
    format: Annotated[Literal["ndjson", "csv"], Query()] = "ndjson",
) -> StreamingResponse:
    """No paging: streams in constant memory, newest first, with the list's filters."""
    rows = service.export_rows(db, principal, f)
    # Run the query before the 200 goes out: an error becomes a problem response, not a
    # truncated file after a success status.
    first = next(rows, None)
    if first is not None:
        rows = itertools.chain([first], rows)
    if format == "csv":
        return StreamingResponse(
            _csv_lines(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="revenues.csv"'},
        )
    return StreamingResponse(_ndjson_lines(rows), media_type="application/x-ndjson")


def _ndjson_lines(rows: Iterator[service.RevenueOut]) -> Iterator[bytes]:
    chunk: list[bytes] = []
    for row in rows:
        chunk.append(dumps(row) + b"\n")
        if len(chunk) >= 500:
            yield b"".join(chunk)
            chunk = []
    if chunk:
        yield b"".join(chunk)


def _csv_lines(rows: Iterator[service.RevenueOut]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(service.CSV_COLUMNS)
    for n, row in enumerate(rows, 1):
        metadata = row["metadata"]
        cells: dict[str, Any] = {
            **row,
            "metadata": dumps(metadata).decode() if metadata is not None else "",
            "occurred_at": format_utc(row["occurred_at"]),
            "created_at": format_utc(row["created_at"]),
        }
        writer.writerow(["" if cells[c] is None else cells[c] for c in service.CSV_COLUMNS])
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@router.get(
    "/{revenue_id}",
    response_model=RevenueEnvelope,
    responses=responses(401, 403, 404),
    summary="Get a revenue record (scope: read:revenues)",
)
def get_revenue(revenue_id: str, session: SessionDep, principal: Reader) -> JSONOut:
    return JSONOut({"data": service.get(session, principal, revenue_id)})


IMMUTABLE = (
    "Revenue records are immutable and cannot be changed or deleted; "
    "post corrections as refund or adjustment records."
)


def change_revenue(revenue_id: str) -> None:
    raise MethodNotAllowed(IMMUTABLE, headers={"Allow": "GET"})


for _method in ("PUT", "PATCH", "DELETE"):
    router.add_api_route(
        "/{revenue_id}",
        change_revenue,
        methods=[_method],
        operation_id=f"{_method.lower()}_revenue_not_allowed",
        status_code=405,
        response_class=Response,
        responses=responses(405),
        summary="Not allowed: revenue records are immutable",
    )
