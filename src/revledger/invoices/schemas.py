"""Response models of the invoice endpoints (for the OpenAPI document).

Requests are read item by item (kit/items.py), since a bad item must not fail the others.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from revledger.openapi import omittable


class InvoiceOut(BaseModel):
    """A field without a value is left out."""

    source_id: str
    customer_id: str
    id: str
    type: Literal["subscription", "one-time", "refund", "cancellation"]
    date: datetime
    amount_cents: int
    currency: str
    plan_id: str | SkipJsonSchema[None] = omittable()
    subscription_id: str | SkipJsonSchema[None] = omittable()
    start_date: datetime
    end_date: datetime
    quantity: int | SkipJsonSchema[None] = omittable()
    discount: int | SkipJsonSchema[None] = omittable()
    version: int = Field(description="1, then one more at each update")
    updated_at: datetime


class InvoiceListBody(BaseModel):
    count: int
    list: list[InvoiceOut]
    next_cursor: str | SkipJsonSchema[None] = omittable("When there are more invoices")


class InvoiceList(BaseModel):
    result: InvoiceListBody


class InvoiceVersion(BaseModel):
    version: int
    valid_from: datetime
    replaced_at: datetime
    invoice: InvoiceOut = Field(description="The invoice as it was in this version")


class InvoiceVersions(BaseModel):
    invoice: InvoiceOut = Field(description="The invoice as it is now")
    versions: list[InvoiceVersion] = Field(description="Earlier versions, oldest first")


class InvoiceVersionsEnvelope(BaseModel):
    data: InvoiceVersions
