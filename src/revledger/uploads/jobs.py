"""Processing uploads in the background: pre-stage, staging, recovery after a crash.

An upload is worked on by whoever holds its lease (`lease_owner`, `lease_until`): the
request that received it (a background task right after the 202), the CLI, or the
worker thread of a server that finds an unfinished upload whose lease ran out (its
process stopped). Every chunk of rows is posted and the upload's progress (`rows_done`,
counts) updated in ONE transaction, guarded by `rows_done = <what we read> AND
lease_owner = <us>`: a restart resumes right after the last committed chunk, and a
process that lost its lease can never post a chunk twice (its transaction rolls back).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable

import orjson
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from revledger.db import Database
from revledger.kit import sql
from revledger.kit.ids import new_id
from revledger.kit.timeutil import utcnow
from revledger.kit.worker import PollingWorker
from revledger.uploads import files, repository, service
from revledger.uploads.files import FileProblem
from revledger.uploads.models import Upload
from revledger.uploads.repository import FINAL, UploadChanges
from revledger.uploads.rules import INVALID, Converter, Layout, Problem, layout
from revledger.uploads.service import DUPLICATE, ERROR, LEASE, POSTED, Judged

log = logging.getLogger("revledger.uploads")
CHUNK = 2000
"""Rows posted per transaction."""
PRE_STAGE_FLUSH = 1000
"""Failing rows of pre-stage written per transaction."""
RENEW_EVERY = 20_000
"""Rows checked in pre-stage between two renewals of the lease."""
MAX_ATTEMPTS = 5
"""An upload taken over this many times (each time its processor died) is failed."""

Progress = Callable[[Upload], None]


class _Lost(Exception):
    """Another processor holds the upload now: stop, post nothing more."""


def new_owner(kind: str = "worker") -> str:
    return f"{kind}:{socket.gethostname()[:20]}:{os.getpid()}:{new_id()[-12:]}"


def claim(db: Database, upload_id: str, owner: str) -> bool:
    now = utcnow()
    with db.session(write=True) as session, session.begin():
        return repository.take_lease(session, upload_id, owner, now + LEASE, now)


def _advance(session: Session, u: Upload, owner: str, values: UploadChanges) -> None:
    now = utcnow()
    values = {"updated_at": now, "lease_until": now + LEASE, **values}
    if not repository.advance(session, u.id, owner, u.rows_done, values):
        raise _Lost(u.id)


def process(
    db: Database,
    upload_id: str,
    owner: str,
    chunk_size: int = CHUNK,
    stop_after_chunks: int | None = None,
    on_progress: Progress | None = None,
) -> str:
    """Work on an upload whose lease `owner` holds until it is finished; its status.

    `stop_after_chunks` stops (leaving the upload `staging`, as a crash would) after
    that many chunks: for tests of recovery and for benchmarks."""
    try:
        return _process(db, upload_id, owner, chunk_size, stop_after_chunks, on_progress)
    except _Lost:
        log.warning("upload %s was taken over by another processor; stopping", upload_id)
        return "lost"


def _process(
    db: Database,
    upload_id: str,
    owner: str,
    chunk_size: int,
    stop_after_chunks: int | None,
    on_progress: Progress | None,
) -> str:
    with db.session(write=True) as session, session.begin():
        u = repository.get_any(session, upload_id)
        if u is None:
            return "missing"
        if u.status in FINAL or u.lease_owner != owner:
            return u.status
        if u.attempts > MAX_ATTEMPTS:
            _advance(
                session,
                u,
                owner,
                _final("failed", u, f"processing stopped {u.attempts - 1} times; gave up"),
            )
            session.flush()
            files.remove(u.path)
            return "failed"
        if u.status == "received":
            now = utcnow()
            _advance(session, u, owner, {"status": "pre_staging", "pre_staging_at": now})
            u.status = "pre_staging"
            u.pre_staging_at = now
    template = service.upload_template(u)
    lay = layout(template, orjson.loads(u.header))
    converter = Converter(lay, u.revenue_source_id)
    if u.status == "pre_staging" and not _pre_stage(db, u, owner, lay, converter, on_progress):
        return "failed"
    return _stage(db, u, owner, lay, converter, chunk_size, stop_after_chunks, on_progress)


def _final(status: str, u: Upload, message: str | None = None) -> UploadChanges:
    return {
        "status": status,
        "finished_at": utcnow(),
        "lease_owner": None,
        "lease_until": None,
        "message": message,
    }


def _pre_stage(
    db: Database,
    u: Upload,
    owner: str,
    lay: Layout,
    converter: Converter,
    on_progress: Progress | None,
) -> bool:
    """All or nothing: every row is checked; True if all pass (the upload is then
    `staging`), else the upload is `failed` with every failing row kept and listed."""
    with db.session(write=True) as session, session.begin():
        _advance(session, u, owner, {"rows_checked": 0})
        repository.clear(session, u.id)
        header_problems = service.missing_columns_problems(lay)
        if header_problems:
            repository.add_rows(
                session, [], service.error_rows(u, 0, 1, header_problems, "pre_stage")
            )
    pending: list[Judged] = []
    failing = 0
    total = 0

    def flush(values: UploadChanges) -> None:
        with db.session(write=True) as session, session.begin():
            _advance(session, u, owner, values)
            rows, errors = service.kept_rows(u, pending, "pre_stage")
            repository.add_rows(session, rows, errors)
        pending.clear()

    convert = converter.convert
    try:
        for number, line, cells in files.records(u.path or "", lay.template.delimiter):
            total += 1
            problems = convert(cells)[1]
            if problems:
                failing += 1
                pending.append(Judged(number, line, cells, ERROR, problems))
                if len(pending) >= PRE_STAGE_FLUSH:
                    flush({"rows_checked": total})
            if total % RENEW_EVERY == 0:
                flush({"rows_checked": total})
                u.rows_checked = total
                if on_progress is not None:
                    on_progress(u)
    except FileProblem as exc:
        failing += 1
        total += 1
        problem = Problem(exc.column, None, exc.code, exc.message)
        pending.append(Judged(exc.row_number, exc.line, [], ERROR, [problem]))
    except FileNotFoundError:
        flush(_final("failed", u, "the uploaded file is gone from the upload directory"))
        return False
    ok = not failing and not lay.missing
    if ok:
        now = utcnow()
        values: UploadChanges = {
            "status": "staging",
            "staging_at": now,
            "rows_total": total,
            "rows_checked": total,
        }
        flush(values)
        u.status, u.staging_at, u.rows_total, u.rows_checked = "staging", now, total, total
        return True
    message = (
        f"pre-stage failed: {failing} of {total} rows"
        + (f" and the header ({len(lay.missing)} missing columns)" if lay.missing else "")
        + " have errors; nothing was posted"
    )
    flush(
        {
            **_final("failed", u, message),
            "rows_total": total,
            "rows_checked": total,
            "rows_error": failing,
        }
    )
    files.remove(u.path)
    return False


def _post_isolated(
    session: Session,
    u: Upload,
    lay: Layout,
    converter: Converter,
    rows: list[tuple[int, int, list[str]]],
) -> list[Judged]:
    """post_rows in a SAVEPOINT; if the database refuses a value, halve the chunk until
    the row it refuses is alone, and keep that row as an error. Any other failure (a
    deadlock, a lost connection) propagates: the chunk rolls back, progress does not
    move, and the chunk is retried, so no valid row is ever parked as an error."""
    try:
        with session.begin_nested():
            return service.post_rows(session, u.workspace_id, lay, converter, rows)
    except (DataError, IntegrityError) as exc:
        if len(rows) == 1:
            number, line, cells = rows[0]
            log.info("upload %s row %s cannot be stored: %s", u.id, number, exc)
            problem = Problem(None, None, INVALID, "a value of this row cannot be stored")
            return [Judged(number, line, cells, ERROR, [problem])]
    half = len(rows) // 2
    return _post_isolated(session, u, lay, converter, rows[:half]) + _post_isolated(
        session, u, lay, converter, rows[half:]
    )


def _stage(
    db: Database,
    u: Upload,
    owner: str,
    lay: Layout,
    converter: Converter,
    chunk_size: int,
    stop_after_chunks: int | None,
    on_progress: Progress | None,
) -> str:
    chunks = 0
    chunk: list[tuple[int, int, list[str]]] = []

    def commit() -> None:
        with db.session(write=True) as session, session.begin():
            # The guarded UPDATE first: it locks the upload row, so a second processor
            # waits here and then finds rows_done moved on (and rolls back).
            counts = {POSTED: 0, DUPLICATE: 0, ERROR: 0}
            done = u.rows_done + len(chunk)
            _advance(session, u, owner, {"rows_done": done})
            judged = _post_isolated(session, u, lay, converter, chunk)
            for j in judged:
                counts[j.status] += 1
            rows, errors = service.kept_rows(u, judged, "stage")
            repository.add_rows(session, rows, errors)
            repository.add_counts(
                session,
                u.id,
                {
                    "rows_posted": counts[POSTED],
                    "rows_duplicate": counts[DUPLICATE],
                    "rows_error": counts[ERROR],
                },
            )
        u.rows_done = done
        u.rows_posted += counts[POSTED]
        u.rows_duplicate += counts[DUPLICATE]
        u.rows_error += counts[ERROR]
        chunk.clear()
        if on_progress is not None:
            on_progress(u)

    try:
        for row in files.records(u.path or "", lay.template.delimiter, skip=u.rows_done):
            chunk.append(row)
            if len(chunk) >= chunk_size:
                commit()
                chunks += 1
                if stop_after_chunks is not None and chunks >= stop_after_chunks:
                    return "staging"
        if chunk:
            commit()
    except (FileProblem, FileNotFoundError) as exc:
        with db.session(write=True) as session, session.begin():
            _advance(session, u, owner, _final("failed", u, f"the file cannot be read on: {exc}"))
        return "failed"
    status = "completed_with_errors" if u.rows_error else "completed"
    with db.session(write=True) as session, session.begin():
        _advance(session, u, owner, _final(status, u))
    u.status = status
    files.remove(u.path)
    if on_progress is not None:
        on_progress(u)
    return status


def run_in_background(db: Database, upload_id: str) -> None:
    """The background task of POST /uploads: process the upload the request received."""
    owner = service.request_owner(upload_id)
    try:
        if claim(db, upload_id, owner):
            process(db, upload_id, owner)
    except Exception:  # the lease runs out and a worker resumes it
        log.exception("upload %s: processing failed; a worker will resume it", upload_id)


def run_once(db: Database, workspace_id: str | None = None, owner: str | None = None) -> int:
    """Take and finish the unfinished uploads nobody holds; how many were taken.

    A plain read first, so an idle worker never opens a write transaction."""
    owner = owner or new_owner()
    now = utcnow()
    postgresql = sql.is_postgresql(db.engine)
    with db.session() as session:
        ids = repository.claimable(session, now, 20, False)
        if workspace_id is not None:
            ids = [i for i in ids if _workspace(session, i) == workspace_id]
    if not ids:
        return 0
    taken = 0
    for upload_id in ids:
        with db.session(write=True) as session, session.begin():
            free = repository.claimable(session, now, 20, postgresql)
            if upload_id not in free or not repository.take_lease(
                session, upload_id, owner, now + LEASE, now
            ):
                continue
        taken += 1
        try:
            process(db, upload_id, owner)
        except Exception:
            log.exception("upload %s: processing failed; it will be retried", upload_id)
    return taken


def _workspace(session: Session, upload_id: str) -> str | None:
    u = repository.get_any(session, upload_id)
    return u.workspace_id if u is not None else None


def run_until_idle(db: Database, workspace_id: str | None = None) -> int:
    """Finish every unfinished upload nobody holds (tests, `revledger worker --once`)."""
    total = 0
    while True:
        done = run_once(db, workspace_id)
        if not done:
            return total
        total += done


class Worker(PollingWorker):
    """Resumes uploads whose processor stopped (a restarted server), on a daemon thread."""

    name = "revledger-uploads"

    def __init__(self, db: Database, poll_seconds: float = 5.0) -> None:
        super().__init__(poll_seconds)
        self.db = db
        self.owner = new_owner()

    def poll(self) -> int:
        run_once(self.db, owner=self.owner)
        return 0  # a resumed upload ran to its end in the round: wait before the next
