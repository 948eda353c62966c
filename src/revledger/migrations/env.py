"""Alembic environment: one set of migrations for SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from revledger import models  # noqa: F401  (registers every table on Base.metadata)
from revledger.db import Base, make_engine
from revledger.kit import sql

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sql.is_sqlite(connection),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(
        context.config.get_main_option("sqlalchemy.url") or "",
        prepared_statements=context.config.attributes.get("prepared_statements", True),
    )
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


run_migrations_online()
