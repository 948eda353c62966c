"""Response models of the customer endpoints (for the OpenAPI document).

Requests are read item by item (kit/items.py), since a bad item must not fail the others.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from revledger.openapi import omittable


class ImportResult(BaseModel):
    id: str | int | None = Field(description="The item's id as sent, null when it has none")
    import_status: Literal["inserted", "updated", "unchanged", "error"]
    import_error: str | SkipJsonSchema[None] = omittable("Only with import_status error")


class ImportResponse(BaseModel):
    result: list[ImportResult]


class CustomerOut(BaseModel):
    """A field without a value is left out."""

    source_id: str
    id: str
    name: str | SkipJsonSchema[None] = omittable()
    email: str | SkipJsonSchema[None] = omittable()
    country: str | SkipJsonSchema[None] = omittable()
    company: str | SkipJsonSchema[None] = omittable()
    custom_variables: dict[str, Any] | SkipJsonSchema[None] = omittable()


class CustomerListBody(BaseModel):
    count: int
    list: list[CustomerOut]
    next_cursor: str | SkipJsonSchema[None] = omittable("When there are more customers")


class CustomerList(BaseModel):
    result: CustomerListBody


class SubscriptionOut(BaseModel):
    id: str
    plan_id: str | None
    status: Literal["active", "churned", "future"]
    mrr: int = Field(description="Monthly value today, minor units of the reporting currency")
    start_date: date
    end_date: date


class CustomerDetail(CustomerOut):
    mrr: int
    currency: str
    metrics_pending: bool = Field(description="Whether a recalculation of its metrics is due")
    subscriptions: list[SubscriptionOut]


class CustomerEnvelope(BaseModel):
    data: CustomerDetail


class MrrPoint(BaseModel):
    date: dt.date
    mrr: int = Field(description="The customer's MRR after the change")
    type: Literal["new", "expansion", "contraction", "churn", "reactivation"]
    amount: int = Field(description="The change")


class CustomerMrrMeta(BaseModel):
    currency: str = Field(description="The reporting currency")
    source_id: str
    customer_id: str


class CustomerMrr(BaseModel):
    data: list[MrrPoint]
    meta: CustomerMrrMeta
