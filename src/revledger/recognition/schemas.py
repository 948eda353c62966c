"""Request bodies of the manual distribution endpoints, and the responses of the
schedule and revenue-event endpoints."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

from revledger.kit.pagination import PageMeta
from revledger.openapi import omittable


class PeriodAmount(BaseModel):
    """One period's share, in currency units (`12.5` for 12.50 USD)."""

    model_config = ConfigDict(extra="forbid")

    accounting_period: str = Field(description="A period name (`Mar'2026`) or `2026-03`")
    amount: Decimal = Field(description="Currency units, at most the currency's decimals")


class DateRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_date: str = Field(description="First day (YYYY-MM-DD)")
    end_date: str = Field(description="Last day, inclusive (YYYY-MM-DD)")


# --- responses (the service shapes the JSON; these declare it) ----------------------------

Money = Annotated[
    str,
    Field(
        description="Exact decimal string in currency units, with at least the currency's "
        "ISO 4217 decimals",
        examples=["170.00"],
    ),
]
ZuoraAmount = Annotated[
    Decimal,
    WithJsonSchema(
        {"type": "number", "description": "Currency units, as a JSON number", "examples": [99.0]}
    ),
]


class ScheduleOrigin(BaseModel):
    type: Literal["invoice", "revenue"]
    id: str = Field(description="The invoice id, or the revenue record's external_id")
    record_id: str | None = Field(description="The revenue record's id; null for an invoice")
    source_id: str
    kind: str = Field(description="The invoice's type, or the record's type")


class ScheduleOut(BaseModel):
    number: str = Field(examples=["RS-00000001"])
    origin: ScheduleOrigin
    customer_id: str | None
    subscription_id: str | None
    plan_id: str | None
    product_id: str | None
    currency: str
    rule: Literal["daily", "monthly", "on_date", "manual"]
    recognition_start: date | None = Field(description="null for a manual schedule")
    recognition_end: date | None = Field(description="null for a manual schedule")
    amount: Money = Field(description="What was billed")
    recognized: Money = Field(description="In periods through the end of the one of `as_of`")
    deferred: Money = Field(description="amount − recognized")
    undistributed: Money = Field(description="What a manual schedule holds in Open-Ended")
    as_of: date
    created_at: datetime


class ScheduleEnvelope(BaseModel):
    data: ScheduleOut


class ScheduleList(BaseModel):
    data: list[ScheduleOut]
    meta: PageMeta


class DistributedSchedule(ScheduleOut):
    event: str | None = Field(
        description="The `Revenue Distributed` event made (RE-…), null when nothing moved"
    )


class DistributedEnvelope(BaseModel):
    data: DistributedSchedule


class RevenueItemOut(BaseModel):
    """Seed 004's revenue item: one accounting period's share of an event."""

    accountingPeriodName: str = Field(examples=["Jan'2026", "Open-Ended"])
    isAccountingPeriodClosed: bool
    amount: ZuoraAmount
    currency: str
    accountingPeriodStartDate: date
    accountingPeriodEndDate: date | None = Field(description="null for Open-Ended")


class RevenueEventOut(BaseModel):
    """Seed 004's revenue event."""

    number: str = Field(examples=["RE-00000001"])
    currency: str
    notes: str | None
    accountId: str | None = Field(description="The customer id")
    subscriptionId: str | None
    subscriptionChargeId: str = Field(description="The invoice id or the record's external_id")
    productChargeId: str | None = Field(description="The plan id or the product identifier")
    createdOn: str = Field(
        description="YYYY-MM-DD HH:MM:SS in the workspace's timezone",
        examples=["2026-01-15 10:00:00"],
    )
    eventType: str = Field(examples=["Invoice Posted"])
    recognitionStart: date | None
    recognitionEnd: date | None
    revenueItems: list[RevenueItemOut]


class RevenueEventsPage(BaseModel):
    """Seed 004's answer: a schedule's events, oldest first."""

    revenueEventDetails: list[RevenueEventOut]
    nextPage: str | SkipJsonSchema[None] = omittable("The next page's path, when there is one")
    success: Literal[True]
