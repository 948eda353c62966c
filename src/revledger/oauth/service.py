"""OAuth 2.0 client credentials (RFC 6749 section 4.4): clients, and the tokens they get.

A client is created by an admin with a set of scopes; its secret is shown once. The
token endpoint exchanges the client's id and secret for a bearer access token that
holds the client's scopes (or the subset the request names) and expires after
`TOKEN_TTL_SECONDS`. A token stops working at once when its client is revoked.
Failures are `OAuthError`s, which the router answers in RFC 6749's error shape.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from revledger.auth.models import OAuthAccessToken, OAuthClient
from revledger.auth.scopes import SCOPES, grants
from revledger.auth.service import Principal, validate_scopes
from revledger.errors import NotFound
from revledger.kit.ids import hash_secret, new_id, new_secret
from revledger.kit.timeutil import utcnow
from revledger.oauth import repository

CLIENT_SECRET_PREFIX = "rlc"
ACCESS_TOKEN_PREFIX = "rlt"
TOKEN_TTL_SECONDS = 1800
CLIENT_CREDENTIALS = "client_credentials"

# Compared against when the client is unknown, so that an unknown client and a wrong
# secret take the same work.
_NO_SECRET_HASH = hash_secret(f"{CLIENT_SECRET_PREFIX}_no-such-client")


class OAuthError(Exception):
    """An RFC 6749 section 5.2 error: its `error` code and description (the router
    answers `invalid_client` with 401, the others with 400).

    `basic`: the client authenticated with HTTP Basic, so a 401 must carry
    `WWW-Authenticate: Basic`.
    """

    def __init__(self, error: str, description: str, basic: bool = False):
        super().__init__(description)
        self.error = error
        self.description = description
        self.basic = basic


@dataclass(frozen=True)
class TokenRequest:
    """The token request's parameters, each None when absent or empty."""

    grant_type: str | None
    client_id: str | None
    client_secret: str | None
    scope: str | None
    basic: bool


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scopes: list[str]


# --- clients --------------------------------------------------------------------------


def create_client(
    session: Session, principal: Principal, name: str, scopes: list[str]
) -> tuple[OAuthClient, str]:
    """A new client of the principal's workspace; returns it and its secret."""
    secret = new_secret(CLIENT_SECRET_PREFIX)
    client = OAuthClient(
        id=new_id(),
        workspace_id=principal.workspace_id,
        name=name,
        scopes=validate_scopes(scopes),
        secret_hash=hash_secret(secret),
        secret_prefix=secret[:10],
        created_at=utcnow(),
    )
    repository.add(session, client)
    return client, secret


def list_clients(session: Session, principal: Principal) -> list[OAuthClient]:
    return repository.list_clients(session, principal.workspace_id)


def revoke_client(session: Session, principal: Principal, client_id: str) -> OAuthClient:
    client = repository.get_client(session, principal.workspace_id, client_id)
    if client is None:
        raise NotFound(f"OAuth client {client_id} not found")
    if client.revoked_at is None:
        repository.revoke_client(session, client, utcnow())
    return client


# --- the token endpoint ---------------------------------------------------------------


def issue_token(session: Session, request: TokenRequest) -> IssuedToken:
    if request.grant_type is None:
        raise OAuthError("invalid_request", "The grant_type parameter is missing.")
    if request.grant_type != CLIENT_CREDENTIALS:
        raise OAuthError(
            "unsupported_grant_type",
            f"Only grant_type={CLIENT_CREDENTIALS} is supported.",
        )
    client = _authenticate_client(session, request)
    scopes = _granted_scopes(client.scopes, request.scope)
    now = utcnow()
    repository.delete_expired_tokens(session, client.id, now)
    token = new_secret(ACCESS_TOKEN_PREFIX)
    repository.add(
        session,
        OAuthAccessToken(
            id=new_id(),
            workspace_id=client.workspace_id,
            client_id=client.id,
            token_hash=hash_secret(token),
            scopes=scopes,
            created_at=now,
            expires_at=now + timedelta(seconds=TOKEN_TTL_SECONDS),
        ),
    )
    return IssuedToken(access_token=token, expires_in=TOKEN_TTL_SECONDS, scopes=scopes)


def _authenticate_client(session: Session, request: TokenRequest) -> OAuthClient:
    if request.client_id is None and request.client_secret is None:
        raise OAuthError(
            "invalid_client",
            "Client authentication is missing: send client_id and client_secret "
            "in the body or with HTTP Basic.",
        )
    if request.client_id is None or request.client_secret is None:
        missing = "client_id" if request.client_id is None else "client_secret"
        raise OAuthError("invalid_request", f"The {missing} parameter is missing.")
    client = repository.active_client(session, request.client_id)
    presented = hash_secret(request.client_secret)
    expected = client.secret_hash if client is not None else _NO_SECRET_HASH
    if not hmac.compare_digest(presented, expected) or client is None:
        raise OAuthError(
            "invalid_client",
            "The client is unknown or revoked, or the secret is wrong.",
            basic=request.basic,
        )
    return client


def _granted_scopes(client_scopes: list[str], requested: str | None) -> list[str]:
    """The client's scopes, or the subset `requested` (space-delimited) names.

    A client holding `admin` may ask for any narrower scope, since `admin` implies them.
    """
    if requested is None:
        return list(client_scopes)
    wanted = list(dict.fromkeys(requested.split()))
    held = frozenset(client_scopes)
    beyond = [s for s in wanted if s not in SCOPES or not grants(held, s)]
    if beyond:
        raise OAuthError(
            "invalid_scope",
            f"The client does not hold the scope(s) {', '.join(beyond)}; "
            f"it holds {', '.join(client_scopes)}.",
        )
    if not wanted:
        return list(client_scopes)
    return wanted
