"""Invoices pushed by a data source (seed 003) and every earlier version of each.

An invoice is unique per (workspace, source, id). An update keeps the replaced state
in `invoice_versions` (needed for revenue adjustments later); `version` counts from 1.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revledger.db import Base
from revledger.kit.dbtypes import UTCDateTime


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "source_id", "external_id", name="uq_invoices_external_id"
        ),
        Index("ix_invoices_list", "workspace_id", "source_id", "date", "pk"),
        Index("ix_invoices_customer", "customer_pk", "type"),
        Index("ix_invoices_plan", "plan_pk"),
    )

    pk: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    source_id: Mapped[str] = mapped_column(ForeignKey("revenue_sources.id"))
    external_id: Mapped[str] = mapped_column(String(255))
    customer_pk: Mapped[str] = mapped_column(ForeignKey("customers.pk"))
    customer_id: Mapped[str] = mapped_column(String(255))
    plan_pk: Mapped[str | None] = mapped_column(ForeignKey("plans.pk"), nullable=True)
    plan_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    subscription_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    type: Mapped[str] = mapped_column(String(12))
    date: Mapped[datetime] = mapped_column(UTCDateTime)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    start_date: Mapped[datetime] = mapped_column(UTCDateTime)
    end_date: Mapped[datetime] = mapped_column(UTCDateTime)
    quantity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    discount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InvoiceVersion(Base):
    """The state an invoice had before an update: `fields` is its JSON as it was listed."""

    __tablename__ = "invoice_versions"

    invoice_pk: Mapped[str] = mapped_column(ForeignKey("invoices.pk"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    fields: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime)
