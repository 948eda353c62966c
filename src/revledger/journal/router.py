"""HTTP routes of the journal domain."""

from __future__ import annotations

from fastapi import APIRouter

from revledger.web import UnitOfWorkRoute

router = APIRouter(prefix="/api/v1", tags=["journal"], route_class=UnitOfWorkRoute)
