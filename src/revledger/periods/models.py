"""Accounting periods: one calendar month each, in the workspace's timezone.

Periods are created as data needs them and are always contiguous. A closed period's
numbers never change: anything new that would fall in it is posted to the first open
period instead (recognition/service.py).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revledger.db import Base
from revledger.kit.dbtypes import UTCDateTime


class AccountingPeriod(Base):
    __tablename__ = "accounting_periods"
    __table_args__ = (
        UniqueConstraint("workspace_id", "start_date", name="uq_accounting_periods_start"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    """The period's last day (inclusive), as Zuora shows it: Oct'2013 ends 2013-10-31."""
    status: Mapped[str] = mapped_column(String(6))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RecognitionCounter(Base):
    """The last RS- and RE- numbers of a workspace, and the lock that orders recognition:
    posting, closing and reopening take this row first, so a period never closes while
    an event is being put into it. Numbers are reserved in blocks by an UPDATE …
    RETURNING in the posting transaction, so they are gap-free and never reused."""

    __tablename__ = "recognition_counters"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    schedules: Mapped[int] = mapped_column(BigInteger)
    events: Mapped[int] = mapped_column(BigInteger)
