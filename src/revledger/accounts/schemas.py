"""Request bodies and responses of the GL accounts endpoints. The service returns the
TypedDicts of the same names (service.py; AccountNames in rules.py); keep them in step."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from revledger.accounts.rules import account_name_problem
from revledger.kit.text import encodable


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
