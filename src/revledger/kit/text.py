"""Text that every database can store: valid Unicode (a JSON body may carry lone
surrogates) and, for PostgreSQL, no NUL characters."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

NUL = "\x00"


def reject_nul(value: str) -> str:
    if NUL in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(reject_nul)]


def encodable(value: str) -> bool:
    """Whether a string is valid Unicode (a JSON body may carry lone surrogates, which
    cannot be stored, compared by the database or sent back as UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def all_encodable(value: object) -> bool:
    """Whether every string in a JSON value (keys included) is valid Unicode."""
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, dict):
        return all(all_encodable(k) and all_encodable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(all_encodable(v) for v in value)
    return True
