"""HTTP routes of the recognition domain."""

from __future__ import annotations

from fastapi import APIRouter

from revledger.web import UnitOfWorkRoute

router = APIRouter(prefix="/api/v1", tags=["revenue recognition"], route_class=UnitOfWorkRoute)
