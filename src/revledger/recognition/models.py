"""Revenue schedules, revenue events and revenue items (seed 004, Zuora).

A schedule belongs to one invoice or one revenue record. Events are the only way a
schedule changes; each event has one item per accounting period it touches, and the
items sum exactly to the event's amount. Events and items are never updated or deleted.

Amounts are integers in ledger units: ten-thousandths of the currency's major unit
(kit/money.py LEDGER_SCALE), fine enough for invoices' minor units in every ISO 4217
currency and for revenue records' thousandths, so every sum is exact.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from revledger.db import Base
from revledger.kit.dbtypes import UTCDateTime


class RevenueSchedule(Base):
    __tablename__ = "revenue_schedules"
    __table_args__ = (
        UniqueConstraint("workspace_id", "origin", "origin_pk", name="uq_revenue_schedules_origin"),
        UniqueConstraint("workspace_id", "number", name="uq_revenue_schedules_number"),
        # only invoices' schedules are looked up by subscription or customer (cancellations,
        # refunds); partial, so a revenue record's schedule costs these indexes nothing
        Index(
            "ix_revenue_schedules_subscription",
            "workspace_id",
            "source_id",
            "subscription_id",
            postgresql_where=text("origin = 'invoice'"),
            sqlite_where=text("origin = 'invoice'"),
        ),
        Index(
            "ix_revenue_schedules_customer",
            "workspace_id",
            "source_id",
            "customer_id",
            postgresql_where=text("origin = 'invoice'"),
            sqlite_where=text("origin = 'invoice'"),
        ),
    )

    pk: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    number: Mapped[int] = mapped_column(BigInteger)
    source_id: Mapped[str] = mapped_column(String(36))
    origin: Mapped[str] = mapped_column(String(8))
    """`invoice` (origin_pk = invoices.pk) or `revenue` (origin_pk = revenues.id)."""
    origin_pk: Mapped[str] = mapped_column(String(36))
    external_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(12))
    """The invoice type (subscription, one-time, refund) or revenue type (sale, …)."""
    customer_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    subscription_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    plan_pk: Mapped[str | None] = mapped_column(String(36), nullable=True)
    plan_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    product_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    rule: Mapped[str] = mapped_column(String(8))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    """Exclusive: the schedule covers [start_date, end_date); equal for `on_date`."""
    amount: Mapped[int] = mapped_column(BigInteger)
    """The amount billed so far: the sum of its events' amounts. This, start_date and
    end_date are kept current by the events (an adjustment, a cancellation) and say
    what the next event is computed against."""
    gl_accounts_id: Mapped[str] = mapped_column(String(36))
    """The GL account set (journal/models.py) in force when the schedule was created."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RevenueEvent(Base):
    __tablename__ = "revenue_events"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number", name="uq_revenue_events_number"),
        Index("ix_revenue_events_schedule", "schedule_pk", "number"),
        Index("ix_revenue_events_billed", "workspace_id", "billed_period"),
    )

    pk: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    number: Mapped[int] = mapped_column(BigInteger)
    # No foreign keys from events to schedules or items to events: they are written
    # together in one transaction by recognition/service.py and never deleted, and the
    # two keys doubled the cost of these inserts (bench/recognition.py).
    schedule_pk: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int] = mapped_column(BigInteger)
    """What the event adds to the amount billed: the items' sum (0 for a distribution)."""
    currency: Mapped[str] = mapped_column(String(3))
    billed_period: Mapped[date] = mapped_column(Date)
    """Start of the period the event is billed (journaled) in: the period of its date,
    or the first open period after it when that one is closed."""
    event_date: Mapped[date] = mapped_column(Date)
    recognition_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    recognition_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    """Inclusive last day, as Zuora shows it (an on-date event has start = end)."""
    notes: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RevenueItem(Base):
    __tablename__ = "revenue_items"
    __table_args__ = (
        Index("ix_revenue_items_period", "workspace_id", "period_start"),
        Index("ix_revenue_items_schedule", "schedule_pk"),
    )

    event_pk: Mapped[str] = mapped_column(String(36), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    schedule_pk: Mapped[str] = mapped_column(String(36))
    currency: Mapped[str] = mapped_column(String(3))
    billed_period: Mapped[date] = mapped_column(Date)
    """Copied from the event so reports read one table."""
    amount: Mapped[int] = mapped_column(BigInteger)
