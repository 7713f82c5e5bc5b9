"""The delivery actor: claim a delivery row, make one attempt, record it, and schedule
the next attempt or give up.

Like a job, a delivery is claimed with a conditional update and a lease, so a duplicated
message, a message that comes early and a late worker do nothing; a worker that dies
mid-attempt leaves a DELIVERING row whose lease expires, and the reaper sends it again
(at least once: the receiver may see an attempt twice and deduplicates on
``Gauntlet-Webhook-Id``).
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from typing import Any

import structlog

from actors.context import WorkerContext
from actors.webhooks.queue import DeliverySender
from actors.webhooks.sealing import SealingError, SecretBox
from actors.webhooks.sender import Attempt, Envelope, Sender
from storage import webhook_deliveries as delivery_rows
from storage import webhooks as subscription_rows
from storage.db import session_scope
from storage.webhook_deliveries import ClaimedDelivery
from storage.webhook_models import DeliveryStatus
from storage.webhooks import DeliveryTarget

log = structlog.get_logger(__name__)
# Each retry waits this many times longer than the one before.
BACKOFF_FACTOR = 2.5
# ±20 %: receivers that came back up are not hit by every retry at the same instant.
JITTER = 0.2
PING = "webhook.ping"


def retry_delay(attempt: int, base_s: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1 for the first)."""
    spread = (rng or random).uniform(1 - JITTER, 1 + JITTER)
    return float(base_s * BACKOFF_FACTOR ** (attempt - 1) * spread)


@dataclass
class DeliveryContext:
    """What delivery threads share."""

    worker: WorkerContext
    box: SecretBox
    queue: DeliverySender
    sender: Sender


def deliver(ctx: DeliveryContext, delivery_id: str) -> None:
    """Make the next attempt of ``delivery_id`` if it is due and nobody else makes it."""
    settings = ctx.worker.settings
    with session_scope(ctx.worker.engine) as session:
        row = delivery_rows.claim(
            session, delivery_id, ctx.worker.worker_id, settings.webhook_lease_seconds
        )
        if row is None:
            log.debug("webhook.claim_skipped", delivery_id=delivery_id)
            return
        subscription = subscription_rows.delivery_target(session, row.subscription_id)
    history = _history(row)
    if subscription is None:
        _cancel(ctx, row, history, error="the webhook was deleted")
        return
    # A ping is how a receiver is checked before its subscription is enabled again.
    if not subscription.enabled and row.event_type != PING:
        reason = subscription.disabled_reason or "by a user"
        _cancel(ctx, row, history, error=f"the webhook is disabled: {reason}")
        return
    try:
        secrets = _live_secrets(ctx.box, subscription)
    except SealingError as exc:
        attempt = Attempt(False, None, 0.0, str(exc))
    else:
        envelope = Envelope(
            row.id, row.event_id, row.event_type, row.attempts, row.payload.encode()
        )
        attempt = ctx.sender.post(subscription.url, envelope, secrets)
    history.append(_entry(row.attempts, attempt))
    log.info(
        "webhook.attempted",
        delivery_id=row.id,
        webhook_id=subscription.id,
        event_type=row.event_type,
        attempt=row.attempts,
        status_code=attempt.status_code,
        latency_ms=round(attempt.latency_ms, 1),
        error=attempt.error,
    )
    if attempt.ok:
        _succeed(ctx, row, history, attempt)
    else:
        _fail(ctx, row, subscription, history, attempt)


def _live_secrets(box: SecretBox, subscription: DeliveryTarget) -> list[str]:
    """The current secret, then the previous one while its grace period lasts."""
    live = [box.open(subscription.secret_sealed)]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret_sealed and expires is not None and expires > time.time():
        live.append(box.open(subscription.previous_secret_sealed))
    return live


def _history(row: ClaimedDelivery) -> list[dict[str, Any]]:
    history: list[dict[str, Any]] = json.loads(row.history_json)
    # Attempts claimed but never recorded: their worker died mid-attempt.
    while len(history) < row.attempts - 1:
        history.append(
            {
                "attempt": len(history) + 1,
                "at": None,
                "status_code": None,
                "latency_ms": None,
                "error": "the worker stopped during this attempt",
            }
        )
    return history


def _entry(number: int, attempt: Attempt) -> dict[str, Any]:
    return {
        "attempt": number,
        "at": int(time.time()),
        "status_code": attempt.status_code,
        "latency_ms": round(attempt.latency_ms, 1),
        "error": attempt.error,
    }


def _succeed(
    ctx: DeliveryContext, row: ClaimedDelivery, history: list[dict[str, Any]], attempt: Attempt
) -> None:
    with session_scope(ctx.worker.engine) as session:
        if delivery_rows.settle(
            session,
            row.id,
            ctx.worker.worker_id,
            DeliveryStatus.SUCCEEDED,
            response_status=attempt.status_code,
            latency_ms=attempt.latency_ms,
            history_json=json.dumps(history),
        ):
            subscription_rows.record_success(session, row.subscription_id, time.time())
        session.commit()


def _fail(
    ctx: DeliveryContext,
    row: ClaimedDelivery,
    subscription: DeliveryTarget,
    history: list[dict[str, Any]],
    attempt: Attempt,
) -> None:
    settings = ctx.worker.settings
    now = time.time()
    delay = retry_delay(row.attempts, settings.webhook_retry_base_seconds)
    hours = settings.webhook_disable_after_seconds / 3600
    reason = f"disabled after failing for {hours:g} h; last error: {attempt.error}"
    with session_scope(ctx.worker.engine) as session:
        disabled = subscription_rows.record_failure(
            session,
            subscription.id,
            now,
            disable_after_s=settings.webhook_disable_after_seconds,
            reason=reason,
        )
        retry = not disabled and row.attempts < settings.webhook_max_attempts
        settled = delivery_rows.settle(
            session,
            row.id,
            ctx.worker.worker_id,
            DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED,
            next_attempt_at=now + delay,
            response_status=attempt.status_code,
            latency_ms=attempt.latency_ms,
            error=attempt.error,
            history_json=json.dumps(history),
        )
        if disabled:
            delivery_rows.cancel_pending(session, subscription.id, reason)
        session.commit()
    if disabled:
        log.warning("webhook.disabled", webhook_id=subscription.id, reason=reason)
    if settled and retry:
        try:
            ctx.queue.send(row.id, delay_s=delay)
        except Exception:
            log.warning("webhook.enqueue_failed", delivery_id=row.id, exc_info=True)


def _cancel(
    ctx: DeliveryContext, row: ClaimedDelivery, history: list[dict[str, Any]], *, error: str
) -> None:
    with session_scope(ctx.worker.engine) as session:
        delivery_rows.settle(
            session,
            row.id,
            ctx.worker.worker_id,
            DeliveryStatus.CANCELLED,
            error=error,
            history_json=json.dumps(history),
            attempted=False,
        )
        session.commit()
    log.info("webhook.cancelled", delivery_id=row.id, reason=error)
