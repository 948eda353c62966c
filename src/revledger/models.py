"""Imports every domain's tables so Base.metadata is complete (Alembic, tests)."""

from revledger.accounts.models import GlAccountRule, GlAccountSet
from revledger.auth.models import ApiKey, OAuthAccessToken, OAuthClient, Workspace
from revledger.customers.models import Customer
from revledger.invoices.models import Invoice, InvoiceVersion
from revledger.journal.models import JournalBatch, JournalBatchLine
from revledger.metrics.models import (
    ExchangeRate,
    MetricsPending,
    MetricsState,
    MissingRate,
    MrrDaily,
    MrrMovement,
    MrrPlanMovement,
)
from revledger.periods.models import AccountingPeriod, RecognitionCounter
from revledger.plans.models import Plan
from revledger.recognition.models import (
    RevenueEvent,
    RevenueItem,
    RevenueSchedule,
)
from revledger.revenues.models import Revenue, RevenueDayCount
from revledger.sources.models import RevenueSource
from revledger.uploads.models import Upload, UploadError, UploadRow, UploadTemplate

__all__ = [
    "AccountingPeriod",
    "ApiKey",
    "Customer",
    "ExchangeRate",
    "GlAccountRule",
    "GlAccountSet",
    "Invoice",
    "InvoiceVersion",
    "JournalBatch",
    "JournalBatchLine",
    "MetricsPending",
    "MetricsState",
    "MissingRate",
    "MrrDaily",
    "MrrMovement",
    "MrrPlanMovement",
    "OAuthAccessToken",
    "OAuthClient",
    "Plan",
    "RecognitionCounter",
    "Revenue",
    "RevenueDayCount",
    "RevenueEvent",
    "RevenueItem",
    "RevenueSchedule",
    "RevenueSource",
    "Upload",
    "UploadError",
    "UploadRow",
    "UploadTemplate",
    "Workspace",
]
