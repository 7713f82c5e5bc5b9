"""API key and identity models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from orchestrator.schemas.common import Name, RequestModel

Scope = Literal["read", "write", "admin"]


class ApiKeyCreate(RequestModel):
    name: Name
    scopes: list[Scope] = Field(min_length=1, max_length=3)
    ttl_days: int | None = Field(
        default=None, ge=1, le=3650, description="Omit for a key that never expires."
    )


class ApiKeyCreated(BaseModel):
    id: str
    key: str = Field(description="The full key. Shown only in this response.")
    name: str
    scopes: list[str]
    created_at: int
    expires_at: int | None


class ApiKeyPublic(BaseModel):
    id: str
    name: str
    hint: str = Field(description="Prefix and last 4 characters; the key itself is not kept.")
    scopes: list[str]
    created_at: int
    expires_at: int | None


class OrganizationRef(BaseModel):
    id: str
    name: str


class Me(BaseModel):
    key_id: str
    key_name: str
    organization: OrganizationRef
    scopes: list[str] = Field(description="Effective scopes (admin implies write implies read).")
    granted_scopes: list[str]
    expires_at: int | None
