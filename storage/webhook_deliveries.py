"""Webhook delivery rows and their state transitions, as conditional updates.

``PENDING → DELIVERING → SUCCEEDED | PENDING (a retry later) | FAILED | CANCELLED``.
Every transition names the state and lease owner it expects, so a duplicated message, a
message that arrives early, and a worker that lost its lease all do nothing.
"""

from __future__ import annotations

import time

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from storage.pages import Page, offset_page
from storage.webhook_models import DeliveryStatus, WebhookDelivery

# A delayed message may be handed out a little before its row says the attempt is due
# (clocks of broker and workers differ slightly); within this it counts as due.
EARLY_TOLERANCE_S = 1.0


def add_all(session: Session, deliveries: list[WebhookDelivery]) -> list[WebhookDelivery]:
    session.add_all(deliveries)
    session.flush()
    return deliveries


def get(
    session: Session, org_id: str, subscription_id: str, delivery_id: str
) -> WebhookDelivery | None:
    """The delivery of that subscription in that organization, or None."""
    row = session.exec(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)).first()
    if row is None or row.org_id != org_id or row.subscription_id != subscription_id:
        return None
    return row


def page(
    session: Session,
    subscription_id: str,
    offset: int,
    limit: int,
    *,
    statuses: list[str] | None = None,
) -> Page[WebhookDelivery]:
    """The subscription's deliveries, newest first."""
    statement = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    if statuses:
        statement = statement.where(col(WebhookDelivery.status).in_(statuses))
    statement = statement.order_by(col(WebhookDelivery.pk).desc())
    return offset_page(session, statement, offset, limit)


def claim(session: Session, delivery_id: str, owner: str, lease_s: float) -> WebhookDelivery | None:
    """PENDING and due → DELIVERING (one more attempt, leased to ``owner``), or take over a
    DELIVERING row whose lease expired (its worker died). Commits. The claimed row, or
    None when there is nothing to do (not due yet, being delivered, final, deleted)."""
    now = time.time()
    result = session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.id) == delivery_id,
            or_(
                (col(WebhookDelivery.status) == DeliveryStatus.PENDING)
                & (col(WebhookDelivery.next_attempt_at) <= now + EARLY_TOLERANCE_S),
                (col(WebhookDelivery.status) == DeliveryStatus.DELIVERING)
                & (col(WebhookDelivery.lease_expires_at) < now),
            ),
        )
        .values(
            status=DeliveryStatus.DELIVERING,
            lease_owner=owner,
            lease_expires_at=now + lease_s,
            attempts=WebhookDelivery.attempts + 1,
        )
    )
    session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.exec(
        select(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .execution_options(populate_existing=True)
    ).first()


def settle(
    session: Session,
    delivery_id: str,
    owner: str,
    status: DeliveryStatus,
    *,
    next_attempt_at: float | None = None,
    response_status: int | None = None,
    latency_ms: float | None = None,
    error: str | None = None,
    history_json: str,
    attempted: bool = True,
) -> bool:
    """DELIVERING (held by ``owner``) → ``status``: PENDING with ``next_attempt_at`` for a
    retry, or a final status. Records the attempt's outcome (``attempted`` False: the
    claimed attempt was not made, and is not counted). False if the lease was lost
    meanwhile. Caller commits."""
    final = status != DeliveryStatus.PENDING
    result = session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.id) == delivery_id,
            col(WebhookDelivery.lease_owner) == owner,
            col(WebhookDelivery.status) == DeliveryStatus.DELIVERING,
        )
        .values(
            status=status,
            next_attempt_at=None if final else next_attempt_at,
            lease_owner=None,
            lease_expires_at=None,
            response_status=response_status,
            latency_ms=latency_ms,
            error=error,
            history_json=history_json,
            finished_at=time.time() if final else None,
            attempts=WebhookDelivery.attempts - (0 if attempted else 1),
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def cancel_pending(session: Session, subscription_id: str, reason: str) -> int:
    """Every PENDING delivery of the subscription → CANCELLED (it was disabled). Caller
    commits."""
    result = session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.subscription_id) == subscription_id,
            col(WebhookDelivery.status) == DeliveryStatus.PENDING,
        )
        .values(
            status=DeliveryStatus.CANCELLED,
            next_attempt_at=None,
            error=reason,
            finished_at=time.time(),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def recoverable(session: Session, due_before: float, limit: int = 500) -> list[tuple[str, float]]:
    """``(id, due at)`` of deliveries a worker should (re)send: DELIVERING with an expired
    lease (due now), and PENDING whose attempt was due before ``due_before`` (its message
    may be lost)."""
    now = time.time()
    rows = session.exec(
        select(WebhookDelivery.id, WebhookDelivery.status, WebhookDelivery.next_attempt_at)
        .where(
            or_(
                (col(WebhookDelivery.status) == DeliveryStatus.DELIVERING)
                & (col(WebhookDelivery.lease_expires_at) < now),
                (col(WebhookDelivery.status) == DeliveryStatus.PENDING)
                & (col(WebhookDelivery.next_attempt_at) < due_before),
            )
        )
        .order_by(col(WebhookDelivery.pk))
        .limit(limit)
    ).all()
    return [
        (delivery_id, now if status == DeliveryStatus.DELIVERING else (due or now))
        for delivery_id, status, due in rows
    ]


def expire_all_leases(session: Session) -> int:
    """Embedded start: every DELIVERING row's worker was this process's predecessor, so
    its lease is void now. Caller commits."""
    result = session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.status) == DeliveryStatus.DELIVERING)
        .values(lease_expires_at=0.0)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
