"""General ledger: account sets and rules, summary journal batches

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "gl_account_sets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("accounts_receivable", sa.String(200), nullable=False),
        sa.Column("deferred_revenue", sa.String(200), nullable=False),
        sa.Column("revenue", sa.String(200), nullable=False),
        sa.Column("refunds", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "gl_account_rules",
        sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), primary_key=True),
        sa.Column("source_id", sa.String(36), primary_key=True),
        sa.Column("plan_pk", sa.String(36), primary_key=True),
        sa.Column("set_id", sa.String(36), sa.ForeignKey("gl_account_sets.id"), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "journal_batches",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("transferred_at", TS, nullable=True),
        sa.UniqueConstraint(
            "workspace_id", "period_start", "sequence", name="uq_journal_batches_sequence"
        ),
    )
    op.create_index(
        "ix_journal_batches_status", "journal_batches", ["workspace_id", "status", "period_start"]
    )
    op.create_table(
        "journal_batch_lines",
        sa.Column("batch_id", sa.String(36), sa.ForeignKey("journal_batches.id"), primary_key=True),
        sa.Column("line_no", sa.Integer(), primary_key=True),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("debit", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    for table in ("journal_batch_lines", "journal_batches", "gl_account_rules", "gl_account_sets"):
        op.drop_table(table)
