"""Revenue records (seed 000) and the per-day counts that make `meta.total` cheap."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from revledger.db import Base
from revledger.kit.dbtypes import UTCDateTime


class Revenue(Base):
    """One sale, refund or adjustment. Immutable: never updated, never deleted."""

    __tablename__ = "revenues"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "revenue_source_id", "external_id", name="uq_revenues_external_id"
        ),
        Index(
            "ix_revenues_list",
            "workspace_id",
            "occurred_at",
            "id",
            postgresql_include=["type", "currency", "revenue_source_id"],
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # No foreign keys on this hot table, by design: the service checks the source inside
    # the same transaction and workspaces and sources are never deleted, while an FK
    # would make every inserted row share-lock the same two parent rows (see README).
    workspace_id: Mapped[str] = mapped_column(String(36))
    revenue_source_id: Mapped[str] = mapped_column(String(36))
    external_id: Mapped[str] = mapped_column(String(255))
    external_product_identifier: Mapped[str | None] = mapped_column(String(255), nullable=True)
    type: Mapped[str] = mapped_column(String(10))
    amount_milli: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    description: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    metadata_json: Mapped[str | None] = mapped_column("metadata", Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RevenueDayCount(Base):
    """How many records a (source, type, currency) has on a UTC day.

    Maintained in the same transaction as the inserts; records are never deleted, so
    the counts only grow. Each count is striped over `slot`s (on PostgreSQL the
    connection's backend pid modulo 4) so that concurrent batches of the same days
    rarely wait for each other's row locks; readers sum the slots. `GET /revenues` sums
    these for `meta.total` (and to seek deep pages) instead of counting a million rows.
    """

    __tablename__ = "revenue_day_counts"

    workspace_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    revenue_source_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(10), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=0)
    n: Mapped[int] = mapped_column(BigInteger)
