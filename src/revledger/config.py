"""Settings, from REVLEDGER_* environment variables: the only module that reads them.

- REVLEDGER_DATABASE_URL: the database (default `sqlite:///./revledger.db`);
- REVLEDGER_LOG_LEVEL: log level (default `INFO`);
- REVLEDGER_WORKER: run the metrics worker on a thread of each API process (default
  off; `revledger serve` turns it on);
- REVLEDGER_UPLOAD_WORKER: run the resumer of interrupted uploads there (default: as
  the metrics worker);
- REVLEDGER_PG_PREPARED_STATEMENTS: `0` never prepares statements on the PostgreSQL
  server, as a transaction-pooling PgBouncer older than 1.21 requires (default `1`);
- REVLEDGER_UPLOAD_DIR: where uploaded files wait while they are processed (default:
  beside a SQLite database file, else in the temporary folder).

The command line builds a `Settings` and hands it to what it starts; only when uvicorn
starts several API processes, which import the app themselves, does it pass them on
through the environment (`Settings.environ`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///./revledger.db"
_TRUE = ("1", "true", "yes", "on")


def normalize_database_url(url: str) -> str:
    """Accept the usual PostgreSQL spellings and pin the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _flag(value: str | None) -> bool | None:
    return None if value is None else value.lower() in _TRUE


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    log_level: str = "INFO"
    metrics_worker: bool = False
    upload_worker: bool | None = None
    """None: wherever the metrics worker runs."""
    upload_dir: Path | None = None
    pg_prepared_statements: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        upload_dir = env.get("REVLEDGER_UPLOAD_DIR")
        return cls(
            database_url=normalize_database_url(
                env.get("REVLEDGER_DATABASE_URL", DEFAULT_DATABASE_URL)
            ),
            log_level=env.get("REVLEDGER_LOG_LEVEL", "INFO").upper(),
            metrics_worker=bool(_flag(env.get("REVLEDGER_WORKER"))),
            upload_worker=_flag(env.get("REVLEDGER_UPLOAD_WORKER")),
            upload_dir=Path(upload_dir) if upload_dir else None,
            pg_prepared_statements=_flag(env.get("REVLEDGER_PG_PREPARED_STATEMENTS")) is not False,
        )

    @property
    def runs_upload_worker(self) -> bool:
        return self.metrics_worker if self.upload_worker is None else self.upload_worker

    def with_workers(self, metrics_worker: bool) -> Settings:
        return replace(self, metrics_worker=metrics_worker)

    def environ(self) -> dict[str, str]:
        """These settings as the environment variables `from_env` reads back."""
        out = {
            "REVLEDGER_DATABASE_URL": self.database_url,
            "REVLEDGER_LOG_LEVEL": self.log_level,
            "REVLEDGER_WORKER": "1" if self.metrics_worker else "0",
        }
        if not self.pg_prepared_statements:
            out["REVLEDGER_PG_PREPARED_STATEMENTS"] = "0"
        if self.upload_worker is not None:
            out["REVLEDGER_UPLOAD_WORKER"] = "1" if self.upload_worker else "0"
        if self.upload_dir is not None:
            out["REVLEDGER_UPLOAD_DIR"] = str(self.upload_dir)
        return out
