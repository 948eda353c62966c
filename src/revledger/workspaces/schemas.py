"""Request and response models of the workspace settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from revledger.kit.currencies import parse_currency
from revledger.kit.timeutil import get_zone


class WorkspacePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    reporting_currency: Annotated[str | None, BeforeValidator(parse_currency)] = Field(
        default=None, description="ISO 4217; metrics are converted into it", examples=["EUR"]
    )
    timezone: str | None = Field(
        default=None, description="IANA timezone deciding the days of metrics", examples=["UTC"]
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            get_zone(value)
        return value


class WorkspaceOut(BaseModel):
    id: str
    name: str
    timezone: str
    reporting_currency: str
    created_at: datetime


class WorkspaceEnvelope(BaseModel):
    data: WorkspaceOut
