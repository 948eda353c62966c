"""Request bodies of the manual distribution endpoints."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class PeriodAmount(BaseModel):
    """One period's share, in currency units (`12.5` for 12.50 USD)."""

    model_config = ConfigDict(extra="forbid")

    accounting_period: str = Field(description="A period name (`Mar'2026`) or `2026-03`")
    amount: Decimal = Field(description="Currency units, at most the currency's decimals")


class DateRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_date: str = Field(description="First day (YYYY-MM-DD)")
    end_date: str = Field(description="Last day, inclusive (YYYY-MM-DD)")
