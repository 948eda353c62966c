"""Imports every domain's tables so Base.metadata is complete (Alembic, tests)."""

from revledger.auth.models import ApiKey, Workspace
from revledger.customers.models import Customer
from revledger.invoices.models import Invoice, InvoiceVersion
from revledger.metrics.models import (
    ExchangeRate,
    MetricsPending,
    MetricsState,
    MissingRate,
    MrrDaily,
    MrrMovement,
    MrrPlanMovement,
)
from revledger.oauth.models import OAuthAccessToken, OAuthClient
from revledger.plans.models import Plan
from revledger.revenues.models import Revenue, RevenueDayCount
from revledger.sources.models import RevenueSource

__all__ = [
    "ApiKey",
    "Customer",
    "ExchangeRate",
    "Invoice",
    "InvoiceVersion",
    "MetricsPending",
    "MetricsState",
    "MissingRate",
    "MrrDaily",
    "MrrMovement",
    "MrrPlanMovement",
    "OAuthAccessToken",
    "OAuthClient",
    "Plan",
    "Revenue",
    "RevenueDayCount",
    "RevenueSource",
    "Workspace",
]
