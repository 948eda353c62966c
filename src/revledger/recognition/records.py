"""The typed records recognition hands around (README, "Types between layers").

All are `TypedDict`s: plain dicts at run time, so nothing is copied or checked on the
posting path, while mypy checks every key.

- `ScheduleRow`, `EventRow`, `ItemRow`: rows of the three tables, between the service
  and the repository (a schedule read back is the same dict a posting then changes);
- `PostedInvoice`, `PostedRevenue`: what `service.post_invoices` and
  `service.post_revenues` read of the invoice and revenue rows handed to them. Their
  items are read-only (recognition never changes them), so any row type that has at
  least these keys, of these types or narrower, can be passed;
- `Totals`, `ScheduleFilters`: what the repository sums per schedule, and the column
  filters of a schedule list.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, NotRequired, TypedDict

if TYPE_CHECKING:  # PEP 705; typing has it from Python 3.13
    from typing_extensions import ReadOnly


class ScheduleFields(TypedDict):
    """What a posting chooses for a new schedule (`Posting.schedule` adds the rest)."""

    source_id: str
    origin: str
    """`invoice` or `revenue`."""
    origin_pk: str
    external_id: str
    kind: str
    customer_id: str | None
    subscription_id: str | None
    plan_pk: str | None
    plan_id: str | None
    product_id: str | None
    currency: str
    rule: str
    start_date: date
    end_date: date
    amount: int
    gl_accounts_id: str


class ScheduleRow(ScheduleFields):
    """A `revenue_schedules` row (models.RevenueSchedule), every column."""

    pk: str
    workspace_id: str
    number: int
    created_at: datetime


class EventRow(TypedDict):
    """A `revenue_events` row (models.RevenueEvent), every column."""

    pk: str
    workspace_id: str
    number: int
    schedule_pk: str
    event_type: str
    amount: int
    currency: str
    billed_period: date
    event_date: date
    recognition_start: date | None
    recognition_end: date | None
    notes: str | None
    created_at: datetime


class ItemRow(TypedDict):
    """A `revenue_items` row (models.RevenueItem), every column."""

    event_pk: str
    period_start: date
    workspace_id: str
    schedule_pk: str
    currency: str
    billed_period: date
    amount: int


class PostedInvoice(TypedDict):
    """What recognition reads of a stored invoice row (invoices.models.Invoice)."""

    pk: ReadOnly[str]
    source_id: ReadOnly[str]
    external_id: ReadOnly[str]
    customer_id: ReadOnly[str]
    plan_pk: ReadOnly[str | None]
    plan_id: ReadOnly[str | None]
    subscription_id: ReadOnly[str | None]
    type: ReadOnly[str]
    date: ReadOnly[datetime]
    amount_cents: ReadOnly[int]
    currency: ReadOnly[str]
    start_date: ReadOnly[datetime]
    end_date: ReadOnly[datetime]
    version: NotRequired[ReadOnly[int]]
    """Absent means 1."""


class PostedRevenue(TypedDict):
    """What recognition reads of a stored revenue record row (revenues.models.Revenue)."""

    id: ReadOnly[str]
    revenue_source_id: ReadOnly[str]
    external_id: ReadOnly[str]
    external_product_identifier: NotRequired[ReadOnly[str | None]]
    type: ReadOnly[str]
    amount_milli: ReadOnly[int]
    currency: ReadOnly[str]
    occurred_at: ReadOnly[datetime]


class Totals(TypedDict):
    """A schedule's items summed, in ledger units."""

    recognized: int
    """In periods up to and including the one asked for."""
    later: int
    """In later periods."""
    undistributed: int
    """In Open-Ended."""


class ScheduleFilters(TypedDict, total=False):
    """Column filters of a schedule list (`None`: not filtered on that column)."""

    customer_id: str | None
    subscription_id: str | None
    origin: str | None
    external_id: str | None
    rule: str | None
    source_id: str | None
