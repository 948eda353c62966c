"""HTTP plumbing shared by every router: the unit of work, JSON in and out.

`UnitOfWorkRoute` is the route class of every API router. It parses JSON bodies with
numbers as `Decimal` (never float: money) and commits the request's session after the
handler returns and before the response leaves; any exception or error status rolls
it back. The commit runs in the handler's own thread, right after it: one thread hop
less per request, and SQLite's write lock is released by the thread that took it.
Streaming endpoints open their own connection inside the stream.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

import anyio.to_thread
import orjson
from anyio import CapacityLimiter
from fastapi import Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.responses import Response

from revledger.db import Database

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Sessions left open when no handler ran (a dependency failed) are closed under their
# own limiter: a thread of the default pool may be waiting for SQLite's write lock.
_COMMIT_LIMITER = CapacityLimiter(64)
_current_request: ContextVar[Request] = ContextVar("revledger_request")


async def _finish_in_thread(session: Session, commit: bool) -> None:
    await anyio.to_thread.run_sync(_finish, session, commit, limiter=_COMMIT_LIMITER)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class DecimalJSONRequest(Request):
    """JSON numbers arrive as Decimal; NaN/Infinity, bad UTF-8 and oversized integers are
    invalid JSON (FastAPI answers 422)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
            except json.JSONDecodeError:
                raise
            except (UnicodeDecodeError, ValueError) as exc:
                raise json.JSONDecodeError(str(exc), body.decode("latin-1"), 0) from None
        return self._json


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a sync handler so its thread commits (or rolls back) the request's session."""

    @functools.wraps(endpoint)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        request = _current_request.get()
        try:
            result = endpoint(*args, **kwargs)
        except BaseException:
            session = request.state._state.pop("session", None)
            if session is not None:
                _finish(session, False)
            raise
        session = request.state._state.pop("session", None)
        if session is not None:
            _finish(session, getattr(result, "status_code", 200) < 400)
        return result

    return wrapper


class UnitOfWorkRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _committing(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            request = DecimalJSONRequest(request.scope, request.receive)
            token = _current_request.set(request)
            try:
                response = await original(request)
            except BaseException:
                session = request.state._state.pop("session", None)
                if session is not None:
                    await _finish_in_thread(session, False)
                raise
            finally:
                _current_request.reset(token)
            session = request.state._state.pop("session", None)
            if session is not None:  # an async handler: commit here
                await _finish_in_thread(session, response.status_code < 400)
            return response

        return handler


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_session(request: Request) -> Session:
    """The request's session, opened for writing unless the method is safe.

    Async because it does no I/O (the session connects on first use): one thread hop less.
    """
    return request_session(request)


def request_session(request: Request) -> Session:
    session: Session | None = request.state._state.get("session")
    if session is None:
        session = get_db(request).session(write=request.method not in SAFE_METHODS)
        request.state.session = session
    return session


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def dumps(body: Any) -> bytes:
    return orjson.dumps(body, default=_default)


class JSONOut(Response):
    """orjson-encoded JSON response for bodies the service has already shaped."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
