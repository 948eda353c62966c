"""HTTP plumbing shared by every router: the unit of work, JSON in and out.

`UnitOfWorkRoute` is the route class of every API router. It parses JSON bodies with
numbers as `Decimal` (never float: money) and commits the request's session after the
handler returns and before the response leaves; any exception or error status rolls
it back. Streaming endpoints open their own connection inside the stream.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
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

# Commits run under their own limiter: a handler thread may hold SQLite's write lock
# while every thread of the default pool waits for that lock; if the commit needed one
# of those threads, nothing could move.
_COMMIT_LIMITER = CapacityLimiter(64)


async def _finish_in_thread(session: Session, commit: bool) -> None:
    await anyio.to_thread.run_sync(_finish, session, commit, limiter=_COMMIT_LIMITER)


class DecimalJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json.loads(await self.body(), parse_float=Decimal)
        return self._json


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


class UnitOfWorkRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            request = DecimalJSONRequest(request.scope, request.receive)
            try:
                response = await original(request)
            except BaseException:
                session = request.state._state.pop("session", None)
                if session is not None:
                    await _finish_in_thread(session, False)
                raise
            session = request.state._state.pop("session", None)
            if session is not None:
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
