"""Request and response models for API keys and the key check."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from revledger.kit.text import Text


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    scopes: list[Text] = Field(min_length=1, examples=[["read:revenues", "write:revenues"]])


class ApiKeyOut(BaseModel):
    id: str
    name: str
    scopes: list[str]
    key_prefix: str
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(BaseModel):
    id: str
    name: str
    scopes: list[str]
    key: str = Field(description="The secret. Shown once; store it now.")
    created_at: datetime


class ApiKeyCreatedEnvelope(BaseModel):
    data: ApiKeyCreated


class ApiKeyEnvelope(BaseModel):
    data: ApiKeyOut


class ApiKeyListEnvelope(BaseModel):
    data: list[ApiKeyOut]


class Ping(BaseModel):
    status: Literal["ok"]
    service: Literal["revledger"]
    workspace_id: str
