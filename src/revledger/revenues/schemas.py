"""Request and response models for revenue records (seed 000's fields)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from revledger.kit.currencies import parse_currency
from revledger.kit.money import parse_amount
from revledger.kit.pagination import PageMeta
from revledger.kit.text import Text
from revledger.kit.timeutil import parse_rfc3339
from revledger.openapi import Problem, omittable

RevenueType = Literal["sale", "refund", "adjustment"]
REVENUE_TYPES: tuple[str, ...] = ("sale", "refund", "adjustment")
MAX_METADATA_CHARS = 2000
MAX_BATCH = 100

Amount = Annotated[
    Decimal,
    BeforeValidator(parse_amount),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "number"}],
            "description": "Decimal with at most 3 places; |amount| < 10^12. "
            "Sale > 0, refund < 0, adjustment != 0.",
            "examples": ["249.000"],
        }
    ),
]
Currency = Annotated[
    str,
    BeforeValidator(parse_currency),
    WithJsonSchema(
        {"type": "string", "description": "ISO 4217 code, any case", "examples": ["USD"]}
    ),
]


def parse_occurred_at(value: object) -> datetime:
    """RFC 3339 within the years 1900-2999 (a guard against typos such as 20260)."""
    parsed = parse_rfc3339(value)
    if not 1900 <= parsed.year <= 2999:
        raise ValueError("must be between the years 1900 and 2999")
    return parsed


Timestamp = Annotated[
    datetime,
    BeforeValidator(parse_occurred_at),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 with an offset or Z",
            "examples": ["2026-05-31T10:00:00Z"],
        }
    ),
]


def _decimal_as_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))
    raise TypeError


def serialize_metadata(value: dict[str, Any]) -> str:
    """Compact JSON, keys in the order given, numbers exactly as sent."""
    try:
        return orjson.dumps(value, default=_decimal_as_number).decode()
    except (TypeError, orjson.JSONEncodeError):
        raise ValueError("must be a JSON object of strings, numbers, booleans and nulls") from None


class RevenueCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    revenue_source_id: Text = Field(min_length=1, max_length=36)
    type: RevenueType
    amount: Amount
    currency: Currency
    occurred_at: Timestamp
    external_id: Text = Field(min_length=1, max_length=255)
    external_product_identifier: Text | None = Field(default=None, max_length=255)
    description: Text | None = Field(default=None, max_length=1000)
    metadata: dict[str, Any] | None = Field(
        default=None, description="A JSON object, at most 2,000 characters serialized"
    )

    @field_validator("metadata")
    @classmethod
    def _metadata_size(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(serialize_metadata(value)) > MAX_METADATA_CHARS:
            raise ValueError(f"must be at most {MAX_METADATA_CHARS} characters serialized")
        return value


class BatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[Any] = Field(
        min_length=1, max_length=MAX_BATCH, description="1 to 100 revenue records"
    )


class RevenueOut(BaseModel):
    id: str
    revenue_source_id: str
    external_id: str
    external_product_identifier: str | None
    type: RevenueType
    amount: str = Field(examples=["249.000"])
    currency: str
    occurred_at: datetime
    description: str | None
    metadata: dict[str, Any] | None
    created_at: datetime


class RevenueEnvelope(BaseModel):
    data: RevenueOut


class RevenueCreated(BaseModel):
    data: RevenueOut
    outcome: Literal["created", "skipped_duplicate"]
    mismatched_fields: list[str] | SkipJsonSchema[None] = omittable(
        "Only on a duplicate whose payload differs from the stored record"
    )


class RevenueList(BaseModel):
    data: list[RevenueOut]
    meta: PageMeta


class BatchItem(BaseModel):
    index: int
    success: bool
    status: int = Field(description="What a single POST of the record would answer")
    response: RevenueCreated | Problem = Field(
        description="What a single POST of the record would answer: the record (201, or "
        "200 for a duplicate), or the problem details of a 422"
    )


class BatchMeta(BaseModel):
    processed: int
    succeeded: int
    failed: int
    limit: int = Field(description=f"The most records a batch takes ({MAX_BATCH})")


class BatchResult(BaseModel):
    data: list[BatchItem]
    meta: BatchMeta
