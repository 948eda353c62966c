"""Settings read from REVLEDGER_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///./revledger.db"


def normalize_database_url(url: str) -> str:
    """Accept the usual PostgreSQL spellings and pin the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str
    log_level: str

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=normalize_database_url(
                os.environ.get("REVLEDGER_DATABASE_URL", DEFAULT_DATABASE_URL)
            ),
            log_level=os.environ.get("REVLEDGER_LOG_LEVEL", "INFO").upper(),
        )
