"""Every query on upload templates, uploads and the rows kept with their errors."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypedDict, cast

from sqlalchemy import Row, Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from revledger.uploads.models import Upload, UploadError, UploadRow, UploadTemplate

TT = cast(Table, UploadTemplate.__table__)
U = cast(Table, Upload.__table__)
R = cast(Table, UploadRow.__table__)
E = cast(Table, UploadError.__table__)

ACTIVE = ("received", "pre_staging", "staging")
FINAL = ("completed", "completed_with_errors", "failed")


class TemplateRow(TypedDict):
    """An `upload_templates` row (models.UploadTemplate), every column."""

    id: str
    workspace_id: str
    name: str
    version: int
    target: str
    definition: str
    """JSON of rules.TemplateDefinition."""
    created_at: datetime


class UploadChanges(TypedDict, total=False):
    """Columns of `uploads` (models.Upload) that processing and reposts set."""

    status: str
    message: str | None
    rows_total: int
    rows_checked: int
    rows_done: int
    rows_error: int
    pre_staging_at: datetime
    staging_at: datetime
    finished_at: datetime
    updated_at: datetime
    lease_owner: str | None
    lease_until: datetime | None


class RowCounts(TypedDict, total=False):
    """Amounts added to an upload's counts of rows."""

    rows_posted: int
    rows_duplicate: int
    rows_error: int
    rows_discarded: int


class KeptRow(TypedDict):
    """An `upload_rows` row (models.UploadRow), every column."""

    upload_id: str
    row_number: int
    workspace_id: str
    target: str
    phase: str
    line: int
    cells: str
    """JSON list of the row's original cells."""
    created_at: datetime


class ErrorRow(TypedDict):
    """An `upload_errors` row (models.UploadError), every column."""

    upload_id: str
    row_number: int
    seq: int
    workspace_id: str
    target: str
    phase: str
    line: int
    column: str | None
    value: str | None
    code: str
    message: str


# --- templates --------------------------------------------------------------------------


def latest_templates(session: Session, workspace_id: str) -> list[Row[Any]]:
    newest = (
        select(TT.c.name, func.max(TT.c.version).label("version"))
        .where(TT.c.workspace_id == workspace_id)
        .group_by(TT.c.name)
        .subquery()
    )
    return list(
        session.execute(
            select(TT)
            .join(newest, and_(TT.c.name == newest.c.name, TT.c.version == newest.c.version))
            .where(TT.c.workspace_id == workspace_id)
            .order_by(TT.c.name)
        )
    )


def template(
    session: Session, workspace_id: str, name: str, version: int | None
) -> Row[Any] | None:
    stmt = select(TT).where(TT.c.workspace_id == workspace_id, TT.c.name == name)
    if version is not None:
        stmt = stmt.where(TT.c.version == version)
    return session.execute(stmt.order_by(TT.c.version.desc()).limit(1)).first()


def insert_template(session: Session, values: TemplateRow) -> None:
    session.execute(insert(TT).values(**values))


# --- uploads ----------------------------------------------------------------------------


def add_upload(session: Session, upload: Upload) -> None:
    session.add(upload)
    session.flush()


def get(session: Session, workspace_id: str, upload_id: str) -> Upload | None:
    return session.scalars(
        select(Upload).where(Upload.workspace_id == workspace_id, Upload.id == upload_id)
    ).first()


def get_any(session: Session, upload_id: str) -> Upload | None:
    return session.get(Upload, upload_id, populate_existing=True)


def by_idempotency_key(session: Session, workspace_id: str, key: str) -> Upload | None:
    return session.scalars(
        select(Upload).where(Upload.workspace_id == workspace_id, Upload.idempotency_key == key)
    ).first()


def page(
    session: Session,
    workspace_id: str,
    status: str | None,
    target: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Upload], int]:
    where = [Upload.workspace_id == workspace_id]
    if status is not None:
        where.append(Upload.status == status)
    if target is not None:
        where.append(Upload.target == target)
    rows = session.scalars(
        select(Upload)
        .where(*where)
        .order_by(Upload.received_at.desc(), Upload.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    total = session.scalar(select(func.count()).select_from(Upload).where(*where)) or 0
    return list(rows), total


def claimable(session: Session, now: datetime, limit: int, postgresql: bool) -> list[str]:
    """Unfinished uploads nobody holds (no lease, or an expired one), oldest first."""
    stmt = (
        select(U.c.id)
        .where(
            U.c.status.in_(ACTIVE),
            or_(U.c.lease_until.is_(None), U.c.lease_until < now),
        )
        .order_by(U.c.received_at)
        .limit(limit)
    )
    if postgresql:
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def take_lease(
    session: Session, upload_id: str, owner: str, until: datetime, now: datetime
) -> bool:
    """Atomically take an upload whose lease is free, expired or already ours."""
    result = session.execute(
        update(U)
        .where(
            U.c.id == upload_id,
            U.c.status.in_(ACTIVE),
            or_(U.c.lease_until.is_(None), U.c.lease_until < now, U.c.lease_owner == owner),
        )
        .values(lease_owner=owner, lease_until=until, attempts=U.c.attempts + 1)
    )
    return cast(int, getattr(result, "rowcount", 0)) == 1


def advance(
    session: Session,
    upload_id: str,
    owner: str,
    expected_done: int,
    values: UploadChanges,
) -> bool:
    """Move an upload on, only if we still hold it and nobody moved it meanwhile (the
    guard that makes every chunk count exactly once)."""
    result = session.execute(
        update(U)
        .where(U.c.id == upload_id, U.c.lease_owner == owner, U.c.rows_done == expected_done)
        .values(**values)
    )
    return cast(int, getattr(result, "rowcount", 0)) == 1


def lock(session: Session, upload_id: str) -> None:
    """Hold the upload's row until the transaction ends (PostgreSQL: FOR UPDATE; SQLite
    write transactions are already exclusive)."""
    session.execute(select(U.c.id).where(U.c.id == upload_id).with_for_update())


def set_values(session: Session, upload_id: str, values: UploadChanges) -> None:
    session.execute(update(U).where(U.c.id == upload_id).values(**values))


def add_counts(
    session: Session, upload_id: str, counts: RowCounts, now: datetime | None = None
) -> None:
    """Add to the counts in the database (`updated_at` set to `now`, when given)."""
    added = {name: U.c[name] + n for name, n in counts.items()}
    stmt = update(U).where(U.c.id == upload_id)
    session.execute(stmt.values(**added) if now is None else stmt.values(updated_at=now, **added))


# --- rows kept with their errors --------------------------------------------------------


def add_rows(session: Session, rows: list[KeptRow], errors: list[ErrorRow]) -> None:
    if rows:
        session.execute(insert(R), rows)
    if errors:
        session.execute(insert(E), errors)


def clear(session: Session, upload_id: str, phase: str | None = None) -> int:
    where_r = [R.c.upload_id == upload_id]
    where_e = [E.c.upload_id == upload_id]
    if phase is not None:
        where_r.append(R.c.phase == phase)
        where_e.append(E.c.phase == phase)
    session.execute(delete(E).where(*where_e))
    result = session.execute(delete(R).where(*where_r))
    return cast(int, getattr(result, "rowcount", 0))


def rows_by_number(session: Session, upload_id: str, numbers: Sequence[int]) -> dict[int, Row[Any]]:
    if not numbers:
        return {}
    rows = session.execute(
        select(R).where(R.c.upload_id == upload_id, R.c.row_number.in_(list(numbers)))
    )
    return {r.row_number: r for r in rows}


def remove_rows(session: Session, upload_id: str, numbers: Iterable[int]) -> None:
    numbers = list(numbers)
    for i in range(0, len(numbers), 500):
        part = numbers[i : i + 500]
        session.execute(delete(E).where(E.c.upload_id == upload_id, E.c.row_number.in_(part)))
        session.execute(delete(R).where(R.c.upload_id == upload_id, R.c.row_number.in_(part)))


def set_row_cells(session: Session, upload_id: str, row_number: int, cells: str) -> None:
    session.execute(
        update(R)
        .where(R.c.upload_id == upload_id, R.c.row_number == row_number)
        .values(cells=cells)
    )


def replace_errors(
    session: Session, upload_id: str, numbers: Iterable[int], errors: list[ErrorRow]
) -> None:
    numbers = list(numbers)
    for i in range(0, len(numbers), 500):
        part = numbers[i : i + 500]
        session.execute(delete(E).where(E.c.upload_id == upload_id, E.c.row_number.in_(part)))
    if errors:
        session.execute(insert(E), errors)


def _error_filter(
    workspace_id: str, upload_id: str | None, target: str | None, phase: str | None
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [E.c.workspace_id == workspace_id]
    if upload_id is not None:
        where.append(E.c.upload_id == upload_id)
    if target is not None:
        where.append(E.c.target == target)
    if phase is not None:
        where.append(E.c.phase == phase)
    return where


def error_page(
    session: Session,
    workspace_id: str,
    upload_id: str | None,
    target: str | None,
    phase: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Row[Any]], int]:
    where = _error_filter(workspace_id, upload_id, target, phase)
    rows = session.execute(
        select(E)
        .where(*where)
        .order_by(E.c.upload_id, E.c.row_number, E.c.seq)
        .offset(offset)
        .limit(limit)
    ).all()
    total = session.scalar(select(func.count()).select_from(E).where(*where)) or 0
    return list(rows), total


def row_batches(session: Session, upload_id: str, size: int = 1000) -> Iterator[list[Row[Any]]]:
    """The kept rows of an upload by row number, a batch at a time (keyset)."""
    after = -1
    while True:
        rows = session.execute(
            select(R)
            .where(R.c.upload_id == upload_id, R.c.row_number > after)
            .order_by(R.c.row_number)
            .limit(size)
        ).all()
        if not rows:
            return
        yield list(rows)
        after = rows[-1].row_number


def errors_of_rows(
    session: Session, upload_id: str, first: int, last: int
) -> dict[int, list[Row[Any]]]:
    out: dict[int, list[Row[Any]]] = {}
    for e in session.execute(
        select(E)
        .where(E.c.upload_id == upload_id, E.c.row_number.between(first, last))
        .order_by(E.c.row_number, E.c.seq)
    ):
        out.setdefault(e.row_number, []).append(e)
    return out


def header_errors(session: Session, upload_id: str) -> list[Row[Any]]:
    return list(
        session.execute(
            select(E).where(E.c.upload_id == upload_id, E.c.row_number == 0).order_by(E.c.seq)
        )
    )


def workspaces(session: Session) -> list[Row[str, str, bool, str]]:
    """Every workspace (id, name, is_demo, timezone): `revledger import` picks one."""
    from revledger.auth.models import Workspace as W

    return list(session.execute(select(W.id, W.name, W.is_demo, W.timezone).order_by(W.created_at)))
