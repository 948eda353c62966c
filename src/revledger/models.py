"""Imports every domain's tables so Base.metadata is complete (Alembic, tests)."""

from revledger.auth.models import ApiKey, Workspace
from revledger.revenues.models import Revenue, RevenueDayCount
from revledger.sources.models import RevenueSource

__all__ = ["ApiKey", "Revenue", "RevenueDayCount", "RevenueSource", "Workspace"]
