"""Response models of the plan endpoints (for the OpenAPI document).

Requests are read item by item (kit/items.py), since a bad item must not fail the others.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel
from pydantic.json_schema import SkipJsonSchema

from revledger.openapi import omittable


class PlanOut(BaseModel):
    """A field without a value is left out."""

    source_id: str
    id: str
    name: str | SkipJsonSchema[None] = omittable()
    interval_count: int | SkipJsonSchema[None] = omittable()
    interval_unit: Literal["day", "week", "month", "year"]
    currency: str | SkipJsonSchema[None] = omittable()
    amount_cents: int | SkipJsonSchema[None] = omittable()
    recognition_rule: Literal["daily", "monthly", "on_date", "manual"] | SkipJsonSchema[None] = (
        omittable()
    )


class PlanListBody(BaseModel):
    count: int
    list: list[PlanOut]
    next_cursor: str | SkipJsonSchema[None] = omittable("When there are more plans")


class PlanList(BaseModel):
    result: PlanListBody
