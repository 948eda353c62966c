"""Applying Alembic migrations programmatically (`revledger db upgrade`, serve, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Apply every migration, then post revenue schedules for data stored before
    recognition existed (recognition/jobs.py; nothing to do on a new database)."""
    command.upgrade(alembic_config(url), "head")
    from revledger.db import Database
    from revledger.recognition.jobs import backfill

    db = Database(url)
    try:
        backfill(db)
    finally:
        db.dispose()
