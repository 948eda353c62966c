"""GL account sets and the rules that choose them for new revenue schedules (seed 002)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from revledger.db import Base
from revledger.kit.dbtypes import UTCDateTime


class GlAccountSet(Base):
    """Four account names, immutable. Its id is derived from its content, so one set is
    stored once per workspace however often it is chosen."""

    __tablename__ = "gl_account_sets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    accounts_receivable: Mapped[str] = mapped_column(String(200))
    deferred_revenue: Mapped[str] = mapped_column(String(200))
    revenue: Mapped[str] = mapped_column(String(200))
    refunds: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GlAccountRule(Base):
    """Which account set new schedules of a source and plan use ('' = any)."""

    __tablename__ = "gl_account_rules"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    plan_pk: Mapped[str] = mapped_column(String(36), primary_key=True)
    set_id: Mapped[str] = mapped_column(ForeignKey("gl_account_sets.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
