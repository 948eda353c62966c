"""Metric tables: pending recalculations, MRR movements, daily totals, exchange rates.

MRR amounts are stored as integers in units of 1/MRR_SCALE of a minor unit of the
workspace's reporting currency (see metrics/rules.py for why that is exact).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from revledger.db import Base
from revledger.kit.dbtypes import UTCDateTime
from revledger.kit.sql import is_sqlite

UNITS_DIGITS = 38


class Units(TypeDecorator[int]):
    """An exact integer amount of MRR units: NUMERIC(38,0), Python ints in and out.

    PostgreSQL: NUMERIC(38,0) (a BIGINT overflows at about 2.77·10¹¹ minor units).
    SQLite: INTEGER, read back exactly as a Python int (SQLAlchemy's Numeric would go
    through a float there); a value beyond 64 bits cannot be stored and fails loudly
    (the worker records that customer as failed), it is never rounded. A float read
    back (SQLite turns an overflowing `+` into a REAL) is refused, never returned."""

    impl = Numeric(UNITS_DIGITS, 0)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if is_sqlite(dialect):
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(UNITS_DIGITS, 0, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("MRR units must be exact integers, never floats")
        return int(value) if is_sqlite(dialect) else Decimal(int(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        return exact_int(value)


def exact_int(value: Any) -> int | None:
    """An integer or integral Decimal read from the database -> int; a float is refused."""
    if value is None:
        return None
    if isinstance(value, float):
        raise ValueError(f"inexact MRR units read from the database: {value!r}")
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError(f"fractional MRR units read from the database: {value}")
        return int(value)
    return int(value)


class MetricsPending(Base):
    """A customer whose metrics must be recalculated. Written in the import's transaction."""

    __tablename__ = "metrics_pending"
    __table_args__ = (Index("ix_metrics_pending_workspace", "workspace_id"),)

    customer_pk: Mapped[str] = mapped_column(ForeignKey("customers.pk"), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    marks: Mapped[int] = mapped_column(Integer, default=1)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MrrMovement(Base):
    """A day on which a customer's MRR changed: from `before_units` to `after_units`.

    Derived data, rewritten by the worker: no foreign keys, so that a full
    recalculation COPYs its rows without a constraint check per row."""

    __tablename__ = "mrr_movements"
    __table_args__ = (Index("ix_mrr_movements_day", "workspace_id", "day", "type"),)

    customer_pk: Mapped[str] = mapped_column(String(36), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    source_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(12))
    before_units: Mapped[int] = mapped_column(Units)
    after_units: Mapped[int] = mapped_column(Units)
    plan_pk: Mapped[str | None] = mapped_column(String(36), nullable=True)
    """The plan all of the customer's MRR comes from, when it only ever had one (most
    customers): its movements are then that plan's too. Otherwise NULL, and the
    per-plan movements are in `mrr_plan_movements`."""


class MrrPlanMovement(Base):
    """For customers with more than one plan: the movements of the part of their MRR
    that comes from each plan."""

    __tablename__ = "mrr_plan_movements"
    __table_args__ = (Index("ix_mrr_plan_movements_plan", "workspace_id", "plan_pk", "day"),)

    customer_pk: Mapped[str] = mapped_column(String(36), primary_key=True)
    plan_pk: Mapped[str] = mapped_column(String(36), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(12))
    before_units: Mapped[int] = mapped_column(Units)
    after_units: Mapped[int] = mapped_column(Units)


class MrrDaily(Base):
    """Per (workspace, source, day): the sum of that day's movements of all customers.

    MRR on a day is the running sum of `mrr`; `customers` counts customers gaining (+1)
    or losing (-1) MRR. Maintained by the worker with the movements, so a 36-month
    series reads about a thousand rows whatever the number of customers.
    """

    __tablename__ = "mrr_daily"

    workspace_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    mrr: Mapped[int] = mapped_column(Units, default=0)
    new: Mapped[int] = mapped_column(Units, default=0)
    expansion: Mapped[int] = mapped_column(Units, default=0)
    contraction: Mapped[int] = mapped_column(Units, default=0)
    churn: Mapped[int] = mapped_column(Units, default=0)
    reactivation: Mapped[int] = mapped_column(Units, default=0)
    customers: Mapped[int] = mapped_column(BigInteger, default=0)


class MissingRate(Base):
    """An invoice currency a customer's metrics could not convert: the first day lacking."""

    __tablename__ = "metrics_missing_rates"
    __table_args__ = (Index("ix_metrics_missing_rates_workspace", "workspace_id"),)

    customer_pk: Mapped[str] = mapped_column(String(36), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    day: Mapped[date] = mapped_column(Date)


class MetricsFailure(Base):
    """A customer whose recalculation raised. Its mark is removed (no retry loop) and its
    stored movements are left as they were; it is tried again when it is marked again
    (an import touching it, a rate or setting change), and this row goes on success.
    Reported by GET /metrics/status."""

    __tablename__ = "metrics_failures"
    __table_args__ = (Index("ix_metrics_failures_workspace", "workspace_id"),)

    customer_pk: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    error: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MetricsState(Base):
    __tablename__ = "metrics_state"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    last_recalculated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ExchangeRate(Base):
    """`rate` reporting-currency (`base`) units per unit of `currency`, from `day` on."""

    __tablename__ = "exchange_rates"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    base: Mapped[str] = mapped_column(String(3), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rate: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
