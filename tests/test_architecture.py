"""The house rules that lint cannot see: settings in one place, events never dropped."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from revledger import subscriptions
from revledger.config import Settings
from revledger.events import bus

SRC = Path(__file__).resolve().parents[1] / "src" / "revledger"


def _environment_reads(path: Path) -> list[int]:
    """Lines of `path` that read the process environment (os.environ / os.getenv)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("environ", "getenv", "getenvb")
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            lines.append(node.lineno)
    return lines


def test_only_config_reads_the_environment() -> None:
    readers = {
        str(path.relative_to(SRC)): lines
        for path in SRC.rglob("*.py")
        if path.name != "config.py" and "migrations" not in path.parts
        if (lines := _environment_reads(path))
    }
    # the command line hands its settings to uvicorn's worker processes (Settings.environ)
    assert readers == {"cli.py": readers.get("cli.py", [])}
    assert len(readers.get("cli.py", [])) <= 1


def test_settings_survive_the_trip_through_the_environment(tmp_path: Path) -> None:
    settings = Settings(
        database_url="postgresql+psycopg://u@h/db",
        log_level="DEBUG",
        metrics_worker=True,
        upload_worker=False,
        upload_dir=tmp_path,
    )
    assert Settings.from_env(settings.environ()) == settings
    assert Settings.from_env({}) == Settings()
    assert Settings.from_env({"REVLEDGER_DATABASE_URL": "postgres://x/y"}).database_url == (
        "postgresql+psycopg://x/y"
    )


def test_upload_worker_follows_the_metrics_worker_unless_set() -> None:
    assert Settings(metrics_worker=True).runs_upload_worker
    assert not Settings(metrics_worker=False).runs_upload_worker
    assert not Settings(metrics_worker=True, upload_worker=False).runs_upload_worker


class _Unheard:
    pass


def test_an_event_nobody_hears_is_an_error_not_a_silent_loss() -> None:
    with pytest.raises(LookupError, match="_Unheard"):
        bus.publish(None, _Unheard())  # type: ignore[arg-type]


def test_subscriptions_install_once_however_often_installed() -> None:
    subscriptions.install()
    subscriptions.install()
    for event_type in (
        bus.PeriodClosed,
        bus.PeriodReopened,
        bus.CustomersChanged,
        bus.PlansChanged,
        bus.WorkspaceSettingsChanged,
    ):
        assert len(bus._subscribers[event_type]) == 1, event_type
