"""Revenue sources: names are unique per workspace."""

from __future__ import annotations

from sqlalchemy.orm import Session

from revledger.auth.service import Principal
from revledger.errors import Conflict, NotFound
from revledger.kit.ids import new_id
from revledger.kit.pagination import PageParams
from revledger.kit.timeutil import utcnow
from revledger.sources import repository
from revledger.sources.models import RevenueSource
from revledger.sources.schemas import RevenueSourceCreate


def create(session: Session, workspace_id: str, body: RevenueSourceCreate) -> RevenueSource:
    source_id = new_id()
    inserted = repository.insert_if_name_free(
        session,
        {
            "id": source_id,
            "workspace_id": workspace_id,
            "name": body.name,
            "kind": body.kind,
            "default_currency": body.default_currency,
            "recognition_rule": body.recognition_rule,
            "created_at": utcnow(),
        },
    )
    if not inserted:
        raise Conflict(f"A revenue source named '{body.name}' already exists in this workspace.")
    source = repository.get(session, workspace_id, source_id)
    assert source is not None
    return source


def get(session: Session, principal: Principal, source_id: str) -> RevenueSource:
    source = repository.get(session, principal.workspace_id, source_id)
    if source is None:
        raise NotFound(f"Revenue source {source_id} not found")
    return source


def page(
    session: Session, principal: Principal, params: PageParams
) -> tuple[list[RevenueSource], int]:
    rows = repository.page(session, principal.workspace_id, params.offset, params.per_page)
    return rows, repository.count(session, principal.workspace_id)
