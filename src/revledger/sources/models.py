"""Revenue sources: the systems that post revenue (billing systems, app stores, files)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revledger.db import Base
from revledger.kit.dbtypes import UTCDateTime


class RevenueSource(Base):
    __tablename__ = "revenue_sources"
    __table_args__ = (UniqueConstraint("workspace_id", "name", name="uq_revenue_sources_name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(50), nullable=True)
    default_currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    recognition_rule: Mapped[str | None] = mapped_column(String(8), nullable=True)
    """The rule for this source's invoices and records unless their plan names one."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
