"""Every query on OAuth clients and access tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from revledger.auth.models import OAuthAccessToken, OAuthClient


def add(session: Session, obj: OAuthClient | OAuthAccessToken) -> None:
    session.add(obj)
    session.flush()


def list_clients(session: Session, workspace_id: str) -> list[OAuthClient]:
    return list(
        session.scalars(
            select(OAuthClient)
            .where(OAuthClient.workspace_id == workspace_id)
            .order_by(OAuthClient.created_at, OAuthClient.id)
        )
    )


def get_client(session: Session, workspace_id: str, client_id: str) -> OAuthClient | None:
    """A client of this workspace (an id of another workspace is not found)."""
    return session.scalars(
        select(OAuthClient).where(
            OAuthClient.workspace_id == workspace_id, OAuthClient.id == client_id
        )
    ).first()


def active_client(session: Session, client_id: str) -> OAuthClient | None:
    """An unrevoked client by its public id, in any workspace (the token endpoint)."""
    return session.scalars(
        select(OAuthClient).where(OAuthClient.id == client_id, OAuthClient.revoked_at.is_(None))
    ).first()


def revoke_client(session: Session, client: OAuthClient, when: datetime) -> None:
    """Revoke the client and drop its tokens (which stop working with the client anyway)."""
    session.execute(
        update(OAuthClient)
        .where(OAuthClient.id == client.id, OAuthClient.revoked_at.is_(None))
        .values(revoked_at=when)
    )
    session.execute(delete(OAuthAccessToken).where(OAuthAccessToken.client_id == client.id))
    session.refresh(client)


def delete_expired_tokens(session: Session, client_id: str, now: datetime) -> None:
    session.execute(
        delete(OAuthAccessToken).where(
            OAuthAccessToken.client_id == client_id, OAuthAccessToken.expires_at <= now
        )
    )
