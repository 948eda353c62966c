"""Engine and sessions (which database a URL names: kit/sql.py).

One unit of work per request: the session is created lazily for the request and
committed by `UnitOfWorkRoute` after the handler returns, *before* the response is
sent, so a client never sees a success whose commit failed.

SQLite: WAL mode and a busy timeout so concurrent writers wait instead of failing,
and write requests open their transaction with `BEGIN IMMEDIATE` so a reader that
later writes can never hit SQLITE_BUSY_SNAPSHOT halfway through a request.

Lock order (README "Lock order and retries"). Every write transaction takes its row
locks in this sequence, and inside each table in key order, so two of them never wait
for each other:

1. an upload's row, when an upload chunk, repost or discard is posted;
2. the domain rows written: customers, plans, invoices (kit/sql.py `apply_upsert`: the
   new keys inserted sorted, then every other key locked sorted) or revenue records
   (inserted sorted by key);
3. what is derived from them in the same transaction: invoice versions (by invoice and
   version), revenue day counts (by key);
4. the customers' recalculation marks, `metrics_pending` (by customer pk);
5. the workspace's recognition counter row (periods/repository.py `lock`; closing and
   reopening a period start here and take nothing above);
6. after it, and only under it: accounting periods, GL account sets, schedules (updates
   by pk), events and items, journal batches.

The metrics worker claims marks (step 4) with SKIP LOCKED and then writes only its own
tables (movements, `mrr_daily` by key, its state row): an import never waits on those.

PostgreSQL may still end a transaction with a deadlock or a serialization failure (the
order is a promise of the code, not of the database). `retrying` runs a whole unit of
work again after rolling it back: the request's (web.py), an upload chunk's, a metrics
batch's.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from revledger.kit import sql

SQLITE_BUSY_TIMEOUT_S = 60
WRITE_OPTION = "revledger_write"
RETRY_ATTEMPTS = 5
"""Runs of one unit of work at most (the first and four retries)."""
RETRY_BACKOFF_S = 0.025
"""Retry n waits a random time up to this × 2ⁿ⁻¹ (full jitter, so that the transactions
that collided do not collide again in step)."""

log = logging.getLogger("revledger")
T = TypeVar("T")


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


def retrying(
    work: Callable[[], T],
    rollback: Callable[[], None],
    what: str,
    attempts: int | None = None,
) -> T:
    """`work()`, run again (after `rollback()`) while it fails with a deadlock or a
    serialization failure (`kit.sql.is_retryable`), at most `attempts` times in all.

    `work` must be the whole unit of work, from the start of its transaction to its
    commit, and depend only on its inputs and the database: everything it wrote was in
    the transaction that `rollback` ends, so running it again cannot post anything twice.
    Any other error, and the last retryable one, propagates (the caller rolls back).
    `attempts`: RETRY_ATTEMPTS unless given."""
    attempts = RETRY_ATTEMPTS if attempts is None else attempts
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except Exception as exc:
            if attempt == attempts or not sql.is_retryable(exc):
                raise
            rollback()
            pause = random.uniform(0, RETRY_BACKOFF_S * 2 ** (attempt - 1))
            log.info(
                "%s: %s; attempt %d of %d in %.3fs",
                what,
                _first_line(exc),
                attempt + 1,
                attempts,
                pause,
            )
            time.sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0]
