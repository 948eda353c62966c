"""Engine and sessions (which database a URL names: kit/sql.py).

One unit of work per request: the session is created lazily for the request and
committed by `UnitOfWorkRoute` after the handler returns, *before* the response is
sent, so a client never sees a success whose commit failed.

SQLite: WAL mode and a busy timeout so concurrent writers wait instead of failing,
and write requests open their transaction with `BEGIN IMMEDIATE` so a reader that
later writes can never hit SQLITE_BUSY_SNAPSHOT halfway through a request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from revledger.kit import sql

SQLITE_BUSY_TIMEOUT_S = 60
WRITE_OPTION = "revledger_write"


class Base(DeclarativeBase):
    pass


def make_engine(url: str, prepared_statements: bool = True, **kwargs: Any) -> Engine:
    """`prepared_statements=False`: never prepare statements on the server (psycopg's
    `prepare_threshold=None`), as a transaction-pooling PgBouncer requires."""
    if sql.is_sqlite_url(url):
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 60)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    # Pinned, not inherited from the server: idempotent posting relies on READ COMMITTED
    # (a conflicting insert waits, then the next statement sees the winner's row), and
    # timestamps are read in UTC whatever the server's or role's timezone.
    kwargs.setdefault("isolation_level", "READ COMMITTED")
    connect_args: dict[str, Any] = {"options": "-c timezone=UTC"}
    if not prepared_statements:
        connect_args["prepare_threshold"] = None
    kwargs.setdefault("connect_args", connect_args)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """The engine plus two session factories: one for reads, one for writes."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sqlite = sql.is_sqlite_url(url)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    def session(self, write: bool = False) -> Session:
        return (self._write if write else self._read)()

    def dispose(self) -> None:
        self.engine.dispose()
