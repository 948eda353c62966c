"""Tables of the uploads domain (issue 5): templates, uploads, rows kept with errors.

`upload_templates` keeps every version of a workspace's templates (built-in templates
live in code, templates.py). `uploads` is one file, its template snapshot, its status,
counts and progress; `rows_done` is the number of data rows already staged, updated in
the same transaction as the rows it counts, so processing resumes exactly after the last
committed chunk. `upload_rows` keeps the original cells of every row that failed (in
pre-stage, or staged with errors) and `upload_errors` its errors, one per cell problem.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revledger.db import Base
from revledger.kit.dbtypes import UTCDateTime


class UploadTemplate(Base):
    __tablename__ = "upload_templates"
    __table_args__ = (UniqueConstraint("workspace_id", "name", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(12))
    definition: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Upload(Base):
    __tablename__ = "uploads"
    __table_args__ = (
        UniqueConstraint("workspace_id", "idempotency_key"),
        Index("ix_uploads_workspace_received", "workspace_id", "received_at"),
        Index("ix_uploads_status_lease", "status", "lease_until"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    status: Mapped[str] = mapped_column(String(24))
    filename: Mapped[str] = mapped_column(String(255))
    template_name: Mapped[str] = mapped_column(String(100))
    template_version: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(12))
    template_definition: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    path: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    header: Mapped[str] = mapped_column(Text)
    revenue_source_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    credential_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    rows_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rows_checked: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_posted: Mapped[int] = mapped_column(Integer, default=0)
    rows_duplicate: Mapped[int] = mapped_column(Integer, default=0)
    rows_error: Mapped[int] = mapped_column(Integer, default=0)
    rows_discarded: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    pre_staging_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    staging_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class UploadRow(Base):
    """The original cells (a JSON list) of a row that failed pre-stage or staging."""

    __tablename__ = "upload_rows"
    __table_args__ = (Index("ix_upload_rows_workspace_target", "workspace_id", "target", "phase"),)

    upload_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    row_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    target: Mapped[str] = mapped_column(String(12))
    phase: Mapped[str] = mapped_column(String(10))
    line: Mapped[int] = mapped_column(Integer)
    cells: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UploadError(Base):
    """One problem of one row (row 0: the header)."""

    __tablename__ = "upload_errors"
    __table_args__ = (
        Index("ix_upload_errors_workspace_target", "workspace_id", "target", "phase"),
    )

    upload_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    row_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    target: Mapped[str] = mapped_column(String(12))
    phase: Mapped[str] = mapped_column(String(10))
    line: Mapped[int] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(255), nullable=True)
    value: Mapped[str | None] = mapped_column(Text, nullable=True)
    code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
