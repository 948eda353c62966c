"""Plans pushed by a data source (seed 003), unique per (workspace, source, id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revledger.db import Base
from revledger.kit.dbtypes import UTCDateTime


class Plan(Base):
    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("workspace_id", "source_id", "external_id", name="uq_plans_external_id"),
        Index("ix_plans_list", "workspace_id", "source_id", "pk"),
    )

    pk: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    source_id: Mapped[str] = mapped_column(ForeignKey("revenue_sources.id"))
    external_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    interval_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    interval_unit: Mapped[str] = mapped_column(String(5))
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    amount_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    recognition_rule: Mapped[str | None] = mapped_column(String(8), nullable=True)
    """Overrides the source's rule for this plan's invoices (recognition/rules.py)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
