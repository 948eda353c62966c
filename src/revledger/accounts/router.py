"""GL accounts: which accounts new revenue schedules use (scopes read/write:journal)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from revledger.accounts import service
from revledger.accounts.schemas import GlAccountsEnvelope, GlAccountsIn, GlRuleEnvelope
from revledger.auth.dependencies import requires
from revledger.auth.service import Principal
from revledger.kit.timeutil import utcnow
from revledger.openapi import responses
from revledger.web import JSONOut, UnitOfWorkRoute, get_session

router = APIRouter(prefix="/api/v1", tags=["journal"], route_class=UnitOfWorkRoute)
SessionDep = Annotated[Session, Depends(get_session)]
Reader = Annotated[Principal, Depends(requires("read:journal"))]
Writer = Annotated[Principal, Depends(requires("write:journal"))]


@router.get(
    "/gl-accounts",
    response_model=GlAccountsEnvelope,
    responses=responses(401, 403),
    summary="The chart of accounts: defaults and every source/plan rule (scope: read:journal)",
)
def get_gl_accounts(session: SessionDep, principal: Reader) -> JSONOut:
    """`defaults` are the accounts of schedules no rule matches (the workspace rule, else
    the built-in `Accounts Receivable`, `Deferred Revenue`, `Revenue`, `Refunds`)."""
    return JSONOut({"data": service.gl_accounts(session, principal.workspace_id)})


@router.put(
    "/gl-accounts",
    response_model=GlRuleEnvelope,
    responses=responses(401, 403, 422),
    summary="Set the accounts of the workspace, a source, a plan or both (scope: write:journal)",
)
def put_gl_accounts(body: GlAccountsIn, session: SessionDep, principal: Writer) -> JSONOut:
    """Applies to revenue schedules created from now on: each schedule keeps the accounts
    in force when it was created, so entries already made never change. The most
    specific rule wins: source and plan, plan, source, workspace, built-in defaults."""
    return JSONOut(
        {"data": service.put_gl_accounts(session, principal.workspace_id, body, utcnow())}
    )
