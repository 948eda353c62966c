"""OpenAPI pieces: the problem-details schema for every documented error status."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, served as application/problem+json."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing, unknown or revoked credential",
    403: "The credential lacks the scope this endpoint needs",
    404: "Not found in this workspace",
    405: "Method not allowed",
    409: "Conflict with existing data",
    422: "Validation failed; `errors` names each field and the reason",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {
            "model": Problem,
            "description": _DESCRIPTIONS[status],
            "content": {"application/problem+json": {}},
        }
        for status in statuses
    }
