"""Revenue sources: POST, list, get."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from revledger.auth.dependencies import requires
from revledger.auth.service import Principal
from revledger.kit.pagination import PageParams, page_meta, page_params
from revledger.kit.timeutil import format_utc
from revledger.openapi import responses
from revledger.sources import service
from revledger.sources.models import RevenueSource
from revledger.sources.schemas import RevenueSourceCreate, RevenueSourceEnvelope, RevenueSourceList
from revledger.web import JSONOut, UnitOfWorkRoute, get_session

router = APIRouter(
    prefix="/api/v1/revenue-sources", tags=["revenue sources"], route_class=UnitOfWorkRoute
)
SessionDep = Annotated[Session, Depends(get_session)]


def source_out(source: RevenueSource) -> dict[str, Any]:
    return {
        "id": source.id,
        "name": source.name,
        "kind": source.kind,
        "default_currency": source.default_currency,
        "recognition_rule": source.recognition_rule,
        "created_at": format_utc(source.created_at),
    }


@router.post(
    "",
    status_code=201,
    response_model=RevenueSourceEnvelope,
    responses=responses(401, 403, 409, 422),
    summary="Create a revenue source (scope: write:sources)",
)
def create_source(
    body: RevenueSourceCreate,
    session: SessionDep,
    principal: Annotated[Principal, Depends(requires("write:sources"))],
) -> JSONOut:
    """`name` is unique in the workspace: a second source of the same name is a 409."""
    source = service.create(session, principal.workspace_id, body)
    return JSONOut({"data": source_out(source)}, status_code=201)


@router.get(
    "",
    response_model=RevenueSourceList,
    responses=responses(401, 403, 422),
    summary="List revenue sources (scope: read:sources)",
)
def list_sources(
    session: SessionDep,
    principal: Annotated[Principal, Depends(requires("read:sources"))],
    params: Annotated[PageParams, Depends(page_params)],
) -> JSONOut:
    rows, total = service.page(session, principal, params)
    return JSONOut({"data": [source_out(s) for s in rows], "meta": page_meta(params, total)})


@router.get(
    "/{source_id}",
    response_model=RevenueSourceEnvelope,
    responses=responses(401, 403, 404),
    summary="Get a revenue source (scope: read:sources)",
)
def get_source(
    source_id: str,
    session: SessionDep,
    principal: Annotated[Principal, Depends(requires("read:sources"))],
) -> JSONOut:
    return JSONOut({"data": source_out(service.get(session, principal, source_id))})
