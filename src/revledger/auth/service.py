"""Workspaces, API keys and authentication. Keys are shown once and stored as a hash."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from revledger.auth import repository
from revledger.auth.models import ApiKey, Workspace
from revledger.auth.scopes import ADMIN, SCOPES, grants
from revledger.errors import (
    ErrorCode,
    FieldError,
    Forbidden,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from revledger.kit.ids import hash_secret, new_id, new_secret
from revledger.kit.timeutil import utcnow

KEY_PREFIX = "rl"
ACCESS_TOKEN_PREFIX = "rlt_"  # OAuth access tokens (revledger.oauth)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the workspace and the scopes its credential holds."""

    workspace_id: str
    credential_id: str
    scopes: frozenset[str]
    timezone: str = "UTC"

    def require(self, scope: str) -> None:
        if not grants(self.scopes, scope):
            raise Forbidden(f"This credential lacks the required scope '{scope}'.")


def create_workspace(session: Session, name: str, demo: bool = False) -> tuple[Workspace, str]:
    """A new workspace and an API key holding every scope; returns the key's secret."""
    workspace = Workspace(id=new_id(), name=name, timezone="UTC", is_demo=demo, created_at=utcnow())
    repository.add(session, workspace)
    _key, secret = create_key(session, workspace.id, "default", [ADMIN])
    return workspace, secret


def validate_scopes(scopes: list[str]) -> list[str]:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationFailed(
            [
                FieldError(
                    "scopes", ErrorCode.INVALID, f"unknown scope '{s}'; known: {', '.join(SCOPES)}"
                )
                for s in unknown
            ]
        )
    return list(dict.fromkeys(scopes))


def create_key(
    session: Session, workspace_id: str, name: str, scopes: list[str]
) -> tuple[ApiKey, str]:
    secret = new_secret(KEY_PREFIX)
    key = ApiKey(
        id=new_id(),
        workspace_id=workspace_id,
        name=name,
        scopes=validate_scopes(scopes),
        key_hash=hash_secret(secret),
        key_prefix=secret[:10],
        created_at=utcnow(),
    )
    repository.add(session, key)
    return key, secret


def list_keys(session: Session, principal: Principal) -> list[ApiKey]:
    return repository.list_keys(session, principal.workspace_id)


def revoke_key(session: Session, principal: Principal, key_id: str) -> ApiKey:
    key = repository.get_key(session, principal.workspace_id, key_id)
    if key is None:
        raise NotFound(f"API key {key_id} not found")
    if key.revoked_at is None:
        repository.revoke_key(session, key, utcnow())
    return key


def authenticate(session: Session, authorization: str | None) -> Principal:
    if not authorization:
        raise Unauthorized("Missing Authorization header; send 'Authorization: Bearer <api key>'.")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Authorization must be 'Bearer <api key>'.")
    found = repository.active_key_by_hash(session, hash_secret(token))
    if found is None and token.startswith(ACCESS_TOKEN_PREFIX):
        # Not an API key: an OAuth access token (client credentials), valid until it
        # expires or its client is revoked.
        found = repository.active_token_by_hash(session, hash_secret(token), utcnow())
        if found is None:
            raise Unauthorized("The access token is unknown or expired, or its client was revoked.")
    if found is None:
        raise Unauthorized("The API key is unknown or revoked.")
    key_id, workspace_id, scopes, timezone = found
    return Principal(
        workspace_id=workspace_id,
        credential_id=key_id,
        scopes=frozenset(scopes),
        timezone=timezone,
    )
