"""HTTP routes of the reports domain."""

from __future__ import annotations

from fastapi import APIRouter

from revledger.web import UnitOfWorkRoute

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], route_class=UnitOfWorkRoute)
