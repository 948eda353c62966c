"""customers, plans, invoices and subscription metrics (seed 003)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metrics_missing_rates",
        sa.Column("customer_pk", sa.String(length=36), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("customer_pk", "currency"),
    )
    with op.batch_alter_table("metrics_missing_rates", schema=None) as batch_op:
        batch_op.create_index("ix_metrics_missing_rates_workspace", ["workspace_id"], unique=False)

    op.create_table(
        "mrr_daily",
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("mrr", sa.Numeric(precision=38, scale=0), nullable=False),
        sa.Column("new", sa.Numeric(precision=38, scale=0), nullable=False),
        sa.Column("expansion", sa.Numeric(precision=38, scale=0), nullable=False),
        sa.Column("contraction", sa.Numeric(precision=38, scale=0), nullable=False),
        sa.Column("churn", sa.Numeric(precision=38, scale=0), nullable=False),
        sa.Column("reactivation", sa.Numeric(precision=38, scale=0), nullable=False),
        sa.Column("customers", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "source_id", "day"),
    )
    op.create_table(
        "mrr_movements",
        sa.Column("customer_pk", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=12), nullable=False),
        sa.Column("before_units", sa.Numeric(precision=38, scale=0), nullable=False),
        sa.Column("after_units", sa.Numeric(precision=38, scale=0), nullable=False),
        sa.Column("plan_pk", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("customer_pk", "day"),
    )
    with op.batch_alter_table("mrr_movements", schema=None) as batch_op:
        batch_op.create_index("ix_mrr_movements_day", ["workspace_id", "day", "type"], unique=False)

    op.create_table(
        "mrr_plan_movements",
        sa.Column("customer_pk", sa.String(length=36), nullable=False),
        sa.Column("plan_pk", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=12), nullable=False),
        sa.Column("before_units", sa.Numeric(precision=38, scale=0), nullable=False),
        sa.Column("after_units", sa.Numeric(precision=38, scale=0), nullable=False),
        sa.PrimaryKeyConstraint("customer_pk", "plan_pk", "day"),
    )
    with op.batch_alter_table("mrr_plan_movements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mrr_plan_movements_plan", ["workspace_id", "plan_pk", "day"], unique=False
        )

    op.create_table(
        "exchange_rates",
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rate", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
        ),
        sa.PrimaryKeyConstraint("workspace_id", "base", "currency", "day"),
    )
    op.create_table(
        "metrics_failures",
        sa.Column("customer_pk", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_pk"),
    )
    with op.batch_alter_table("metrics_failures", schema=None) as batch_op:
        batch_op.create_index("ix_metrics_failures_workspace", ["workspace_id"], unique=False)

    op.create_table(
        "metrics_state",
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("last_recalculated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
        ),
        sa.PrimaryKeyConstraint("workspace_id"),
    )
    op.create_table(
        "customers",
        sa.Column("pk", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("company", sa.String(length=255), nullable=True),
        sa.Column("custom_variables", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["revenue_sources.id"],
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
        ),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint(
            "workspace_id", "source_id", "external_id", name="uq_customers_external_id"
        ),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customers_list", ["workspace_id", "source_id", "pk"], unique=False
        )

    op.create_table(
        "plans",
        sa.Column("pk", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("interval_count", sa.Integer(), nullable=True),
        sa.Column("interval_unit", sa.String(length=5), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["revenue_sources.id"],
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
        ),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint(
            "workspace_id", "source_id", "external_id", name="uq_plans_external_id"
        ),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index("ix_plans_list", ["workspace_id", "source_id", "pk"], unique=False)

    op.create_table(
        "invoices",
        sa.Column("pk", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("customer_pk", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("plan_pk", sa.String(length=36), nullable=True),
        sa.Column("plan_id", sa.String(length=255), nullable=True),
        sa.Column("subscription_id", sa.String(length=255), nullable=True),
        sa.Column("type", sa.String(length=12), nullable=False),
        sa.Column("date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("start_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("discount", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_pk"],
            ["customers.pk"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_pk"],
            ["plans.pk"],
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["revenue_sources.id"],
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
        ),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint(
            "workspace_id", "source_id", "external_id", name="uq_invoices_external_id"
        ),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index("ix_invoices_customer", ["customer_pk", "type"], unique=False)
        batch_op.create_index(
            "ix_invoices_list", ["workspace_id", "source_id", "date", "pk"], unique=False
        )
        batch_op.create_index("ix_invoices_plan", ["plan_pk"], unique=False)

    op.create_table(
        "metrics_pending",
        sa.Column("customer_pk", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("marks", sa.Integer(), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_pk"],
            ["customers.pk"],
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
        ),
        sa.PrimaryKeyConstraint("customer_pk"),
    )
    with op.batch_alter_table("metrics_pending", schema=None) as batch_op:
        batch_op.create_index("ix_metrics_pending_workspace", ["workspace_id"], unique=False)

    op.create_table(
        "invoice_versions",
        sa.Column("invoice_pk", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_pk"],
            ["invoices.pk"],
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
        ),
        sa.PrimaryKeyConstraint("invoice_pk", "version"),
    )
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reporting_currency", sa.String(length=3), server_default="USD", nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("reporting_currency")

    op.drop_table("invoice_versions")
    with op.batch_alter_table("metrics_pending", schema=None) as batch_op:
        batch_op.drop_index("ix_metrics_pending_workspace")

    op.drop_table("metrics_pending")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_plan")
        batch_op.drop_index("ix_invoices_list")
        batch_op.drop_index("ix_invoices_customer")

    op.drop_table("invoices")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index("ix_plans_list")

    op.drop_table("plans")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_list")

    op.drop_table("customers")
    op.drop_table("metrics_state")
    with op.batch_alter_table("metrics_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_metrics_failures_workspace")

    op.drop_table("metrics_failures")
    op.drop_table("exchange_rates")
    with op.batch_alter_table("mrr_plan_movements", schema=None) as batch_op:
        batch_op.drop_index("ix_mrr_plan_movements_plan")

    op.drop_table("mrr_plan_movements")
    with op.batch_alter_table("mrr_movements", schema=None) as batch_op:
        batch_op.drop_index("ix_mrr_movements_day")

    op.drop_table("mrr_movements")
    op.drop_table("mrr_daily")
    with op.batch_alter_table("metrics_missing_rates", schema=None) as batch_op:
        batch_op.drop_index("ix_metrics_missing_rates_workspace")

    op.drop_table("metrics_missing_rates")
