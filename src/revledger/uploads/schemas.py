"""Request and response models of uploads and templates (for validation and OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from revledger.kit.pagination import PageMeta
from revledger.kit.text import Text
from revledger.openapi import omittable

Target = Literal["revenues", "customers", "plans", "invoices"]
Status = Literal[
    "received", "pre_staging", "staging", "completed", "completed_with_errors", "failed"
]


class ColumnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    header: Text = Field(min_length=1, max_length=255, description="The file's header")
    field: Text = Field(
        min_length=1,
        max_length=300,
        description="A field of the target, or metadata.<key> (revenues) / "
        "custom_variables.<key> (customers); a header ending in * with a field ending "
        "in .* maps every header with that prefix",
    )
    required: bool = False
    default: Text | None = Field(default=None, max_length=1000)


TEMPLATE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
TEMPLATE_NAME_LENGTH = 100


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=TEMPLATE_NAME_LENGTH, pattern=TEMPLATE_NAME)
    target: Target
    columns: list[ColumnIn] = Field(min_length=1, max_length=500)
    date_format: Text | None = Field(
        default=None,
        max_length=100,
        description="strftime directives (%Y %y %m %d %b %H %M %S %f %z); none: RFC 3339 "
        "or YYYY-MM-DD",
    )
    timezone: Text | None = Field(
        default=None, max_length=64, description="IANA zone for values without an offset"
    )
    delimiter: Text = Field(default=",", min_length=1, max_length=1)
    decimal_separator: Literal[".", ","] = "."


class TemplatePut(TemplateIn):
    """The body of PUT /upload-templates/{name}: `name` may be left out (it is the
    path's); when given, it must be the path's."""

    name: Annotated[
        Text, Field(min_length=1, max_length=TEMPLATE_NAME_LENGTH, pattern=TEMPLATE_NAME)
    ] = omittable()


class ColumnOut(BaseModel):
    header: str
    field: str
    required: bool
    default: str | None


class TemplateOut(BaseModel):
    name: str
    version: int
    target: Target
    builtin: bool
    columns: list[ColumnOut]
    date_format: str | None
    timezone: str | None
    delimiter: str
    decimal_separator: str
    created_at: datetime | None


class TemplateEnvelope(BaseModel):
    data: TemplateOut


class TemplateList(BaseModel):
    data: list[TemplateOut]


class UploadOut(BaseModel):
    id: str
    status: Status
    filename: str
    template: str
    template_version: int
    target: Target
    sha256: str
    size_bytes: int
    revenue_source_id: str | None
    idempotency_key: str | None
    rows_total: int | None
    rows_checked: int = Field(description="Rows checked so far by pre-stage")
    rows_processed: int = Field(description="Rows staged so far")
    rows_posted: int
    rows_duplicate: int
    rows_error: int
    rows_discarded: int
    message: str | None
    created_at: datetime = Field(description="When the file was received (= received_at)")
    received_at: datetime
    started_at: datetime | None = Field(description="When processing began (= pre_staging_at)")
    pre_staging_at: datetime | None
    staging_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime


class UploadEnvelope(BaseModel):
    data: UploadOut


class UploadList(BaseModel):
    data: list[UploadOut]
    meta: PageMeta


class ErrorOut(BaseModel):
    upload_id: str
    row_number: int = Field(description="1-based data row (the header is row 0)")
    row: int = Field(description="The same as row_number")
    line: int = Field(description="Line of the file where the row starts (the header is 1)")
    column: str | None
    value: str | None
    code: str
    message: str
    target: Target
    phase: Literal["pre_stage", "stage"]


class ErrorList(BaseModel):
    data: list[ErrorOut]
    meta: PageMeta


class RepostError(BaseModel):
    row_number: int | None
    row: int | None
    line: int
    column: str | None
    value: str | None
    code: str
    message: str


class RepostOut(BaseModel):
    rows_total: int
    rows_posted: int
    rows_duplicate: int
    rows_error: int
    errors: list[RepostError]
    upload: UploadOut


class RepostEnvelope(BaseModel):
    data: RepostOut


class DiscardOut(BaseModel):
    upload_id: str
    discarded: int = Field(description="Staged error rows removed")
    upload: UploadOut


class DiscardEnvelope(BaseModel):
    data: DiscardOut
