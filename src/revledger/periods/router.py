"""HTTP routes of the periods domain."""

from __future__ import annotations

from fastapi import APIRouter

from revledger.web import UnitOfWorkRoute

router = APIRouter(
    prefix="/api/v1/accounting-periods", tags=["accounting periods"], route_class=UnitOfWorkRoute
)
