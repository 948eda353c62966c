"""OAuth 2.0 client credentials: clients (admin) and the token endpoint.

The token endpoint is not a JSON endpoint: it reads an application/x-www-form-urlencoded
body and answers errors in RFC 6749's shape (`{"error", "error_description"}`), not as
problem details. It needs no API key: the client authenticates with its id and secret.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import unquote_plus

from fastapi import APIRouter, Depends, Header, Request
from sqlalchemy.orm import Session

from revledger.auth.dependencies import requires
from revledger.auth.models import OAuthClient
from revledger.auth.service import Principal
from revledger.kit.timeutil import format_utc
from revledger.oauth import service
from revledger.oauth.schemas import (
    OAuthClientCreate,
    OAuthClientCreatedEnvelope,
    OAuthClientEnvelope,
    OAuthClientListEnvelope,
    OAuthErrorBody,
    TokenForm,
    TokenResponse,
)
from revledger.oauth.service import OAuthError, TokenRequest
from revledger.openapi import responses
from revledger.web import JSONOut, UnitOfWorkRoute, get_session

router = APIRouter(prefix="/api/v1", tags=["oauth"], route_class=UnitOfWorkRoute)
SessionDep = Annotated[Session, Depends(get_session)]
AdminDep = Annotated[Principal, Depends(requires("admin"))]

FORM = "application/x-www-form-urlencoded"
TOKEN_PARAMETERS = ("grant_type", "client_id", "client_secret", "scope")
# RFC 6749 section 5.1: responses with tokens or credentials must not be cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
BASIC_CHALLENGE = 'Basic realm="revledger"'


def _client_out(client: OAuthClient) -> dict[str, Any]:
    return {
        "id": client.id,
        "client_id": client.id,
        "name": client.name,
        "scopes": client.scopes,
        "secret_prefix": client.secret_prefix,
        "created_at": format_utc(client.created_at),
        "revoked_at": format_utc(client.revoked_at) if client.revoked_at else None,
    }


@router.post(
    "/oauth-clients",
    status_code=201,
    response_model=OAuthClientCreatedEnvelope,
    responses=responses(401, 403, 422),
    summary="Create an OAuth client (scope: admin)",
)
def create_oauth_client(
    body: OAuthClientCreate, session: SessionDep, principal: AdminDep
) -> JSONOut:
    """The client's tokens hold at most `scopes`. `client_secret` is shown only here."""
    client, secret = service.create_client(session, principal, body.name, body.scopes)
    return JSONOut(
        {
            "data": {
                "id": client.id,
                "client_id": client.id,
                "client_secret": secret,
                "name": client.name,
                "scopes": client.scopes,
                "created_at": format_utc(client.created_at),
            }
        },
        status_code=201,
    )


@router.get(
    "/oauth-clients",
    response_model=OAuthClientListEnvelope,
    responses=responses(401, 403),
    summary="List OAuth clients without their secrets (scope: admin)",
)
def list_oauth_clients(session: SessionDep, principal: AdminDep) -> JSONOut:
    return JSONOut({"data": [_client_out(c) for c in service.list_clients(session, principal)]})


@router.delete(
    "/oauth-clients/{client_id}",
    response_model=OAuthClientEnvelope,
    responses=responses(401, 403, 404),
    summary="Revoke an OAuth client and its tokens at once (scope: admin)",
)
def revoke_oauth_client(client_id: str, session: SessionDep, principal: AdminDep) -> JSONOut:
    return JSONOut({"data": _client_out(service.revoke_client(session, principal, client_id))})


# --- the token endpoint ---------------------------------------------------------------


@dataclass(frozen=True)
class _Form:
    """The body's parameters, or None when it is not form-encoded."""

    items: list[tuple[str, str]] | None


async def _read_form(request: Request) -> _Form:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        return _Form(None)
    form = await request.form()
    return _Form([(k, v) for k, v in form.multi_items() if isinstance(v, str)])


def _token_request(form: _Form, authorization: str | None) -> TokenRequest:
    """RFC 6749 sections 2.3.1, 3.2 and 4.4.2: one value per parameter, an empty value is
    an absent one, and the client authenticates in the body or with HTTP Basic, not both."""
    if form.items is None:
        raise OAuthError("invalid_request", f"The request body must be {FORM}.")
    values: dict[str, str] = {}
    for name, value in form.items:
        if name not in TOKEN_PARAMETERS or value == "":
            continue  # unknown parameters are ignored (section 3.2)
        if name in values:
            raise OAuthError("invalid_request", f"The {name} parameter is given more than once.")
        if "\x00" in value:
            raise OAuthError("invalid_request", f"The {name} parameter contains a NUL character.")
        values[name] = value
    basic = _basic_credentials(authorization)
    client_id, client_secret = values.get("client_id"), values.get("client_secret")
    if basic is not None:
        if client_secret is not None or (client_id is not None and client_id != basic[0]):
            raise OAuthError(
                "invalid_request",
                "Send the client credentials either with HTTP Basic or in the body, not both.",
            )
        client_id, client_secret = basic
    return TokenRequest(
        grant_type=values.get("grant_type"),
        client_id=client_id,
        client_secret=client_secret,
        scope=values.get("scope"),
        basic=basic is not None,
    )


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """(client id, secret) from `Authorization: Basic`, None for any other scheme."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    client_id, colon, secret = decoded.partition(":")
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    if not colon or not client_id or not secret or "\x00" in client_id + secret:
        raise OAuthError(
            "invalid_client",
            "The Basic credentials must be base64 of 'client_id:client_secret'.",
            basic=True,
        )
    return client_id, secret


def _error_response(error: OAuthError) -> JSONOut:
    """RFC 6749 section 5.2: a client that failed to authenticate is a 401, the rest 400."""
    status = 401 if error.error == "invalid_client" else 400
    headers = dict(NO_STORE)
    if status == 401 and error.basic:
        headers["WWW-Authenticate"] = BASIC_CHALLENGE
    body = {"error": error.error, "error_description": error.description}
    return JSONOut(body, status_code=status, headers=headers)


_TOKEN_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": OAuthErrorBody,
        "description": "invalid_request, unsupported_grant_type or invalid_scope",
    },
    401: {
        "model": OAuthErrorBody,
        "description": "invalid_client: unknown or revoked client, or wrong secret",
    },
}


@router.post(
    "/oauth/token",
    response_model=TokenResponse,
    responses=_TOKEN_ERRORS,
    summary="Exchange OAuth client credentials for an access token",
    openapi_extra={
        "security": [],
        "requestBody": {
            "required": True,
            "content": {FORM: {"schema": TokenForm.model_json_schema()}},
        },
    },
)
def issue_token(
    form: Annotated[_Form, Depends(_read_form)],
    session: SessionDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> JSONOut:
    """OAuth 2.0 client credentials grant (RFC 6749 section 4.4), form-encoded:
    `grant_type=client_credentials`, the client's `client_id` and `client_secret` in the
    body or with HTTP Basic, and an optional space-separated `scope` narrowing the token
    to some of the client's scopes. Needs no API key.

    The token is used as `Authorization: Bearer <access_token>` wherever an API key is,
    expires after `expires_in` seconds (1800) and stops working at once when its client
    is revoked. Errors are RFC 6749's `{"error", "error_description"}`.
    """
    try:
        issued = service.issue_token(session, _token_request(form, authorization))
    except OAuthError as error:
        return _error_response(error)
    body = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": " ".join(issued.scopes),
    }
    return JSONOut(body, headers=NO_STORE)
