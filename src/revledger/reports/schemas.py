"""Response models of the reports (OpenAPI documentation). The service shapes the JSON as
the TypedDicts of the same names in service.py; keep the two in step.

Amounts are decimal strings in currency units, exact: at least the currency's ISO 4217
decimals ("170.00" USD, "170" JPY), more only when the value has them (up to four).
Per-period amounts are objects keyed by the period's name (`Jan'2026`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Money = str
PeriodAmounts = dict[str, Money]


class PeriodOut(BaseModel):
    name: str = Field(examples=["Jan'2026"])
    start_date: str = Field(examples=["2026-01-01"])
    end_date: str = Field(examples=["2026-01-31"], description="Last day, inclusive")
    status: Literal["open", "closed"] | None = Field(
        description="null when the workspace has no such accounting period yet"
    )


class RecognizedRow(BaseModel):
    currency: str
    source_id: str | None = Field(None, description="group_by source, plan, customer")
    source_name: str | None = Field(None, description="group_by source, plan, customer")
    plan_id: str | None = Field(None, description="group_by plan (seed-003 plan id)")
    product_id: str | None = Field(
        None,
        description="group_by product: a revenue record's external_product_identifier, "
        "an invoice's plan id",
    )
    customer_id: str | None = Field(None, description="group_by customer")
    recognized: PeriodAmounts
    total: Money


class RecognizedTotal(BaseModel):
    currency: str
    recognized: PeriodAmounts
    total: Money


class RecognizedMeta(BaseModel):
    group_by: str
    start_period: str
    end_period: str
    periods: int


class RecognizedReport(BaseModel):
    periods: list[PeriodOut]
    data: list[RecognizedRow]
    totals: list[RecognizedTotal]
    meta: RecognizedMeta


class Balance(BaseModel):
    schedule_number: str = Field(examples=["RS-00000001"])
    origin: Literal["invoice", "revenue"]
    external_id: str = Field(description="The invoice id or the revenue record's external_id")
    kind: str
    source_id: str
    customer_id: str | None
    currency: str
    billed: Money = Field(description="Billed through the end of the period")
    recognized: Money = Field(description="Recognized through the end of the period")
    deferred: Money = Field(description="billed − recognized")


class BalanceTotal(BaseModel):
    currency: str
    billed: Money
    recognized: Money
    deferred: Money


class DeferredMeta(BaseModel):
    as_of: str
    period: PeriodOut
    current_page: int
    last_page: int
    per_page: int
    total: int = Field(description="Schedules with a non-zero balance")


class DeferredReport(BaseModel):
    data: list[Balance]
    totals: list[BalanceTotal] = Field(description="Per currency, over every schedule")
    meta: DeferredMeta


class WaterfallLine(BaseModel):
    billed: Money = Field(description="Billed in the row's period (through the range's end)")
    recognized_before: Money = Field(description="Recognized before the range's first period")
    recognized: PeriodAmounts = Field(description="Recognized in each period of the range")
    recognized_to_date: Money = Field(description="recognized_before + Σ recognized")
    deferred: Money = Field(description="billed − recognized_to_date")


class WaterfallRow(WaterfallLine):
    currency: str
    row: Literal["period", "earlier", "later"]
    billed_period: str | None = Field(description="null for the earlier and later rows")
    billed_period_start: str | None


class WaterfallTotal(WaterfallLine):
    currency: str


class WaterfallSummary(BaseModel):
    currency: str
    period: str
    period_start: str
    billed: Money = Field(description="Billed in the period")
    recognized: Money = Field(description="Recognized in the period")
    billed_to_date: Money = Field(description="Billed through the end of the period")
    recognized_to_date: Money = Field(description="Recognized through the end of the period")
    deferred: Money = Field(description="Deferred at the end of the period")


class WaterfallMeta(BaseModel):
    start_period: str
    end_period: str
    periods: int


class WaterfallReport(BaseModel):
    periods: list[PeriodOut]
    data: list[WaterfallRow]
    totals: list[WaterfallTotal]
    summary: list[WaterfallSummary]
    meta: WaterfallMeta
