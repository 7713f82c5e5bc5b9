"""API key and identity models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator

from orchestrator.auth import scopes as catalogue
from orchestrator.schemas.common import Name, RequestModel

KeyStatus = Literal["active", "revoked", "expired"]
# Two years in hours, ten in days: beyond either a key is better without an expiry.
MAX_TTL_HOURS = 17_520
MAX_TTL_DAYS = 3650
MAX_GRACE_S = 30 * 86_400


def _known_scope(value: str) -> str:
    if value not in catalogue.ALL_SCOPES:
        raise ValueError(
            f"unknown scope '{value[:60]}': use read, write, admin or <resource>:<action> "
            f"with a resource among {', '.join(catalogue.RESOURCES)} and an action among "
            "read, write, admin"
        )
    return value


# The document lists the catalogue; _known_scope refuses the rest with a message naming it.
Scope = Annotated[
    str,
    AfterValidator(_known_scope),
    Field(json_schema_extra={"enum": list(catalogue.ALL_SCOPES)}),
]
AppId = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class ApiKeyCreate(RequestModel):
    name: Name
    scopes: list[Scope] = Field(
        min_length=1,
        max_length=40,
        description="Coarse (`read`, `write`, `admin`) and/or `resource:action` scopes "
        "(`apps:read`, `runs:write`, `keys:admin`…).",
    )
    app_ids: list[AppId] | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Limit the key to these apps of the organization; omit for all apps.",
    )
    ttl_days: int | None = Field(
        default=None, ge=1, le=MAX_TTL_DAYS, description="Omit (and ttl_hours) for no expiry."
    )
    ttl_hours: int | None = Field(
        default=None, ge=1, le=MAX_TTL_HOURS, description="Instead of ttl_days."
    )

    @model_validator(mode="after")
    def _one_ttl(self) -> ApiKeyCreate:
        if self.ttl_days is not None and self.ttl_hours is not None:
            raise ValueError("give ttl_days or ttl_hours, not both")
        return self


class ApiKeyRotate(RequestModel):
    grace_seconds: int | None = Field(
        default=None,
        ge=0,
        le=MAX_GRACE_S,
        description="How long the old key keeps working (default: "
        "GAUNTLET_KEY_ROTATION_GRACE_SECONDS, 24 h); 0 ends it at once.",
    )
    ttl_days: int | None = Field(default=None, ge=1, le=MAX_TTL_DAYS)
    ttl_hours: int | None = Field(
        default=None,
        ge=1,
        le=MAX_TTL_HOURS,
        description="The new key's lifetime; default: the old key's lifetime, if it had one.",
    )

    @model_validator(mode="after")
    def _one_ttl(self) -> ApiKeyRotate:
        if self.ttl_days is not None and self.ttl_hours is not None:
            raise ValueError("give ttl_days or ttl_hours, not both")
        return self


class ApiKeyCreated(BaseModel):
    id: str
    key: str = Field(description="The full key. Shown only in this response.")
    name: str
    scopes: list[str]
    app_ids: list[str] | None
    created_at: int
    expires_at: int | None


class ApiKeyRotated(ApiKeyCreated):
    replaces: str = Field(description="The id of the rotated key.")
    replaced_key_expires_at: int = Field(description="When the rotated key stops working.")


class ApiKeyPublic(BaseModel):
    id: str
    name: str
    hint: str = Field(description="Prefix and last 4 characters; the key itself is not kept.")
    scopes: list[str]
    app_ids: list[str] | None = Field(description="null: every app of the organization.")
    status: KeyStatus
    created_at: int
    expires_at: int | None
    revoked_at: int | None
    last_used_at: int | None = Field(description="Updated at most once a minute.")
    replaced_by: str | None = Field(description="Set once rotated: the replacement's id.")


class OrganizationRef(BaseModel):
    id: str
    name: str


class Me(BaseModel):
    key_id: str
    key_name: str
    organization: OrganizationRef
    scopes: list[str] = Field(description="Effective scopes, implied ones included.")
    granted_scopes: list[str]
    app_ids: list[str] | None
    expires_at: int | None
