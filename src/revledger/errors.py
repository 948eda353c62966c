"""What can go wrong, as the services say it: domain errors with typed field errors.

This module imports nothing of revledger's and knows no HTTP: a service raises
`NotFound` or `ValidationFailed`, and `problems.py` (the HTTP floor) decides the status
and the body. Every field error carries a machine-readable `code` beside its message,
so no caller ever has to read the message text to know what went wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic_core import ErrorDetails


class ErrorCode(StrEnum):
    """Why a field was refused."""

    REQUIRED = "required"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    """A reference to something that does not exist (a source, a customer, a plan)."""
    UNKNOWN_FIELD = "unknown_field"
    TOO_LONG = "too_long"
    OUT_OF_RANGE = "out_of_range"


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    code: ErrorCode
    message: str


class DomainError(Exception):
    title: str | None = None

    def __init__(
        self,
        detail: str,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers


class BadRequest(DomainError):
    pass


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    pass


class Unauthorized(DomainError):
    pass


class Forbidden(DomainError):
    pass


class MethodNotAllowed(DomainError):
    pass


class UnsupportedMediaType(DomainError):
    pass


class ValidationFailed(DomainError):
    """Input that breaks a rule, with the field errors that say which and why."""

    def __init__(self, errors: list[FieldError], detail: str | None = None) -> None:
        super().__init__(detail or summarize(errors), errors)


def field_error(field: str, message: str, code: ErrorCode = ErrorCode.INVALID) -> ValidationFailed:
    return ValidationFailed([FieldError(field, code, message)])


def summarize(errors: list[FieldError]) -> str:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first.field}: {first.message}{more}"


_PYDANTIC_CODES = {
    "missing": ErrorCode.REQUIRED,
    "extra_forbidden": ErrorCode.UNKNOWN_FIELD,
    "string_too_long": ErrorCode.TOO_LONG,
    "too_long": ErrorCode.TOO_LONG,
    "greater_than": ErrorCode.OUT_OF_RANGE,
    "greater_than_equal": ErrorCode.OUT_OF_RANGE,
    "less_than": ErrorCode.OUT_OF_RANGE,
    "less_than_equal": ErrorCode.OUT_OF_RANGE,
}


def pydantic_errors(raw: Sequence[ErrorDetails | dict[str, Any]]) -> list[FieldError]:
    """pydantic / FastAPI errors -> field errors with dotted field paths and a code."""
    out = []
    for err in raw:
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:]
        message = str(err.get("msg", "is invalid"))
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        code = _PYDANTIC_CODES.get(str(err.get("type", "")), ErrorCode.INVALID)
        out.append(FieldError(".".join(loc) or "body", code, message))
    return out
