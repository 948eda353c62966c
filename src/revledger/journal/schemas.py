"""Request bodies of the journal endpoints, and their responses (the service shapes the
JSON as the TypedDicts of the same names in service.py; these declare it, keep the two in
step). Amounts are exact decimal strings in currency units."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from revledger.kit.pagination import PageMeta

Money = Annotated[str, Field(examples=["170.00"])]
BatchStatus = Literal["READY_TO_TRANSFER", "TRANSFERRED"]


class BatchStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str = Field(examples=["TRANSFERRED"])


# --- responses ------------------------------------------------------------------------------


class PeriodLine(BaseModel):
    account: str
    debit: Money
    credit: Money
    currency: str
    period: str = Field(examples=["Jan'2026"])
    period_start: date
    period_end: date


class EntryLine(PeriodLine):
    type: Literal["billed", "recognized"]


class EntryOrigin(BaseModel):
    type: Literal["invoice", "revenue"]
    id: str = Field(description="The revenue record's id, or the invoice id")
    external_id: str
    source_id: str


class JournalEntry(BaseModel):
    event: str = Field(examples=["RE-00000001"])
    event_type: str
    event_date: date
    schedule: str = Field(examples=["RS-00000001"])
    origin: EntryOrigin
    customer_id: str | None
    kind: str
    currency: str
    amount: Money
    billed_period: str
    lines: list[EntryLine]
    total_debit: Money
    total_credit: Money
    created_at: datetime


class JournalEntryList(BaseModel):
    data: list[JournalEntry]
    meta: PageMeta


class BatchTotal(BaseModel):
    currency: str
    debit: Money
    credit: Money


class JournalBatch(BaseModel):
    id: str
    name: str = Field(examples=["Jan'2026 #1"])
    period: str
    period_start: date
    period_end: date
    sequence: int
    status: BatchStatus
    line_count: int
    totals: list[BatchTotal]
    created_at: datetime
    transferred_at: datetime | None


class JournalBatchEnvelope(BaseModel):
    data: JournalBatch


class JournalBatchList(BaseModel):
    data: list[JournalBatch]
    meta: PageMeta


class BatchLine(PeriodLine):
    line_no: int


class JournalBatchLines(JournalBatch):
    lines: list[BatchLine] = Field(description="One page of the batch's lines")


class JournalBatchPage(BaseModel):
    data: JournalBatchLines
    meta: PageMeta = Field(description="The page of `lines`")


class TrialBalanceAccount(BaseModel):
    account: str
    currency: str
    debit: Money
    credit: Money
    balance: Money = Field(description="debit − credit")


class TrialBalanceTotal(BaseModel):
    currency: str
    debit: Money
    credit: Money
    difference: Money = Field(description="Always zero")


class TrialBalance(BaseModel):
    period: str
    period_start: date
    period_end: date
    period_status: Literal["open", "closed"] | None = Field(
        description="null when the workspace has no such accounting period"
    )
    accounts: list[TrialBalanceAccount]
    totals: list[TrialBalanceTotal]


class TrialBalanceEnvelope(BaseModel):
    data: TrialBalance
