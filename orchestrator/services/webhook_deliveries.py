"""A subscription's deliveries: listing, one in detail, redelivery and pings. Each new
delivery is a row (committed) and a message; the attempt happens on a worker."""

from __future__ import annotations

import json

from sqlmodel import Session

from actors.webhooks import payloads
from core.errors import Conflict, NotFound
from orchestrator.runtime import Runtime
from orchestrator.schemas.webhooks import AttemptPublic, DeliveryDetail, DeliveryPublic
from orchestrator.services import webhooks as subscriptions
from storage import webhook_deliveries as delivery_rows
from storage.pages import Page
from storage.webhook_models import (
    FINAL_DELIVERY_STATUSES,
    DeliveryStatus,
    WebhookDelivery,
)


def _ts(value: float | None) -> int | None:
    return None if value is None else int(value)


def public(row: WebhookDelivery) -> DeliveryPublic:
    return DeliveryPublic(
        id=row.id,
        webhook_id=row.subscription_id,
        event_id=row.event_id,
        event_type=row.event_type,
        job_id=row.job_id,
        seq=row.seq,
        status=row.status,
        attempts=row.attempts,
        status_code=row.response_status,
        latency_ms=None if row.latency_ms is None else round(row.latency_ms, 1),
        error=row.error,
        next_attempt_at=_ts(row.next_attempt_at) if row.status == DeliveryStatus.PENDING else None,
        redelivery_of=row.redelivery_of,
        created_at=int(row.created_at),
        finished_at=_ts(row.finished_at),
    )


def detail(row: WebhookDelivery) -> DeliveryDetail:
    return DeliveryDetail(
        **public(row).model_dump(),
        attempt_history=[AttemptPublic(**entry) for entry in json.loads(row.history_json)],
        payload=json.loads(row.payload),
    )


def page(
    session: Session,
    org_id: str,
    webhook_id: str,
    offset: int,
    limit: int,
    statuses: list[str] | None,
) -> Page[WebhookDelivery]:
    subscription = subscriptions.get(session, org_id, webhook_id)
    return delivery_rows.page(session, subscription.id, offset, limit, statuses=statuses)


def get(session: Session, org_id: str, webhook_id: str, delivery_id: str) -> WebhookDelivery:
    subscriptions.get(session, org_id, webhook_id)
    row = delivery_rows.get(session, org_id, webhook_id, delivery_id)
    if row is None:
        raise NotFound(f"delivery {delivery_id} not found")
    return row


def redeliver(
    session: Session, runtime: Runtime, org_id: str, webhook_id: str, delivery_id: str
) -> WebhookDelivery:
    """A new delivery of the same body (same event id, fresh attempts) and commit.
    Conflict while the original is still being tried, or while the webhook is disabled."""
    subscription = subscriptions.get(session, org_id, webhook_id)
    original = get(session, org_id, webhook_id, delivery_id)
    if not subscription.enabled:
        raise Conflict(f"webhook {webhook_id} is disabled: enable it first")
    if original.status not in FINAL_DELIVERY_STATUSES:
        raise Conflict(f"delivery {delivery_id} is still {original.status}")
    row = WebhookDelivery(
        org_id=org_id,
        subscription_id=subscription.id,
        event_id=original.event_id,
        event_type=original.event_type,
        job_id=original.job_id,
        seq=original.seq,
        payload=original.payload,
        redelivery_of=original.id,
    )
    return _send(session, runtime, row)


def ping(session: Session, runtime: Runtime, org_id: str, webhook_id: str) -> WebhookDelivery:
    """A ``webhook.ping`` delivery, sent even to a disabled webhook (to check a receiver
    before enabling it again); commits."""
    subscription = subscriptions.get(session, org_id, webhook_id)
    notice = payloads.ping(subscription.id)
    row = WebhookDelivery(
        org_id=org_id,
        subscription_id=subscription.id,
        event_id=notice.id,
        event_type=notice.type,
        payload=notice.body.decode(),
    )
    return _send(session, runtime, row)


def _send(session: Session, runtime: Runtime, row: WebhookDelivery) -> WebhookDelivery:
    delivery_rows.add_all(session, [row])
    session.commit()
    runtime.webhooks.enqueue([row.id])
    return row
