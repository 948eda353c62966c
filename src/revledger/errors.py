"""Domain errors and the one error format of the API: RFC 9457 problem details.

Every error leaves as `application/problem+json` with `type`, `title`, `status`,
`detail` and, for validation, `errors: [{"field", "message"}]`. Unexpected errors are
logged with the request id and answered as a bare 500 in the same format.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from revledger.kit.request_id import current_request_id

log = logging.getLogger("revledger")

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    status = 400
    title: str | None = None

    def __init__(
        self,
        detail: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class MethodNotAllowed(DomainError):
    status = 405


class ValidationFailed(DomainError):
    """422 with field errors."""

    status = 422

    def __init__(self, errors: list[dict[str, str]], detail: str | None = None) -> None:
        super().__init__(detail or _summarize(errors), errors)


def field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([{"field": field, "message": message}])


def _summarize(errors: list[dict[str, str]]) -> str:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first['field']}: {first['message']}{more}"


def problem_body(
    status: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def validation_body(errors: list[dict[str, str]]) -> dict[str, Any]:
    return problem_body(422, _summarize(errors), errors)


def problem(
    status: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
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


def pydantic_errors(raw: list[Any], drop_prefix: int = 0) -> list[dict[str, str]]:
    """pydantic / FastAPI error dicts -> [{"field", "message"}] with dotted field paths."""
    out = []
    for err in raw:
        loc = [str(p) for p in err.get("loc", ())][drop_prefix:]
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:]
        message = err.get("msg", "is invalid")
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        out.append({"field": ".".join(loc) or "body", "message": message})
    return out


ZUORA_PATHS = ("/api/v1/revenue-events/",)
"""Endpoints that answer errors in seed 004's shape instead of problem details."""

_ZUORA_CATEGORY = {400: 20, 401: 11, 403: 10, 404: 40, 405: 45, 409: 30, 422: 20, 429: 70}


def zuora_error(
    status: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Seed 004's failure: `success: false`, `processId` (the request id) and `reasons`
    with 8-digit codes whose last two digits are Zuora's category (20 invalid value, 40
    not found, 11 authentication, 10 permission, ...)."""
    request_id = current_request_id()
    code = 53100000 + _ZUORA_CATEGORY.get(status, 60)
    reasons = [{"code": code, "message": f"{e['field']}: {e['message']}"} for e in errors or []]
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
    errors: list[dict[str, str]] | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if request.url.path.startswith(ZUORA_PATHS):
        return zuora_error(status, detail, errors, headers)
    return problem(status, detail, errors, title, headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        headers = dict(exc.headers or {})
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return _answer(request, exc.status, exc.detail, exc.errors, exc.title, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = pydantic_errors(list(exc.errors()))
        return _answer(request, 422, _summarize(errors) if errors else "Invalid request", errors)

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
