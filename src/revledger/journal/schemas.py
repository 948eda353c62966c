"""Request bodies of the journal endpoints, and their responses (the service shapes the
JSON; these declare it). Amounts are exact decimal strings in currency units."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from revledger.journal.rules import account_name_problem
from revledger.kit.bulk import encodable
from revledger.openapi import PageMeta

Money = Annotated[str, Field(examples=["170.00"])]
BatchStatus = Literal["READY_TO_TRANSFER", "TRANSFERRED"]


class AccountNames(BaseModel):
    """The four GL accounts of a revenue stream (an account's name or code, as the GL
    knows it, e.g. "1200 Accounts Receivable")."""

    model_config = ConfigDict(extra="forbid")

    accounts_receivable: str = Field(examples=["1200 Accounts Receivable"])
    deferred_revenue: str = Field(examples=["2400 Deferred Revenue"])
    revenue: str = Field(examples=["4000 Subscription Revenue"])
    refunds: str = Field(
        description="Contra-revenue account that refunds are recognized in",
        examples=["4900 Refunds"],
    )

    @field_validator("accounts_receivable", "deferred_revenue", "revenue", "refunds")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        problem = account_name_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class GlAccountsIn(BaseModel):
    """Which accounts new revenue schedules use: for the whole workspace (no source, no
    plan), a source, a plan, or a plan within a source."""

    model_config = ConfigDict(extra="forbid")

    source_id: str | None = Field(
        default=None, description="A revenue source's id (or name); null: any source"
    )
    plan_id: str | None = Field(
        default=None,
        description="A plan's seed-003 id (as in invoices' plan_id), looked up in "
        "`source_id` when given, else it must name one plan of the workspace; null: any plan",
    )
    accounts: AccountNames

    @field_validator("source_id", "plan_id")
    @classmethod
    def _reference(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value or len(value) > 255:
            raise ValueError("must be 1 to 255 characters (or null)")
        if "\x00" in value or not encodable(value):
            raise ValueError("must be valid Unicode without NUL characters")
        return value


class BatchStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str = Field(examples=["TRANSFERRED"])


# --- responses ------------------------------------------------------------------------------


class AccountTypes(BaseModel):
    accounts_receivable: str = Field(examples=["asset"])
    deferred_revenue: str = Field(examples=["liability"])
    revenue: str = Field(examples=["revenue"])
    refunds: str = Field(examples=["contra-revenue"])


class GlRuleOut(BaseModel):
    source_id: str | None = Field(description="null: any source")
    plan_id: str | None = Field(description="null: any plan")
    accounts: AccountNames
    updated_at: datetime


class GlAccountsOut(BaseModel):
    defaults: AccountNames = Field(description="What schedules no rule matches use")
    built_in_defaults: AccountNames
    account_types: AccountTypes
    rules: list[GlRuleOut]


class GlAccountsEnvelope(BaseModel):
    data: GlAccountsOut


class GlRuleEnvelope(BaseModel):
    data: GlRuleOut


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
