"""The one error format of the API: RFC 9457 problem details.

Every error leaves as `application/problem+json` with `type`, `title`, `status`,
`detail` and, for validation, `errors: [{"field", "message"}]`. The status of each
domain error is decided here, never by the service that raised it. Unexpected errors
are logged with the request id and answered as a bare 500 in the same format.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from revledger.errors import (
    BadRequest,
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
    pydantic_errors,
    summarize,
)
from revledger.kit.request_id import current_request_id

log = logging.getLogger("revledger")

PROBLEM_JSON = "application/problem+json"

STATUS: dict[type[DomainError], int] = {
    BadRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    MethodNotAllowed: 405,
    Conflict: 409,
    UnsupportedMediaType: 415,
    ValidationFailed: 422,
}


def status_of(exc: DomainError) -> int:
    """The HTTP status of a domain error: that of its nearest listed class."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def errors_out(errors: Sequence[FieldError]) -> list[dict[str, str]]:
    return [{"field": e.field, "message": e.message} for e in errors]


def problem_body(
    status: int,
    detail: str,
    errors: Sequence[FieldError] | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors_out(errors)
    return body


def problem(
    status: int,
    detail: str,
    errors: Sequence[FieldError] | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    request_id: str | None = None,
) -> Response:
    body = problem_body(status, detail, errors, title)
    all_headers = {"X-Request-ID": request_id or current_request_id()}
    all_headers.update(headers or {})
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=all_headers
    )


ZUORA_PATHS = ("/api/v1/revenue-events/",)
"""Endpoints that answer errors in seed 004's shape instead of problem details."""

_ZUORA_CATEGORY = {400: 20, 401: 11, 403: 10, 404: 40, 405: 45, 409: 30, 422: 20, 429: 70}


def zuora_error(
    status: int,
    detail: str,
    errors: Sequence[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Seed 004's failure: `success: false`, `processId` (the request id) and `reasons`
    with 8-digit codes whose last two digits are Zuora's category (20 invalid value, 40
    not found, 11 authentication, 10 permission, ...)."""
    request_id = current_request_id()
    code = 53100000 + _ZUORA_CATEGORY.get(status, 60)
    reasons = [{"code": code, "message": f"{e.field}: {e.message}"} for e in errors or []]
    body = {
        "success": False,
        "processId": request_id,
        "reasons": reasons or [{"code": code, "message": detail}],
    }
    all_headers = {"X-Request-ID": request_id, **(headers or {})}
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=all_headers
    )


def _answer(
    request: Request,
    status: int,
    detail: str,
    errors: Sequence[FieldError] | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if request.url.path.startswith(ZUORA_PATHS):
        return zuora_error(status, detail, errors, headers)
    return problem(status, detail, errors, title, headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        status = status_of(exc)
        headers = dict(exc.headers or {})
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return _answer(request, status, exc.detail, exc.errors, exc.title, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = pydantic_errors(list(exc.errors()))
        return _answer(request, 422, summarize(errors) if errors else "Invalid request", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return _answer(request, exc.status_code, detail, headers=dict(exc.headers or {}))

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> Response:
        # The database refused a value (a NUL character, a number out of its range): the
        # client's input, so a 422. The driver's message is logged, never sent.
        log.info("database refused a value (request id %s): %s", current_request_id(), exc.orig)
        return problem(
            422,
            "A value in the request cannot be stored "
            "(for example a NUL character or a number out of range).",
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        request_id = current_request_id(request.scope)
        log.error("unhandled error (request id %s)", request_id, exc_info=exc)
        return problem(500, f"Internal error; quote request id {request_id}", request_id=request_id)
