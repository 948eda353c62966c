"""FastAPI dependencies: `Depends(requires("read:revenues"))` gives the Principal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from revledger.auth.service import Principal, authenticate
from revledger.web import get_db, request_session


def current_principal(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    """Check the key. On PostgreSQL in the request's own transaction; on SQLite in a
    short read transaction of its own, so that SQLite's write lock is taken only inside
    the handler and a request holding it never waits for another thread of the pool
    (where other requests wait for that lock).
    """
    principal: Principal | None = request.state._state.get("principal")
    if principal is None:
        db = get_db(request)
        if db.sqlite:
            with db.session() as session:
                principal = authenticate(session, authorization)
        else:
            principal = authenticate(request_session(request), authorization)
        request.state.principal = principal
    return principal


def requires(scope: str | None) -> Callable[..., Any]:
    """A dependency that authenticates and checks `scope` (None: any valid key)."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if scope is not None:
            principal.require(scope)
        return principal

    dependency.__name__ = f"requires_{(scope or 'any').replace(':', '_')}"
    return dependency
