"""X-Request-ID on every response (echoing a sane client value) and in the logs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from revledger.kit.ids import new_id

_request_id: ContextVar[str] = ContextVar("request_id", default="-")
_SAFE = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
SCOPE_KEY = "revledger.request_id"


def current_request_id(scope: Mapping[str, Any] | None = None) -> str:
    """The request's id; pass the ASGI scope where the context may already be reset
    (Starlette's outermost error middleware answers a 500 after this one returned)."""
    if scope is not None and SCOPE_KEY in scope:
        return str(scope[SCOPE_KEY])
    return _request_id.get()


class RequestIdMiddleware:
    """Pure ASGI middleware (no BaseHTTPMiddleware overhead, streams untouched)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        request_id = given if given and _SAFE.fullmatch(given) else new_id()
        scope[SCOPE_KEY] = request_id
        token = _request_id.set(request_id)
        raw = request_id.encode()

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                headers.append((b"x-request-id", raw))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)
