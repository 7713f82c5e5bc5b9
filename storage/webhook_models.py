"""Tables of webhooks: subscriptions, and one row per delivery (the truth about it).

A delivery row is to a webhook what a job row is to a job: the broker's message carries
only its id, a worker claims it with a conditional update and a lease, and a reaper sends
again what a dead worker or a lost message left behind.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from storage.models import new_id, now


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"  # waiting for its (next) attempt
    DELIVERING = "DELIVERING"  # an attempt is under way (leased)
    SUCCEEDED = "SUCCEEDED"  # the receiver answered 2xx
    FAILED = "FAILED"  # every attempt failed, or the subscription gave up
    CANCELLED = "CANCELLED"  # the subscription was disabled before it went out


FINAL_DELIVERY_STATUSES = frozenset(
    {DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED}
)


class WebhookSubscription(SQLModel, table=True):
    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index("ix_webhook_subscriptions_org_created", "org_id", "created_at"),)

    id: str = Field(default_factory=lambda: new_id("whk"), primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organizations.id", max_length=40)
    # Only events of this app's jobs when set.
    app_id: str | None = Field(default=None, max_length=40)
    url: str = Field(max_length=2048)
    # JSON list of event types and globs ("job.*").
    events_json: str = Field(sa_column=Column(Text, nullable=False))
    description: str | None = Field(default=None, max_length=500)
    enabled: bool = True
    disabled_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The signing secret, sealed (encrypted); never returned after creation or rotation.
    secret_sealed: str = Field(sa_column=Column(Text, nullable=False))
    # The secret before the last rotation: it signs too until it expires.
    previous_secret_sealed: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    previous_secret_expires_at: float | None = None
    # Start of the current run of failed attempts (None after a success).
    failing_since: float | None = None
    last_success_at: float | None = None
    created_at: float = Field(default_factory=now)
    updated_at: float = Field(default_factory=now)


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_sub_pk", "subscription_id", "pk"),
        Index("ix_webhook_deliveries_status_due", "status", "next_attempt_at"),
    )

    # The integer key orders pages (newest first) independently of clocks.
    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(default_factory=lambda: new_id("whd"), unique=True, max_length=40)
    org_id: str = Field(max_length=40)
    subscription_id: str = Field(max_length=40)
    # The body's "id": the same for every attempt and redelivery of one event, so that
    # receivers can deduplicate.
    event_id: str = Field(max_length=40)
    event_type: str = Field(max_length=100)
    job_id: str | None = Field(default=None, max_length=40)
    seq: int | None = None
    # The exact JSON body sent by every attempt (the signature's time changes, not it).
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=DeliveryStatus.PENDING, max_length=20)
    attempts: int = 0
    next_attempt_at: float | None = Field(default_factory=now)
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_expires_at: float | None = None
    # The last attempt's outcome.
    response_status: int | None = None
    latency_ms: float | None = None
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # JSON list: one entry per attempt (at, status code, latency, error).
    history_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    redelivery_of: str | None = Field(default=None, max_length=40)
    created_at: float = Field(default_factory=now)
    finished_at: float | None = None
