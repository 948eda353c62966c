"""GL accounts, and the summary journal batches made when a period closes (seed 002).

Journal entries themselves are not stored: each revenue event's entry follows from the
event, its items and the account set its schedule was created with (all immutable), so
it is derived on read (journal/service.py) and can never disagree with recognition.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revledger.db import Base
from revledger.kit.dbtypes import UTCDateTime


class JournalBatch(Base):
    """One summary journal batch: made when a period closes, holding what that period
    adds to the GL since the period's earlier batches (journal/service.py). Immutable but
    for its status: READY_TO_TRANSFER, then TRANSFERRED once the GL has taken it."""

    __tablename__ = "journal_batches"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "period_start", "sequence", name="uq_journal_batches_sequence"
        ),
        Index("ix_journal_batches_status", "workspace_id", "status", "period_start"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    period_start: Mapped[date] = mapped_column(Date)
    sequence: Mapped[int] = mapped_column(Integer)
    """1 for the period's first close, 2 for the batch of its second close, ..."""
    status: Mapped[str] = mapped_column(String(20))
    line_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    transferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class JournalBatchLine(Base):
    """A summary line: one account, currency and period; debit and credit in ledger units."""

    __tablename__ = "journal_batch_lines"

    batch_id: Mapped[str] = mapped_column(ForeignKey("journal_batches.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[date] = mapped_column(Date)
    debit: Mapped[int] = mapped_column(BigInteger)
    credit: Mapped[int] = mapped_column(BigInteger)
