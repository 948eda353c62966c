"""Every query on workspaces and credentials (API keys, OAuth clients and tokens)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from revledger.auth.models import ApiKey, OAuthAccessToken, OAuthClient, Workspace


def add(session: Session, obj: Workspace | ApiKey) -> None:
    session.add(obj)
    session.flush()


def get_workspace(session: Session, workspace_id: str) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def find_demo_workspace(session: Session) -> Workspace | None:
    return session.scalars(select(Workspace).where(Workspace.is_demo.is_(True))).first()


def active_key_by_hash(session: Session, key_hash: str) -> tuple[str, str, list[str], str] | None:
    """(key id, workspace id, scopes, workspace timezone) of an unrevoked key."""
    row = session.execute(
        select(ApiKey.id, ApiKey.workspace_id, ApiKey.scopes, Workspace.timezone)
        .join(Workspace, Workspace.id == ApiKey.workspace_id)
        .where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    ).first()
    return (row[0], row[1], row[2], row[3]) if row else None


def list_keys(session: Session, workspace_id: str) -> list[ApiKey]:
    return list(
        session.scalars(
            select(ApiKey)
            .where(ApiKey.workspace_id == workspace_id)
            .order_by(ApiKey.created_at, ApiKey.id)
        )
    )


def get_key(session: Session, workspace_id: str, key_id: str) -> ApiKey | None:
    return session.scalars(
        select(ApiKey).where(ApiKey.workspace_id == workspace_id, ApiKey.id == key_id)
    ).first()


def revoke_key(session: Session, key: ApiKey, when: datetime) -> None:
    session.execute(
        update(ApiKey)
        .where(ApiKey.id == key.id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=when)
    )
    session.refresh(key)


def active_token_by_hash(
    session: Session, token_hash: str, now: datetime
) -> tuple[str, str, list[str], str] | None:
    """(token id, workspace id, scopes, workspace timezone) of a token that has not
    expired and whose client is not revoked."""
    row = session.execute(
        select(
            OAuthAccessToken.id,
            OAuthAccessToken.workspace_id,
            OAuthAccessToken.scopes,
            Workspace.timezone,
        )
        .join(OAuthClient, OAuthClient.id == OAuthAccessToken.client_id)
        .join(Workspace, Workspace.id == OAuthAccessToken.workspace_id)
        .where(
            OAuthAccessToken.token_hash == token_hash,
            OAuthAccessToken.expires_at > now,
            OAuthClient.revoked_at.is_(None),
        )
    ).first()
    return (row[0], row[1], row[2], row[3]) if row else None
