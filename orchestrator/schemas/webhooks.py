"""Webhook models: subscriptions (the secret only in the answers that make one) and
deliveries with their attempts."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from orchestrator.schemas.common import URL_SCHEMA, RequestModel

DAY_S = 86_400
# services.webhooks.check_url checks the rest (scheme, host, no user info, host policy).
Url = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2048, strip_whitespace=True),
    Field(examples=["http://127.0.0.1:9000/hooks"], json_schema_extra=URL_SCHEMA),
]
# The pattern is actors.webhooks.catalog's; a pattern must also match a known type.
EventPattern = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    Field(json_schema_extra={"pattern": r"^[a-z_.*]{1,100}$"}, examples=["job.completed"]),
]
Description = Annotated[str, StringConstraints(max_length=500, strip_whitespace=True)]
EVENTS_DESCRIPTION = (
    "Event types or globs: job.queued, job.started, job.completed, job.failed, job.stopped, "
    "job.cancelled, run.completed, load_test.completed, generate.completed, job.*, *."
)


class WebhookCreate(RequestModel):
    url: Url = Field(description="http(s) URL receiving the POSTs; the target host policy applies.")
    events: list[EventPattern] = Field(min_length=1, max_length=30, description=EVENTS_DESCRIPTION)
    app_id: str | None = Field(default=None, description="Only events of this app's jobs.")
    description: Description | None = None


class WebhookUpdate(RequestModel):
    url: Url | None = None
    events: list[EventPattern] | None = Field(
        default=None, min_length=1, max_length=30, description=EVENTS_DESCRIPTION
    )
    app_id: str | None = Field(default=None, description="null: events of every app.")
    description: Description | None = None
    enabled: bool | None = Field(
        default=None, description="true also clears the reason it was disabled."
    )
    rotate_secret: bool = Field(
        default=False, description="Make a new secret (in the answer, once)."
    )
    secret_grace_seconds: int = Field(
        default=DAY_S,
        ge=0,
        le=7 * DAY_S,
        description="After a rotation, the old secret signs too for this long.",
    )


class WebhookPublic(BaseModel):
    id: str
    url: str
    events: list[str]
    app_id: str | None
    description: str | None
    enabled: bool
    disabled_reason: str | None = Field(description="Why it was disabled, when it was.")
    failing_since: int | None = Field(description="Start of the current run of failures.")
    last_success_at: int | None
    previous_secret_expires_at: int | None = Field(
        description="Until then the previous secret signs deliveries too (after a rotation)."
    )
    created_at: int
    updated_at: int


class WebhookWithSecret(WebhookPublic):
    secret: str = Field(description="The signing secret. Shown only in this response.")


class WebhookUpdated(WebhookPublic):
    secret: str | None = Field(
        description="The new signing secret after rotate_secret (shown only here), else null."
    )


class WebhookDeleted(BaseModel):
    id: str
    deleted: bool = True


class AttemptPublic(BaseModel):
    attempt: int
    at: int | None = Field(description="Unix seconds; null when the worker died mid-attempt.")
    status_code: int | None
    latency_ms: float | None
    error: str | None


class DeliveryPublic(BaseModel):
    id: str
    webhook_id: str
    event_id: str = Field(description="The body's id and Gauntlet-Webhook-Id: same on retries.")
    event_type: str
    job_id: str | None
    seq: int | None = Field(description="The job event's seq (order and deduplicate by it).")
    status: str = Field(description="PENDING, DELIVERING, SUCCEEDED, FAILED or CANCELLED")
    attempts: int
    status_code: int | None = Field(description="The last attempt's HTTP status.")
    latency_ms: float | None = Field(description="The last attempt's.")
    error: str | None = Field(description="The last attempt's.")
    next_attempt_at: int | None = Field(description="When the next retry goes (PENDING).")
    redelivery_of: str | None
    created_at: int
    finished_at: int | None


class DeliveryDetail(DeliveryPublic):
    attempt_history: list[AttemptPublic]
    payload: dict[str, Any] = Field(description="The JSON body every attempt sends.")
