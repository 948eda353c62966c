"""Response models of the customer endpoints (for the OpenAPI document).

Requests are read item by item (kit/bulk.py), since a bad item must not fail the others.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ImportResult(BaseModel):
    id: str | None
    import_status: Literal["inserted", "updated", "unchanged", "error"]
    import_error: str | None = Field(default=None, description="Only with import_status error")


class ImportResponse(BaseModel):
    result: list[ImportResult]


class CustomerOut(BaseModel):
    source_id: str
    id: str
    name: str | None = None
    email: str | None = None
    country: str | None = None
    company: str | None = None
    custom_variables: dict[str, Any] | None = None


class CustomerListBody(BaseModel):
    count: int
    list: list[CustomerOut]
    next_cursor: str | None = None


class CustomerList(BaseModel):
    result: CustomerListBody


class SubscriptionOut(BaseModel):
    id: str
    plan_id: str | None
    status: Literal["active", "churned", "future"]
    mrr: int = Field(description="Monthly value today, minor units of the reporting currency")
    start_date: str
    end_date: str | None


class CustomerDetail(CustomerOut):
    mrr: int
    currency: str
    subscriptions: list[SubscriptionOut]


class CustomerEnvelope(BaseModel):
    data: CustomerDetail


class MrrPoint(BaseModel):
    date: str
    mrr: int
    type: str
    amount: int


class CustomerMrr(BaseModel):
    data: list[MrrPoint]
    meta: dict[str, Any]
