"""Request and response models for OAuth clients and the token endpoint."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from revledger.kit.text import Text


class OAuthClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    scopes: list[Text] = Field(min_length=1, examples=[["read:revenues", "write:revenues"]])


class OAuthClientOut(BaseModel):
    id: str
    client_id: str = Field(description="The same as `id`: the client_id of the token request.")
    name: str
    scopes: list[str]
    secret_prefix: str = Field(description="The first characters of the secret, to tell it.")
    created_at: datetime
    revoked_at: datetime | None


class OAuthClientCreated(BaseModel):
    id: str
    client_id: str
    client_secret: str = Field(description="The secret. Shown once; store it now.")
    name: str
    scopes: list[str]
    created_at: datetime


class OAuthClientCreatedEnvelope(BaseModel):
    data: OAuthClientCreated


class OAuthClientEnvelope(BaseModel):
    data: OAuthClientOut


class OAuthClientListEnvelope(BaseModel):
    data: list[OAuthClientOut]


class TokenForm(BaseModel):
    """The token request, sent as application/x-www-form-urlencoded (documentation)."""

    grant_type: Literal["client_credentials"]
    client_id: str | None = Field(None, description="Or use HTTP Basic instead.")
    client_secret: str | None = Field(None, description="Or use HTTP Basic instead.")
    scope: str | None = Field(
        None,
        description="Space-separated subset of the client's scopes; all of them when absent.",
    )


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(examples=[1800], description="Seconds until the token expires.")
    scope: str = Field(description="The token's scopes, space-separated.")


class OAuthErrorBody(BaseModel):
    """RFC 6749 section 5.2."""

    error: Literal["invalid_request", "invalid_client", "unsupported_grant_type", "invalid_scope"]
    error_description: str | None = None
