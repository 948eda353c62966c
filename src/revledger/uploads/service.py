"""Upload templates and uploads: the rules (no SQL: repository.py; no HTTP: router.py).

Posting goes through the very services of the API (revenues.post_records, the seed-003
import functions), so a row of a file is judged exactly as the same record sent as JSON.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypedDict

import orjson
from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from revledger.auth.service import Principal
from revledger.customers.service import import_customers
from revledger.errors import (
    Conflict,
    ErrorCode,
    FieldError,
    NotFound,
    ValidationFailed,
    field_error,
)
from revledger.invoices.service import import_invoices
from revledger.kit.ids import new_id
from revledger.kit.items import ImportStatus, Item
from revledger.kit.timeutil import utcnow
from revledger.plans.service import import_plans
from revledger.revenues.service import Posted, post_records
from revledger.sources import repository as sources
from revledger.uploads import files, repository
from revledger.uploads.files import FileProblem
from revledger.uploads.models import Upload
from revledger.uploads.repository import ErrorRow, KeptRow
from revledger.uploads.rules import (
    ERROR_COLUMNS,
    INVALID,
    KEY_FIELDS,
    MAP_FIELDS,
    MISSING_COLUMN,
    MISSING_VALUE,
    SOURCE_FIELDS,
    UNKNOWN_REFERENCE,
    Converter,
    Layout,
    Problem,
    Template,
    fit,
    layout,
    norm,
)
from revledger.uploads.schemas import TemplateIn
from revledger.uploads.templates import BUILTIN, check_template

LEASE = timedelta(seconds=60)
"""How long an upload stays with the process working on it without news of it (each
chunk renews it). A process that stopped loses it after this; another then resumes."""
POSTED, DUPLICATE, ERROR = "posted", "duplicate", "error"


# --- what the routers answer (the wire shapes of schemas.py's response models) -----------


class UploadOut(TypedDict):
    """An upload as the API shows it (the wire shape of `schemas.UploadOut`)."""

    id: str
    status: str
    filename: str
    template: str
    template_version: int
    target: str
    sha256: str
    size_bytes: int
    revenue_source_id: str | None
    idempotency_key: str | None
    rows_total: int | None
    rows_checked: int
    rows_processed: int
    rows_posted: int
    rows_duplicate: int
    rows_error: int
    rows_discarded: int
    message: str | None
    created_at: datetime
    received_at: datetime
    started_at: datetime | None
    pre_staging_at: datetime | None
    staging_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime


class ErrorOut(TypedDict):
    """A kept error of an upload (the wire shape of `schemas.ErrorOut`)."""

    upload_id: str
    row_number: int
    row: int
    line: int
    column: str | None
    value: str | None
    code: str
    message: str
    target: str
    phase: str


class RepostError(TypedDict):
    """A line of a repost file that failed (the wire shape of `schemas.RepostError`)."""

    row_number: int | None
    row: int | None
    line: int
    column: str | None
    value: str | None
    code: str
    message: str


class RepostOut(TypedDict):
    """What a repost did (the wire shape of `schemas.RepostOut`)."""

    rows_total: int
    rows_posted: int
    rows_duplicate: int
    rows_error: int
    errors: list[RepostError]
    upload: UploadOut


class DiscardOut(TypedDict):
    """What a discard did (the wire shape of `schemas.DiscardOut`)."""

    upload_id: str
    discarded: int
    upload: UploadOut


# --- templates ----------------------------------------------------------------------------


def _stored(row: Row[Any]) -> Template:
    return Template.from_definition(
        row.name, row.target, row.version, row.definition, created_at=row.created_at
    )


def list_templates(session: Session, workspace_id: str) -> list[Template]:
    own = [_stored(r) for r in repository.latest_templates(session, workspace_id)]
    return [*BUILTIN.values(), *own]


def find_template(
    session: Session, workspace_id: str, name: str, version: int | None = None
) -> Template | None:
    if name in BUILTIN:
        builtin = BUILTIN[name]
        return builtin if version in (None, 1) else None
    row = repository.template(session, workspace_id, name, version)
    return _stored(row) if row is not None else None


def get_template(
    session: Session, workspace_id: str, name: str, version: int | None = None
) -> Template:
    found = find_template(session, workspace_id, name, version)
    if found is None:
        which = f" version {version}" if version is not None else ""
        raise NotFound(f"Upload template '{name}'{which} not found")
    return found


def save_template(session: Session, workspace_id: str, body: TemplateIn) -> tuple[Template, bool]:
    """A new template, or a new version of one when its definition changes; (template,
    whether a version was created). The same definition again creates nothing."""
    new = check_template(body)
    current = find_template(session, workspace_id, new.name)
    if (
        current is not None
        and current.target == new.target
        and current.definition() == new.definition()
    ):
        return current, False
    version = 1 if current is None else current.version + 1
    now = utcnow()
    try:
        with session.begin_nested():
            repository.insert_template(
                session,
                {
                    "id": new_id(),
                    "workspace_id": workspace_id,
                    "name": new.name,
                    "version": version,
                    "target": new.target,
                    "definition": new.definition_json(),
                    "created_at": now,
                },
            )
    except IntegrityError:
        raise Conflict(
            f"Upload template '{new.name}' was changed at the same time; send it again"
        ) from None
    return Template.from_definition(
        new.name, new.target, version, new.definition(), created_at=now
    ), True


# --- uploads ------------------------------------------------------------------------------


class HeadersDoNotFit(ValidationFailed):
    """No template fits the file's header; `expected` lists every template's."""

    def __init__(self, header: list[str], expected: dict[str, list[str]]) -> None:
        super().__init__(
            [FieldError("file", ErrorCode.INVALID, f"headers {header} fit no template")],
            "The file's headers fit no upload template; name one with `template`, or use "
            "the headers of one of the templates listed in `expected_headers`",
        )
        self.expected = expected


def upload_out(u: Upload) -> UploadOut:
    return {
        "id": u.id,
        "status": u.status,
        "filename": u.filename,
        "template": u.template_name,
        "template_version": u.template_version,
        "target": u.target,
        "sha256": u.sha256,
        "size_bytes": u.size_bytes,
        "revenue_source_id": u.revenue_source_id,
        "idempotency_key": u.idempotency_key,
        "rows_total": u.rows_total,
        "rows_checked": u.rows_checked,
        "rows_processed": u.rows_done,
        "rows_posted": u.rows_posted,
        "rows_duplicate": u.rows_duplicate,
        "rows_error": u.rows_error,
        "rows_discarded": u.rows_discarded,
        "message": u.message,
        "created_at": u.received_at,
        "received_at": u.received_at,
        "started_at": u.pre_staging_at,
        "pre_staging_at": u.pre_staging_at,
        "staging_at": u.staging_at,
        "finished_at": u.finished_at,
        "updated_at": u.updated_at,
    }


def upload_template(u: Upload) -> Template:
    return Template.from_definition(
        u.template_name, u.target, u.template_version, u.template_definition
    )


def _detect(session: Session, workspace_id: str, path: Path) -> tuple[Template, list[str]]:
    candidates = list_templates(session, workspace_id)
    best: tuple[int, int, Template, list[str]] | None = None
    headers: dict[str, list[str] | None] = {}
    for order, t in enumerate(reversed(candidates)):  # own templates before built-ins
        if t.delimiter not in headers:
            try:
                headers[t.delimiter] = files.read_header(path, t.delimiter)
            except FileProblem as exc:
                raise field_error("file", exc.message) from None
        header = headers[t.delimiter]
        if header is None:
            raise field_error("file", "the file is empty: it needs a header row")
        score = fit(t, header)
        if score is not None and (best is None or score > best[0]):
            best = (score, -order, t, header)
    if best is None:
        header = next((h for h in headers.values() if h), [])
        raise HeadersDoNotFit(header, {t.name: t.expected_headers() for t in candidates})
    return best[2], best[3]


def _header(path: Path, template: Template) -> list[str]:
    try:
        header = files.read_header(path, template.delimiter)
    except FileProblem as exc:
        raise field_error("file", exc.message) from None
    if header is None:
        raise field_error("file", "the file is empty: it needs a header row")
    return header


def create_upload(
    session: Session,
    principal: Principal,
    sink: files.Sink,
    directory: Path,
    filename: str,
    template_name: str | None,
    source_ref: str | None,
    idempotency_key: str | None,
) -> tuple[Upload, bool]:
    """Record a received file (already on disk as `sink`); (upload, whether it is the
    replay of an earlier upload with the same Idempotency-Key)."""
    ws = principal.workspace_id
    if idempotency_key is not None:
        if not 1 <= len(idempotency_key) <= 255 or "\x00" in idempotency_key:
            raise field_error("Idempotency-Key", "must be 1 to 255 characters")
        first = repository.by_idempotency_key(session, ws, idempotency_key)
        if first is not None:
            return _replay(first, sink, idempotency_key), True
    filename = (filename or "upload.csv").replace("\x00", "")[:255] or "upload.csv"
    if template_name:
        template = find_template(session, ws, template_name)
        if template is None:
            names = ", ".join(t.name for t in list_templates(session, ws))
            raise field_error(
                "template", f"no upload template named '{template_name}' (known: {names})"
            )
        header = _header(sink.path, template)
    else:
        template, header = _detect(session, ws, sink.path)
    principal.require(f"write:{template.target}")
    lay = layout(template, header)
    source_id = _resolve_source(session, ws, source_ref)
    source_field = SOURCE_FIELDS[template.target]
    if source_id is None and not lay.missing and source_field not in lay.fields:
        raise field_error(
            "revenue_source_id",
            f"is required: the file has no {source_field} column "
            f"(template '{template.name}'), so give the source of every row",
        )
    now = utcnow()
    upload_id = new_id()
    final_path = directory / f"{upload_id}.csv"
    upload = Upload(
        id=upload_id,
        workspace_id=ws,
        status="received",
        filename=filename,
        template_name=template.name,
        template_version=template.version,
        target=template.target,
        template_definition=_applied(template, principal.timezone).definition_json(),
        sha256=sink.sha256,
        size_bytes=sink.size,
        path=str(final_path),
        header=orjson.dumps(header).decode(),
        revenue_source_id=source_id,
        idempotency_key=idempotency_key,
        credential_id=principal.credential_id,
        rows_total=files.count_rows(sink.path, template.delimiter),
        rows_checked=0,
        rows_done=0,
        rows_posted=0,
        rows_duplicate=0,
        rows_error=0,
        rows_discarded=0,
        attempts=0,
        received_at=now,
        updated_at=now,
        lease_owner=request_owner(upload_id),
        lease_until=now + LEASE,
    )
    try:
        with session.begin_nested():
            repository.add_upload(session, upload)
    except IntegrityError:
        first = (
            repository.by_idempotency_key(session, ws, idempotency_key) if idempotency_key else None
        )
        if first is None:
            raise
        return _replay(first, sink, idempotency_key or ""), True
    sink.path.replace(final_path)
    return upload, False


def _applied(template: Template, workspace_timezone: str | None) -> Template:
    """The template as this upload applies it (the copy the upload keeps): a template
    without a timezone reads values without an offset in the workspace's timezone (its
    setting, UTC unless changed), the zone in which the workspace's dates are taken."""
    if template.timezone is not None:
        return template
    return replace(template, timezone=workspace_timezone or "UTC")


def request_owner(upload_id: str) -> str:
    """The lease owner of an upload between its POST and its background processing."""
    return f"request:{upload_id}"


def _replay(first: Upload, sink: files.Sink, key: str) -> Upload:
    sink.discard()
    if first.sha256 != sink.sha256:
        raise Conflict(
            f"Idempotency-Key '{key}' was used for another file (sha256 {first.sha256}, "
            f"upload {first.id}); use a new key for a new file"
        )
    return first


def _resolve_source(session: Session, workspace_id: str, ref: str | None) -> str | None:
    if ref is None or ref == "":
        return None
    found = sources.resolve(session, workspace_id, [ref]).get(ref)
    if found is None:
        raise field_error("revenue_source_id", f"no revenue source '{ref}' in this workspace")
    return found


def get_upload(session: Session, workspace_id: str, upload_id: str) -> Upload:
    u = repository.get(session, workspace_id, upload_id)
    if u is None:
        raise NotFound(f"Upload {upload_id} not found")
    return u


def list_uploads(
    session: Session,
    workspace_id: str,
    status: str | None,
    target: str | None,
    offset: int,
    limit: int,
) -> tuple[list[UploadOut], int]:
    rows, total = repository.page(session, workspace_id, status, target, offset, limit)
    return [upload_out(u) for u in rows], total


def error_out(e: Row[Any]) -> ErrorOut:
    return {
        "upload_id": e.upload_id,
        "row_number": e.row_number,
        "row": e.row_number,
        "line": e.line,
        "column": e.column,
        "value": e.value,
        "code": e.code,
        "message": e.message,
        "target": e.target,
        "phase": e.phase,
    }


def errors_page(
    session: Session,
    workspace_id: str,
    upload_id: str | None,
    target: str | None,
    phase: str | None,
    offset: int,
    limit: int,
) -> tuple[list[ErrorOut], int]:
    rows, total = repository.error_page(
        session, workspace_id, upload_id, target, phase, offset, limit
    )
    return [error_out(e) for e in rows], total


def errors_csv(session: Session, upload: Upload) -> Iterator[str]:
    """The kept rows as CSV: the four error columns, then the row's original cells under
    the file's own header, so the file can be fixed and sent again (repost, or a new
    upload with the same template; the error columns are ignored there)."""
    header = orjson.loads(upload.header)
    buf = io.StringIO()
    # The template's delimiter, so that the file goes back through the same template.
    writer = csv.writer(buf, delimiter=upload_template(upload).delimiter, lineterminator="\r\n")
    writer.writerow([*ERROR_COLUMNS, *header])
    for e in repository.header_errors(session, upload.id):
        writer.writerow([0, e.column or "", e.code, e.message, *([""] * len(header))])
    yield _drain(buf)
    for batch in repository.row_batches(session, upload.id):
        errors = repository.errors_of_rows(
            session, upload.id, batch[0].row_number, batch[-1].row_number
        )
        for row in batch:
            mine = errors.get(row.row_number, [])
            writer.writerow(
                [
                    row.row_number,
                    "; ".join(e.column or "" for e in mine),
                    "; ".join(e.code for e in mine),
                    "; ".join(e.message for e in mine),
                    *orjson.loads(row.cells),
                ]
            )
        yield _drain(buf)


def _drain(buf: io.StringIO) -> str:
    text = buf.getvalue()
    buf.seek(0)
    buf.truncate()
    return text


# --- posting a chunk of rows (staging and repost) ---------------------------------------


@dataclass
class Judged:
    """What became of one row."""

    row_number: int
    line: int
    cells: list[str]
    status: str
    problems: list[Problem] = field(default_factory=list)


STAGE_ERROR_CODE = {ErrorCode.REQUIRED: MISSING_VALUE, ErrorCode.NOT_FOUND: UNKNOWN_REFERENCE}
"""A field error's code -> the stage-error code of its row (anything else: INVALID)."""


def _cell(lay: Layout, cells: list[str], header: str | None) -> str | None:
    if header is None:
        return None
    for index, h, _c, _k, _m in lay.slots:
        if h == header:
            return cells[index] if index < len(cells) else None
    return None


def _problem(lay: Layout, cells: list[str], fld: str | None, message: str, code: str) -> Problem:
    header = lay.header_by_field.get(fld) if fld else None
    if header is None and fld:
        root = fld.split(".", 1)[0]
        header = lay.header_by_field.get(root)
        if header is None and root in MAP_FIELDS.values():
            header = next((h for f, h in lay.header_by_field.items() if f.startswith(root)), None)
    return Problem(header or fld, _cell(lay, cells, header), code, message)


def _field_problems(lay: Layout, cells: list[str], errors: Iterable[FieldError]) -> list[Problem]:
    """A service's field errors -> the row's problems, each under its field's column."""
    return [
        _problem(lay, cells, e.field, e.message, STAGE_ERROR_CODE.get(e.code, INVALID))
        for e in errors
    ]


def post_rows(
    session: Session,
    workspace_id: str,
    lay: Layout,
    converter: Converter,
    rows: list[tuple[int, int, list[str]]],
) -> list[Judged]:
    """Convert and post a chunk of rows through the target's service; one Judged each."""
    target = lay.template.target
    judged: list[Judged] = []
    records: list[Item] = []
    waiting: list[Judged] = []
    for number, line, cells in rows:
        record, problems = converter.convert(cells)
        j = Judged(number, line, cells, ERROR if problems else POSTED, problems)
        judged.append(j)
        if not problems:
            records.append(record)
            waiting.append(j)
    if not records:
        return judged
    if target == "revenues":
        refs = {r.get("revenue_source_id") for r in records}
        known = sources.resolve(session, workspace_id, refs)
        for r in records:
            ref = r.get("revenue_source_id")
            if isinstance(ref, str) and ref in known:
                r["revenue_source_id"] = known[ref]
        for j, outcome in zip(waiting, post_records(session, workspace_id, records), strict=True):
            if outcome.kind is Posted.CREATED:
                continue
            if outcome.kind is Posted.DUPLICATE:
                j.status = DUPLICATE
                continue
            j.status = ERROR
            j.problems.extend(_field_problems(lay, j.cells, outcome.errors))
        return judged
    importer = {
        "customers": import_customers,
        "plans": import_plans,
        "invoices": import_invoices,
    }[target]
    for j, result in zip(waiting, importer(session, workspace_id, records), strict=True):
        if result.status in (ImportStatus.INSERTED, ImportStatus.UPDATED):
            continue
        if result.status is ImportStatus.UNCHANGED:
            j.status = DUPLICATE
            continue
        j.status = ERROR
        j.problems.extend(_field_problems(lay, j.cells, result.errors))
    return judged


def _safe(text: str | None) -> str | None:
    return None if text is None else text.replace("\x00", "\\x00")


def kept_rows(
    upload: Upload, judged: list[Judged], phase: str, header_width: int | None = None
) -> tuple[list[KeptRow], list[ErrorRow]]:
    """The rows and error rows to store for the failing rows of `judged`."""
    now = utcnow()
    rows: list[KeptRow] = []
    errors: list[ErrorRow] = []
    for j in judged:
        if j.status != ERROR:
            continue
        rows.append(
            {
                "upload_id": upload.id,
                "row_number": j.row_number,
                "workspace_id": upload.workspace_id,
                "target": upload.target,
                "phase": phase,
                "line": j.line,
                "cells": orjson.dumps([_safe(c) for c in j.cells]).decode(),
                "created_at": now,
            }
        )
        errors.extend(error_rows(upload, j.row_number, j.line, j.problems, phase))
    return rows, errors


def error_rows(
    upload: Upload, row_number: int, line: int, problems: list[Problem], phase: str
) -> list[ErrorRow]:
    return [
        {
            "upload_id": upload.id,
            "row_number": row_number,
            "seq": seq,
            "workspace_id": upload.workspace_id,
            "target": upload.target,
            "phase": phase,
            "line": line,
            "column": (_safe(p.column) or "")[:255] or None,
            "value": _safe(p.value),
            "code": p.code,
            "message": _safe(p.message) or "",
        }
        for seq, p in enumerate(problems)
    ]


def missing_columns_problems(lay: Layout) -> list[Problem]:
    return [
        Problem(h, None, MISSING_COLUMN, f"the header has no '{h}' column (required)")
        for h in lay.missing
    ]


# --- repost and discard ---------------------------------------------------------------


def _editable(session: Session, principal: Principal, upload_id: str) -> Upload:
    upload = get_upload(session, principal.workspace_id, upload_id)
    principal.require(f"write:{upload.target}")
    if upload.status not in ("completed", "completed_with_errors", "failed"):
        raise Conflict(f"Upload {upload_id} is still {upload.status}; wait until it finishes")
    return upload


def repost(session: Session, principal: Principal, upload_id: str, path: Path) -> RepostOut:
    """Post again the corrected rows of GET /uploads/{id}/errors (CSV); the rows that
    are now valid leave the staged errors, the others keep their new errors."""
    upload = _editable(session, principal, upload_id)
    if upload.status == "failed":
        raise Conflict(
            f"Upload {upload_id} failed in pre-stage and staged nothing: correct the file "
            "and upload it again (its errors are at GET /api/v1/uploads/{id}/errors)"
        )
    repository.lock(session, upload.id)  # one repost or discard of an upload at a time
    session.refresh(upload)
    template = upload_template(upload)
    header = _header(path, template)
    lay = layout(template, header)
    if lay.missing:
        raise field_error("file", f"lacks the required columns {', '.join(lay.missing)}")
    original = orjson.loads(upload.header)
    number_of = _row_matcher(session, upload, template, original, header, lay)
    position = {h: i for i, h in enumerate(header)}
    converter = Converter(lay, upload.revenue_source_id)
    totals = {"rows_total": 0, POSTED: 0, DUPLICATE: 0, ERROR: 0}
    failures: list[RepostError] = []
    chunk: list[tuple[int, int, list[str]]] = []

    seen: set[int] = set()

    def flush() -> None:
        staged = repository.rows_by_number(session, upload.id, [n for n, _l, _c in chunk])
        valid = []
        for n, line, c in chunk:
            if n in staged and staged[n].phase == "stage" and n not in seen:
                seen.add(n)
                valid.append((n, staged[n].line, c))
                continue
            totals[ERROR] += 1
            failures.append(
                {
                    "row_number": n if n >= 0 else None,
                    "row": n if n >= 0 else None,
                    "line": line,
                    "column": "error_row_number",
                    "value": str(n) if n >= 0 else None,
                    "code": "NOT_STAGED",
                    "message": (
                        f"row {n} is corrected twice in this file"
                        if n in seen
                        else f"row {n} is not a staged error of this upload"
                        if n >= 0
                        else "this line matches no staged error row of this upload"
                    ),
                }
            )
        judged = post_rows(session, upload.workspace_id, lay, converter, valid)
        done = [j.row_number for j in judged if j.status != ERROR]
        repository.remove_rows(session, upload.id, done)
        failed = [j for j in judged if j.status == ERROR]
        new_errors: list[ErrorRow] = []
        for j in failed:
            new_errors.extend(error_rows(upload, j.row_number, j.line, j.problems, "stage"))
            cells = [
                j.cells[position[h]] if position.get(h, len(j.cells)) < len(j.cells) else ""
                for h in original
            ]
            repository.set_row_cells(session, upload.id, j.row_number, orjson.dumps(cells).decode())
            failures.extend(
                {"row_number": j.row_number, "row": j.row_number, "line": j.line, **p.out()}
                for p in j.problems
            )
        repository.replace_errors(session, upload.id, [j.row_number for j in failed], new_errors)
        for j in judged:
            totals[j.status] += 1
        chunk.clear()

    try:
        for _n, line, cells in files.records(path, template.delimiter):
            totals["rows_total"] += 1
            chunk.append((number_of(cells), line, cells))
            if len(chunk) >= 1000:
                flush()
        if chunk:
            flush()
    except FileProblem as exc:
        raise ValidationFailed(
            [FieldError("file", ErrorCode.INVALID, f"row {exc.row_number}: {exc.message}")]
        ) from None
    resolved = totals[POSTED] + totals[DUPLICATE]
    now = utcnow()
    repository.add_counts(
        session,
        upload.id,
        {
            "rows_posted": totals[POSTED],
            "rows_duplicate": totals[DUPLICATE],
            "rows_error": -resolved,
        },
        now,
    )
    session.refresh(upload)
    if upload.rows_error == 0 and upload.status == "completed_with_errors":
        repository.set_values(session, upload.id, {"status": "completed"})
        session.refresh(upload)
    return {
        "rows_total": totals["rows_total"],
        "rows_posted": totals[POSTED],
        "rows_duplicate": totals[DUPLICATE],
        "rows_error": totals[ERROR],
        "errors": failures,
        "upload": upload_out(upload),
    }


def _row_matcher(
    session: Session,
    upload: Upload,
    template: Template,
    original: list[str],
    header: list[str],
    lay: Layout,
) -> Callable[[list[str]], int]:
    """How a line of a repost file finds the staged row it corrects: its
    `error_row_number` (the CSV of GET /uploads/{id}/errors), or else, for a file with
    the upload's own columns only, the row's key (external_id; id) among the staged
    rows. -1: no staged row."""
    names = [norm(h) for h in header]
    if "error_row_number" in names:
        at = names.index("error_row_number")

        def by_number(cells: list[str]) -> int:
            raw = cells[at].strip() if at < len(cells) else ""
            return int(raw) if raw.isascii() and raw.isdigit() else -1

        return by_number
    key_field = KEY_FIELDS[template.target]
    key_header = lay.header_by_field.get(key_field)
    old_header = layout(template, original).header_by_field.get(key_field)
    if key_header is None or old_header is None:
        raise field_error(
            "file",
            "needs the error_row_number column of GET /api/v1/uploads/{id}/errors "
            f"(Accept: text/csv), or the {key_field} column, to know which staged rows "
            "it corrects",
        )
    at = names.index(norm(key_header))
    old_at = original.index(old_header)
    staged: dict[str, list[int]] = {}
    for batch in repository.row_batches(session, upload.id):
        for row in batch:
            if row.phase != "stage":
                continue
            cells = orjson.loads(row.cells)
            key = cells[old_at].strip() if old_at < len(cells) else ""
            staged.setdefault(key, []).append(row.row_number)

    def by_key(cells: list[str]) -> int:
        numbers = staged.get(cells[at].strip() if at < len(cells) else "")
        return numbers.pop(0) if numbers else -1

    return by_key


def discard(session: Session, principal: Principal, upload_id: str) -> DiscardOut:
    upload = _editable(session, principal, upload_id)
    repository.lock(session, upload.id)
    session.refresh(upload)
    removed = repository.clear(session, upload.id)
    if removed:
        repository.add_counts(
            session,
            upload.id,
            {"rows_error": -upload.rows_error, "rows_discarded": removed},
            utcnow(),
        )
        session.refresh(upload)
    return {"upload_id": upload.id, "discarded": removed, "upload": upload_out(upload)}
