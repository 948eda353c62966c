"""Response models of the accounting period endpoints. The service shapes the JSON as
the TypedDict of the same name in service.py; keep the two in step."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class AccountingPeriodOut(BaseModel):
    id: str
    name: str = Field(examples=["Jan'2026"])
    start_date: date
    end_date: date = Field(description="Last day, inclusive")
    status: Literal["open", "closed"]
    closed_at: datetime | None
    closed_by: str | None = Field(description="The API key or OAuth client that closed it")


class AccountingPeriodEnvelope(BaseModel):
    data: AccountingPeriodOut


class AccountingPeriodMeta(BaseModel):
    total: int


class AccountingPeriodList(BaseModel):
    data: list[AccountingPeriodOut]
    meta: AccountingPeriodMeta
