"""Uploads: templates, uploads, staged rows and their errors

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "upload_templates",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(12), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("workspace_id", "name", "version"),
    )
    op.create_table(
        "uploads",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("template_name", sa.String(100), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(12), nullable=False),
        sa.Column("template_definition", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(1000), nullable=True),
        sa.Column("header", sa.Text(), nullable=False),
        sa.Column("revenue_source_id", sa.String(36), nullable=True),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("credential_id", sa.String(36), nullable=True),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_checked", sa.Integer(), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("rows_posted", sa.Integer(), nullable=False),
        sa.Column("rows_duplicate", sa.Integer(), nullable=False),
        sa.Column("rows_error", sa.Integer(), nullable=False),
        sa.Column("rows_discarded", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("pre_staging_at", TS, nullable=True),
        sa.Column("staging_at", TS, nullable=True),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", TS, nullable=True),
        sa.UniqueConstraint("workspace_id", "idempotency_key"),
    )
    op.create_index("ix_uploads_workspace_received", "uploads", ["workspace_id", "received_at"])
    op.create_index("ix_uploads_status_lease", "uploads", ["status", "lease_until"])
    op.create_table(
        "upload_rows",
        sa.Column("upload_id", sa.String(36), primary_key=True),
        sa.Column("row_number", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("target", sa.String(12), nullable=False),
        sa.Column("phase", sa.String(10), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index(
        "ix_upload_rows_workspace_target", "upload_rows", ["workspace_id", "target", "phase"]
    )
    op.create_table(
        "upload_errors",
        sa.Column("upload_id", sa.String(36), primary_key=True),
        sa.Column("row_number", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("target", sa.String(12), nullable=False),
        sa.Column("phase", sa.String(10), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(255), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.create_index(
        "ix_upload_errors_workspace_target", "upload_errors", ["workspace_id", "target", "phase"]
    )


def downgrade() -> None:
    op.drop_index("ix_upload_errors_workspace_target", table_name="upload_errors")
    op.drop_table("upload_errors")
    op.drop_index("ix_upload_rows_workspace_target", table_name="upload_rows")
    op.drop_table("upload_rows")
    op.drop_index("ix_uploads_status_lease", table_name="uploads")
    op.drop_index("ix_uploads_workspace_received", table_name="uploads")
    op.drop_table("uploads")
    op.drop_table("upload_templates")
