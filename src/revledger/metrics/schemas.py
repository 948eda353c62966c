"""Response models of the metrics and exchange-rate endpoints (the service shapes the
JSON; these declare it). Amounts are integers in minor units of the reporting currency;
rates and ratios are decimal strings."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from revledger.openapi import omittable

MovementType = Literal["new", "expansion", "contraction", "churn", "reactivation"]


class MissingRate(BaseModel):
    currency: str
    date: dt.date = Field(description="The first day a rate is missing")
    customers: int


class MrrInterval(BaseModel):
    date: dt.date = Field(description="The interval's last day")
    mrr: int
    new: int
    expansion: int
    contraction: int
    churn: int
    reactivation: int
    customers: int


class MrrMeta(BaseModel):
    currency: str
    interval: Literal["day", "week", "month", "quarter", "year"]
    start_date: dt.date
    end_date: dt.date
    missing_exchange_rates: list[MissingRate]
    source: str | SkipJsonSchema[None] = omittable("With `source`: the data source's id")
    plan_id: str | SkipJsonSchema[None] = omittable("With `plan_id`")


class MrrSeries(BaseModel):
    data: list[MrrInterval]
    meta: MrrMeta


class SummaryFigures(BaseModel):
    date: dt.date
    period_start: dt.date = Field(description="The month is (period_start, date]")
    mrr: int
    arr: int
    arpa: int
    customers: int
    customer_churn_rate: str | None = Field(examples=["0.0500"])
    mrr_churn_rate: str | None
    net_mrr_retention: str | None


class EarlierSummary(SummaryFigures):
    days_ago: int = Field(examples=[30])


class SummaryMeta(BaseModel):
    currency: str
    date: dt.date
    missing_exchange_rates: list[MissingRate]


class Summary(BaseModel):
    data: SummaryFigures
    earlier: list[EarlierSummary]
    meta: SummaryMeta


class Movement(BaseModel):
    date: dt.date
    source_id: str
    customer_id: str
    type: MovementType
    before: int
    after: int
    amount: int = Field(description="after − before")


class MovementMeta(BaseModel):
    currency: str
    start_date: dt.date
    end_date: dt.date
    next_cursor: str | SkipJsonSchema[None] = omittable("When there are more movements")


class MovementList(BaseModel):
    data: list[Movement]
    meta: MovementMeta


class FailedCustomer(BaseModel):
    source_id: str
    customer_id: str
    error: str
    failed_at: dt.datetime


class MetricsStatus(BaseModel):
    pending_customers: int
    last_recalculated_at: dt.datetime | None
    missing_exchange_rates: list[MissingRate]
    failed_customers: list[FailedCustomer]


class MetricsStatusEnvelope(BaseModel):
    data: MetricsStatus


class RateImportResult(BaseModel):
    date: Any = Field(description="The item's `date`, as sent")
    currency: Any = Field(description="The item's `currency`, as sent")
    import_status: Literal["inserted", "updated", "unchanged", "error"]
    import_error: str | SkipJsonSchema[None] = omittable("Only with import_status error")


class RateImportResponse(BaseModel):
    result: list[RateImportResult]


class RateOut(BaseModel):
    date: dt.date
    currency: str
    rate: str = Field(examples=["1.0834"], description="`base` units per unit of `currency`")
    base: str = Field(description="The reporting currency")


class RateListBody(BaseModel):
    count: int
    list: list[RateOut]


class RateList(BaseModel):
    result: RateListBody
