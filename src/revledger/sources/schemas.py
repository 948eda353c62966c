"""Request and response models for revenue sources."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from revledger.kit.currencies import parse_currency
from revledger.kit.text import Text
from revledger.openapi import PageMeta


def _optional_currency(value: object) -> str | None:
    return None if value is None else parse_currency(value)


class RevenueSourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200, examples=["stripe"])
    kind: Text | None = Field(default=None, min_length=1, max_length=50, examples=["stripe"])
    default_currency: Annotated[str | None, BeforeValidator(_optional_currency)] = Field(
        default=None, examples=["USD"]
    )
    recognition_rule: Literal["daily", "monthly", "on_date", "manual"] | None = Field(
        default=None,
        description="How this source's invoices and records are recognized unless their "
        "plan names a rule (default: daily for invoices with a service period, on_date "
        "otherwise)",
    )


class RevenueSourceOut(BaseModel):
    id: str
    name: str
    kind: str | None
    default_currency: str | None
    recognition_rule: str | None
    created_at: datetime


class RevenueSourceEnvelope(BaseModel):
    data: RevenueSourceOut


class RevenueSourceList(BaseModel):
    data: list[RevenueSourceOut]
    meta: PageMeta
