"""`revledger import FILE`: upload a file and follow it with a progress bar.

Local mode (the default) runs the upload in this process against the local database
(REVLEDGER_DATABASE_URL), exactly as a server would; `--server URL --api-key KEY` posts
the file to a running server and follows it by polling GET /api/v1/uploads/{id}.
Exit code 0 on `completed`, 1 on `completed_with_errors`, 2 on `failed` (or refused).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TypedDict

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from revledger.auth.service import Principal
from revledger.config import Settings
from revledger.db import Database
from revledger.errors import DomainError
from revledger.uploads import files, jobs, repository, service
from revledger.uploads.models import Upload

EXIT_CODES = {"completed": 0, "completed_with_errors": 1, "failed": 2}


class UploadState(TypedDict):
    """What the command reads of an upload: `service.upload_out` of it (local mode) or
    the `data` of GET /api/v1/uploads/{id} (`--server`), which has these keys too."""

    id: str
    status: str
    template: str
    template_version: int
    rows_total: int | None
    rows_checked: int
    rows_processed: int
    rows_posted: int
    rows_duplicate: int
    rows_error: int
    message: str | None


class ImportFailed(Exception):
    """The upload was refused before it started (exit code 2)."""


class RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "– rows/s", style="progress.data.speed")


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RowsPerSecond(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


class _Bar:
    """Two tasks: checking every row (pre-stage), then posting them (staging)."""

    def __init__(self, progress: Progress, total: int | None) -> None:
        self.progress = progress
        self.check = progress.add_task("checking", total=total)
        self.post = progress.add_task("posting", total=total, start=False)
        self.posting = False

    def update(self, data: UploadState) -> None:
        total = data.get("rows_total")
        self.progress.update(self.check, total=total, completed=data.get("rows_checked") or 0)
        if data["status"] in ("staging", "completed", "completed_with_errors") or data.get(
            "rows_processed"
        ):
            if not self.posting:
                self.progress.update(self.check, completed=total or 0)
                self.progress.start_task(self.post)
                self.posting = True
            self.progress.update(self.post, total=total, completed=data.get("rows_processed") or 0)


def _summary(console: Console, data: UploadState) -> None:
    console.print(
        f"Upload {data['id']} ({data['template']} v{data['template_version']}): "
        f"[bold]{data['status']}[/bold] — rows {data['rows_total']}, "
        f"posted {data['rows_posted']}, duplicate {data['rows_duplicate']}, "
        f"errors {data['rows_error']}"
    )
    if data.get("message"):
        console.print(data["message"])


def _pick_workspace(db: Database, wanted: str | None) -> tuple[str, str]:
    """(id, timezone) of the workspace to import into."""
    with db.session() as session:
        rows = repository.workspaces(session)
    if wanted:
        for row in rows:
            if wanted in (row.id, row.name):
                return str(row.id), str(row.timezone)
        raise ImportFailed(f"no workspace '{wanted}' in this database")
    if len(rows) == 1:
        return str(rows[0].id), str(rows[0].timezone)
    demo = [r for r in rows if r.is_demo]
    if len(demo) == 1:
        return str(demo[0].id), str(demo[0].timezone)
    if not rows:
        raise ImportFailed("this database has no workspace: `revledger workspace create NAME`")
    raise ImportFailed("this database has several workspaces: choose one with --workspace")


def run_local(
    console: Console,
    db: Database,
    path: Path,
    template: str | None,
    source: str | None,
    workspace: str | None,
    settings: Settings,
) -> tuple[UploadState, Path | None]:
    workspace_id, timezone = _pick_workspace(db, workspace)
    # An earlier import stopped in the middle (its process killed) is finished first:
    # nothing else would resume it when no server runs on this database.
    resumed = jobs.run_until_idle(db, workspace_id=workspace_id)
    if resumed:
        console.print(f"Resumed {resumed} interrupted upload(s) of this workspace first.")
    directory = files.upload_dir(settings)
    sink = files.Sink(directory)
    try:
        with path.open("rb") as f:
            files.copy_into(sink, f)
        sink.close()
        principal = Principal(workspace_id, "cli", frozenset({"admin"}), timezone)
        with db.session(write=True) as session, session.begin():
            upload, _ = service.create_upload(
                session, principal, sink, directory, path.name, template, source, None
            )
    except service.HeadersDoNotFit as exc:
        sink.discard()
        expected = "\n".join(f"  {name}: {', '.join(h)}" for name, h in exc.expected.items())
        raise ImportFailed(f"{exc.detail}\nExpected headers:\n{expected}") from None
    except DomainError as exc:
        sink.discard()
        raise ImportFailed(exc.detail) from None
    owner = service.request_owner(upload.id)
    with _progress(console) as progress:
        bar = _Bar(progress, upload.rows_total)

        def report(u: Upload) -> None:
            bar.update(service.upload_out(u))

        if jobs.claim(db, upload.id, owner):
            jobs.process(db, upload.id, owner, on_progress=report)
        with db.session() as session:
            final = service.get_upload(session, workspace_id, upload.id)
            data = service.upload_out(final)
            bar.update(data)
            errors_path = _errors_path(path)
            if _has_errors(data):
                with errors_path.open("w", encoding="utf-8", newline="") as out:
                    for text in service.errors_csv(session, final):
                        out.write(text)
            else:
                errors_path.unlink(missing_ok=True)  # from an earlier run of this file
    return data, errors_path if _has_errors(data) else None


def _has_errors(data: UploadState) -> bool:
    """Rows in error, or a failed upload (whose errors may be the header's alone)."""
    return bool(data["rows_error"]) or data["status"] == "failed"


def _errors_path(path: Path) -> Path:
    return path.with_name(path.name + ".errors.csv")


def run_remote(
    console: Console,
    server: str,
    api_key: str,
    path: Path,
    template: str | None,
    source: str | None,
    poll_seconds: float = 0.5,
) -> tuple[UploadState, Path | None]:
    base = server.rstrip("/")
    headers = {"Authorization": f"Bearer {api_key}"}
    form = {k: v for k, v in (("template", template), ("revenue_source_id", source)) if v}
    with httpx.Client(base_url=base, headers=headers, timeout=600) as http:
        with path.open("rb") as f:
            response = http.post(
                "/api/v1/uploads", files={"file": (path.name, f, "text/csv")}, data=form
            )
        if response.status_code not in (200, 202):
            raise ImportFailed(_describe(response))
        data = response.json()["data"]
        with _progress(console) as progress:
            bar = _Bar(progress, data.get("rows_total"))
            bar.update(data)
            while data["status"] not in EXIT_CODES:
                time.sleep(poll_seconds)
                reply = http.get(f"/api/v1/uploads/{data['id']}")
                if reply.status_code != 200:
                    raise ImportFailed(_describe(reply))
                data = reply.json()["data"]
                bar.update(data)
        errors_path = _errors_path(path)
        if _has_errors(data):
            with (
                http.stream(
                    "GET", f"/api/v1/uploads/{data['id']}/errors", headers={"Accept": "text/csv"}
                ) as stream,
                errors_path.open("wb") as out,
            ):
                for chunk in stream.iter_bytes():
                    out.write(chunk)
        else:
            errors_path.unlink(missing_ok=True)  # from an earlier run of this file
    return data, errors_path if _has_errors(data) else None


def _describe(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:500]}"
    text = f"HTTP {response.status_code}: {body.get('detail') or body}"
    for name, expected in (body.get("expected_headers") or {}).items():
        text += f"\n  {name}: {', '.join(expected)}"
    return text
