"""What the gateway and client discovery routes answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class GatewayAuth(BaseModel):
    org_id: str
    org_name: str
    key_id: str
    scopes: list[str] = Field(description="As granted (coarse and resource:action).")
    app_ids: list[str] | None = Field(description="null: every app of the organization.")


class Limits(BaseModel):
    rate_limit_per_minute: int
    rate_limit_burst: int
    max_body_bytes: int
    max_page_size: int
    max_suite_steps: int
    max_virtual_users: int
    max_load_duration_seconds: int
    key_rotation_grace_seconds: int


class Metadata(BaseModel):
    version: str
    deployment: Literal["embedded", "scaled"]
    features: dict[str, bool] = Field(
        description="What this installation offers (e.g. webhooks, graphql, "
        "distributed_load_tests, quotas, scoped_keys, gateway_auth)."
    )
    scopes: list[str] = Field(description="Every scope a key may be granted.")
    limits: Limits = Field(description="The installation's limits; plans: /company/subscription.")
