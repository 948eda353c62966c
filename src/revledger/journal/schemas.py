"""Request bodies of the journal endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class BatchStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str = Field(examples=["TRANSFERRED"])
