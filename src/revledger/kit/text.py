"""Text that every database can store: PostgreSQL rejects NUL characters in text."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

NUL = "\x00"


def reject_nul(value: str) -> str:
    if NUL in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(reject_nul)]
