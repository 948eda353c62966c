"""Applying Alembic migrations programmatically (`revledger db upgrade`, serve, tests),
then the one data migration that needs the domains' code: the backfill.

A workspace whose data predates migration 0004 has invoices and records but no
recognition counter. `backfill` posts them all, in date order and in chunks, in one
transaction per workspace, exactly as if they had just been imported: a crash rolls the
workspace back and the next start does it again, so nothing is posted twice or lost.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from alembic import command
from alembic.config import Config
from sqlalchemy import Table

from revledger.db import Database
from revledger.invoices.models import Invoice
from revledger.invoices.repository import StoredInvoice
from revledger.invoices.service import post_recognition as post_invoice_recognition
from revledger.kit import sql
from revledger.kit.timeutil import utcnow
from revledger.periods import repository as periods
from revledger.recognition import service as recognition
from revledger.recognition.records import PostedRevenue
from revledger.revenues.models import Revenue

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, prepared_statements: bool = True) -> None:
    """Apply every migration, then post revenue schedules for data stored before
    recognition existed (nothing to do on a new database). `prepared_statements`: as
    `Settings.pg_prepared_statements`."""
    config = alembic_config(url)
    config.attributes["prepared_statements"] = prepared_statements
    command.upgrade(config, "head")
    db = Database(url, prepared_statements=prepared_statements)
    try:
        backfill(db)
    finally:
        db.dispose()


CHUNK = 2_000
INVOICES = cast(Table, Invoice.__table__)
REVENUES = cast(Table, Revenue.__table__)


def backfill(db: Database, chunk: int = CHUNK) -> int:
    """Post every workspace that has data but no recognition yet; returns how many."""
    with db.session() as session:
        pending = periods.unposted_workspaces(session, [INVOICES, REVENUES])
    for workspace_id in pending:
        with db.session(write=True) as session, session.begin():
            by_date = (INVOICES.c.date, INVOICES.c.pk)
            for rows in sql.keyset_chunks(session, INVOICES, by_date, workspace_id, chunk):
                invoices = cast(list[StoredInvoice], rows)  # whole rows of invoices
                post_invoice_recognition(session, workspace_id, invoices, [], utcnow())
            by_moment = (REVENUES.c.occurred_at, REVENUES.c.id)
            for rows in sql.keyset_chunks(session, REVENUES, by_moment, workspace_id, chunk):
                records = cast(list[PostedRevenue], rows)  # whole rows of revenues
                recognition.post_revenues(session, workspace_id, records, utcnow())
    return len(pending)
