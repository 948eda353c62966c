"""The `revledger` command."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from revledger import subscriptions
from revledger.config import Settings

if TYPE_CHECKING:
    from revledger.db import Database

app = typer.Typer(help="revledger: an open-source revenue sub-ledger.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
workspace_app = typer.Typer(help="Workspaces.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(workspace_app, name="workspace")
console = Console()


@app.callback()
def _start() -> None:
    """Every command runs with the domains' subscriptions installed."""
    subscriptions.install()


def _migrated(settings: Settings) -> Database:
    """Apply pending migrations to the configured database, then open it."""
    from revledger.db import Database
    from revledger.migrate import upgrade

    upgrade(settings.database_url, settings.pg_prepared_statements)
    return Database(settings.database_url, prepared_statements=settings.pg_prepared_statements)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending Alembic migrations to REVLEDGER_DATABASE_URL."""
    settings = Settings.from_env()
    _migrated(settings).dispose()
    console.print(f"[green]Database is up to date[/green] ({_redact(settings.database_url)})")


@workspace_app.command("create")
def workspace_create(
    name: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Create a workspace and an API key holding every scope (shown once)."""
    from revledger.auth.service import create_workspace

    db = _migrated(Settings.from_env())
    with db.session(write=True) as session, session.begin():
        workspace, secret = create_workspace(session, name)
    db.dispose()
    if as_json:
        typer.echo(json.dumps({"workspace_id": workspace.id, "api_key": secret}))
    else:
        console.print(f"Workspace [bold]{name}[/bold] created: {workspace.id}")
        console.print(f"API key (every scope; shown once, store it now): [bold]{secret}[/bold]")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Create the demo workspace once")] = False,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    metrics_worker: Annotated[
        bool,
        typer.Option(
            "--metrics-worker/--no-metrics-worker",
            help="Recalculate metrics on a thread of each API process",
        ),
    ] = True,
) -> None:
    """Apply pending migrations and serve the HTTP API (and, by default, the metrics worker)."""
    import uvicorn

    settings = Settings.from_env().with_workers(metrics_worker)
    url = settings.database_url
    db = _migrated(settings)
    base = f"http://{host}:{port}"
    if demo:
        from revledger.demo import ensure_demo

        with db.session(write=True) as session, session.begin():
            workspace_id, secret = ensure_demo(session)
        console.print(f"Demo workspace: {workspace_id}")
        console.print(f"API key: [bold]{secret}[/bold]")
    db.dispose()
    console.print(f"revledger on {base}  (API docs: {base}/docs, database: {_redact(url)})")
    if workers == 1:
        from revledger.app import create_app

        uvicorn.run(create_app(settings=settings), host=host, port=port, log_level="warning")
        return
    # Several processes import the app themselves: they read these settings back.
    os.environ.update(settings.environ())
    uvicorn.run(
        "revledger.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Exit when nothing is pending")] = False,
    batch_size: Annotated[int, typer.Option(help="Customers per transaction")] = 2000,
    poll: Annotated[float, typer.Option(help="Seconds between polls when idle")] = 1.0,
) -> None:
    """Recalculate metrics of the customers imports have queued (several may run at once
    on PostgreSQL: they share the work and never take one customer twice), and resume
    uploads whose server stopped in the middle of them."""
    from revledger.metrics.jobs import Worker, run_until_idle
    from revledger.uploads import jobs as uploads

    db = _migrated(Settings.from_env())
    try:
        if once:
            done = run_until_idle(db, batch_size)
            resumed = uploads.run_until_idle(db)
            console.print(f"Recalculated {done} customers; finished {resumed} uploads")
            return
        console.print(f"revledger worker on {_redact(db.url)} (Ctrl+C to stop)")
        loop = Worker(db, poll_seconds=poll, batch_size=batch_size)
        resumer = uploads.Worker(db)
        resumer.start()
        try:
            with contextlib.suppress(KeyboardInterrupt):
                loop.run()
        finally:
            resumer.stop()
    finally:
        db.dispose()


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="The CSV file", exists=True, dir_okay=False)],
    template: Annotated[
        str | None, typer.Option(help="Upload template (default: chosen by the headers)")
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="Revenue source (name or id) of rows without one")
    ] = None,
    server: Annotated[
        str | None, typer.Option(help="Upload to this running server instead of the local database")
    ] = None,
    api_key: Annotated[str | None, typer.Option(help="API key for --server")] = None,
    workspace: Annotated[
        str | None, typer.Option(help="Local mode: workspace id or name (default: the only one)")
    ] = None,
) -> None:
    """Upload a CSV file and follow it with a progress bar; error rows go to
    FILE.errors.csv. Exit code 0 completed, 1 completed with errors, 2 failed."""
    from revledger.uploads.cli import EXIT_CODES, ImportFailed, _summary, run_local, run_remote

    try:
        if server:
            if not api_key:
                raise ImportFailed("--server needs --api-key")
            data, errors_path = run_remote(console, server, api_key, file, template, source)
        else:
            settings = Settings.from_env()
            db = _migrated(settings)
            try:
                data, errors_path = run_local(
                    console, db, file, template, source, workspace, settings
                )
            finally:
                db.dispose()
    except ImportFailed as exc:
        console.print(f"[red]Refused:[/red] {exc}")
        raise typer.Exit(2) from None
    _summary(console, data)
    if errors_path is not None:
        console.print(f"Rows with errors written to {errors_path}")
    raise typer.Exit(EXIT_CODES.get(data["status"], 2))


def _redact(url: str) -> str:
    """Hide a password in a database URL."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url
