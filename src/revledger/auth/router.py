"""API keys and the key check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from revledger.auth import service
from revledger.auth.dependencies import requires
from revledger.auth.models import ApiKey
from revledger.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreatedEnvelope,
    ApiKeyEnvelope,
    ApiKeyListEnvelope,
    Ping,
)
from revledger.auth.service import Principal
from revledger.kit.timeutil import format_utc
from revledger.openapi import responses
from revledger.web import JSONOut, UnitOfWorkRoute, get_session

router = APIRouter(prefix="/api/v1", tags=["auth"], route_class=UnitOfWorkRoute)
SessionDep = Annotated[Session, Depends(get_session)]


def _key_out(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "scopes": key.scopes,
        "key_prefix": key.key_prefix,
        "created_at": format_utc(key.created_at),
        "revoked_at": format_utc(key.revoked_at) if key.revoked_at else None,
    }


@router.get("/ping", response_model=Ping, responses=responses(401), summary="Check an API key")
def ping(principal: Annotated[Principal, Depends(requires(None))]) -> JSONOut:
    """Any valid key. Answers with the key's workspace."""
    return JSONOut({"status": "ok", "service": "revledger", "workspace_id": principal.workspace_id})


@router.post(
    "/api-keys",
    status_code=201,
    response_model=ApiKeyCreatedEnvelope,
    responses=responses(401, 403, 422),
    summary="Create an API key (scope: admin)",
)
def create_api_key(
    body: ApiKeyCreate,
    session: SessionDep,
    principal: Annotated[Principal, Depends(requires("admin"))],
) -> JSONOut:
    key, secret = service.create_key(session, principal.workspace_id, body.name, body.scopes)
    return JSONOut(
        {
            "data": {
                "id": key.id,
                "name": key.name,
                "scopes": key.scopes,
                "key": secret,
                "created_at": format_utc(key.created_at),
            }
        },
        status_code=201,
    )


@router.get(
    "/api-keys",
    response_model=ApiKeyListEnvelope,
    responses=responses(401, 403),
    summary="List API keys without their secrets (scope: admin)",
)
def list_api_keys(
    session: SessionDep, principal: Annotated[Principal, Depends(requires("admin"))]
) -> JSONOut:
    return JSONOut({"data": [_key_out(k) for k in service.list_keys(session, principal)]})


@router.delete(
    "/api-keys/{key_id}",
    response_model=ApiKeyEnvelope,
    responses=responses(401, 403, 404),
    summary="Revoke an API key at once (scope: admin)",
)
def revoke_api_key(
    key_id: str, session: SessionDep, principal: Annotated[Principal, Depends(requires("admin"))]
) -> JSONOut:
    return JSONOut({"data": _key_out(service.revoke_key(session, principal, key_id))})
