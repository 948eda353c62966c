"""Revenue recognition: accounting periods, revenue schedules, events and items

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accounting_periods",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(6), nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("closed_by", sa.String(200), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("workspace_id", "start_date", name="uq_accounting_periods_start"),
    )
    op.create_table(
        "recognition_counters",
        sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), primary_key=True),
        sa.Column("schedules", sa.BigInteger(), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "revenue_schedules",
        sa.Column("pk", sa.String(36), primary_key=True),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.String(36), nullable=False),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("origin_pk", sa.String(36), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("customer_id", sa.String(255), nullable=True),
        sa.Column("subscription_id", sa.String(255), nullable=True),
        sa.Column("plan_pk", sa.String(36), nullable=True),
        sa.Column("plan_id", sa.String(255), nullable=True),
        sa.Column("product_id", sa.String(255), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("rule", sa.String(8), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("gl_accounts_id", sa.String(36), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("workspace_id", "number", name="uq_revenue_schedules_number"),
        sa.UniqueConstraint(
            "workspace_id", "origin", "origin_pk", name="uq_revenue_schedules_origin"
        ),
    )
    invoices_only = sa.text("origin = 'invoice'")
    op.create_index(
        "ix_revenue_schedules_customer",
        "revenue_schedules",
        ["workspace_id", "source_id", "customer_id"],
        postgresql_where=invoices_only,
        sqlite_where=invoices_only,
    )
    op.create_index(
        "ix_revenue_schedules_subscription",
        "revenue_schedules",
        ["workspace_id", "source_id", "subscription_id"],
        postgresql_where=invoices_only,
        sqlite_where=invoices_only,
    )
    op.create_table(
        "revenue_events",
        sa.Column("pk", sa.String(36), primary_key=True),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("schedule_pk", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("billed_period", sa.Date(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("recognition_start", sa.Date(), nullable=True),
        sa.Column("recognition_end", sa.Date(), nullable=True),
        sa.Column("notes", sa.String(2000), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("workspace_id", "number", name="uq_revenue_events_number"),
    )
    op.create_index("ix_revenue_events_schedule", "revenue_events", ["schedule_pk", "number"])
    op.create_index("ix_revenue_events_billed", "revenue_events", ["workspace_id", "billed_period"])
    op.create_table(
        "revenue_items",
        sa.Column("event_pk", sa.String(36), primary_key=True),
        sa.Column("period_start", sa.Date(), primary_key=True),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("schedule_pk", sa.String(36), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("billed_period", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_revenue_items_period", "revenue_items", ["workspace_id", "period_start"])
    op.create_index("ix_revenue_items_schedule", "revenue_items", ["schedule_pk"])
    with op.batch_alter_table("plans") as batch_op:
        batch_op.add_column(sa.Column("recognition_rule", sa.String(8), nullable=True))
    with op.batch_alter_table("revenue_sources") as batch_op:
        batch_op.add_column(sa.Column("recognition_rule", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("revenue_sources") as batch_op:
        batch_op.drop_column("recognition_rule")
    with op.batch_alter_table("plans") as batch_op:
        batch_op.drop_column("recognition_rule")
    for table in (
        "revenue_items",
        "revenue_events",
        "revenue_schedules",
        "recognition_counters",
        "accounting_periods",
    ):
        op.drop_table(table)
