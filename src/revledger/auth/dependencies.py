"""FastAPI dependencies: `Depends(requires("read:revenues"))` gives the Principal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from revledger.auth.service import Principal, authenticate
from revledger.web import get_session


def current_principal(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    principal: Principal | None = request.state._state.get("principal")
    if principal is None:
        principal = authenticate(session, authorization)
        request.state.principal = principal
    return principal


def requires(scope: str | None) -> Callable[..., Principal]:
    """A dependency that authenticates and checks `scope` (None: any valid key)."""

    def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if scope is not None:
            principal.require(scope)
        return principal

    dependency.__name__ = f"requires_{(scope or 'any').replace(':', '_')}"
    return dependency
