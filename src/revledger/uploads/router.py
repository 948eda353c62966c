"""HTTP routes of the uploads domain."""

from __future__ import annotations

from fastapi import APIRouter

from revledger.web import UnitOfWorkRoute

router = APIRouter(prefix="/api/v1", tags=["uploads"], route_class=UnitOfWorkRoute)
