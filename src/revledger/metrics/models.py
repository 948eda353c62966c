"""Metric tables: pending recalculations, MRR movements, daily totals, exchange rates.

MRR amounts are stored as integers in units of 1/MRR_SCALE of a minor unit of the
workspace's reporting currency (see metrics/rules.py for why that is exact).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from revledger.db import Base
from revledger.kit.dbtypes import UTCDateTime


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
    before_units: Mapped[int] = mapped_column(BigInteger)
    after_units: Mapped[int] = mapped_column(BigInteger)
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
    before_units: Mapped[int] = mapped_column(BigInteger)
    after_units: Mapped[int] = mapped_column(BigInteger)


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
    mrr: Mapped[int] = mapped_column(BigInteger, default=0)
    new: Mapped[int] = mapped_column(BigInteger, default=0)
    expansion: Mapped[int] = mapped_column(BigInteger, default=0)
    contraction: Mapped[int] = mapped_column(BigInteger, default=0)
    churn: Mapped[int] = mapped_column(BigInteger, default=0)
    reactivation: Mapped[int] = mapped_column(BigInteger, default=0)
    customers: Mapped[int] = mapped_column(BigInteger, default=0)


class MissingRate(Base):
    """An invoice currency a customer's metrics could not convert: the first day lacking."""

    __tablename__ = "metrics_missing_rates"
    __table_args__ = (Index("ix_metrics_missing_rates_workspace", "workspace_id"),)

    customer_pk: Mapped[str] = mapped_column(String(36), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    day: Mapped[date] = mapped_column(Date)


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
