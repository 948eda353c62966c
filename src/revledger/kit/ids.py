"""Identifiers: time-ordered UUIDv7 strings (good B-tree locality, sortable) and secrets."""

from __future__ import annotations

import hashlib
import secrets

import uuid_utils


def new_id() -> str:
    return str(uuid_utils.uuid7())


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_secret(secret: str) -> str:
    """Secrets are random with 256 bits of entropy, so a plain SHA-256 is enough."""
    return hashlib.sha256(secret.encode()).hexdigest()
