"""Backfill: schedules for invoices and revenue records stored before recognition existed.

A workspace whose data predates migration 0004 has invoices and records but no
recognition counter. `backfill` posts them all, in date order and in chunks, in one
transaction per workspace, exactly as if they had just been imported: a crash rolls the
workspace back and the next start does it again, so nothing is posted twice or lost.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, exists, or_, select
from sqlalchemy.orm import Session

from revledger.auth.models import Workspace
from revledger.db import Database
from revledger.invoices.models import Invoice
from revledger.kit.timeutil import utcnow
from revledger.recognition import service
from revledger.recognition.models import RecognitionCounter
from revledger.revenues.models import Revenue

CHUNK = 2_000
INVOICES = cast(Table, Invoice.__table__)
REVENUES = cast(Table, Revenue.__table__)


def backfill(db: Database, chunk: int = CHUNK) -> int:
    """Post every workspace that has data but no recognition yet; returns how many."""
    with db.session() as session:
        pending = list(
            session.scalars(
                select(Workspace.id).where(
                    ~exists().where(RecognitionCounter.workspace_id == Workspace.id),
                    or_(
                        exists().where(INVOICES.c.workspace_id == Workspace.id),
                        exists().where(REVENUES.c.workspace_id == Workspace.id),
                    ),
                )
            )
        )
    for workspace_id in pending:
        with db.session(write=True) as session, session.begin():
            _invoices(session, workspace_id, chunk)
            _revenues(session, workspace_id, chunk)
    return len(pending)


def _invoices(session: Session, workspace_id: str, chunk: int) -> None:
    after: tuple[Any, str] | None = None
    while True:
        stmt = select(INVOICES).where(INVOICES.c.workspace_id == workspace_id)
        if after is not None:
            stmt = stmt.where(
                or_(
                    INVOICES.c.date > after[0],
                    (INVOICES.c.date == after[0]) & (INVOICES.c.pk > after[1]),
                )
            )
        rows = [
            dict(r._mapping)
            for r in session.execute(stmt.order_by(INVOICES.c.date, INVOICES.c.pk).limit(chunk))
        ]
        if not rows:
            return
        service.post_invoices(session, workspace_id, rows, [], utcnow())
        after = (rows[-1]["date"], rows[-1]["pk"])


def _revenues(session: Session, workspace_id: str, chunk: int) -> None:
    after: tuple[Any, str] | None = None
    while True:
        stmt = select(REVENUES).where(REVENUES.c.workspace_id == workspace_id)
        if after is not None:
            stmt = stmt.where(
                or_(
                    REVENUES.c.occurred_at > after[0],
                    (REVENUES.c.occurred_at == after[0]) & (REVENUES.c.id > after[1]),
                )
            )
        rows = [
            dict(r._mapping)
            for r in session.execute(
                stmt.order_by(REVENUES.c.occurred_at, REVENUES.c.id).limit(chunk)
            )
        ]
        if not rows:
            return
        service.post_revenues(session, workspace_id, rows, utcnow())
        after = (rows[-1]["occurred_at"], rows[-1]["id"])
