"""Webhook delivery rows and their state transitions, as conditional updates.

``PENDING → DELIVERING → SUCCEEDED | PENDING (a retry later) | FAILED | CANCELLED``.
Every transition names the state and lease owner it expects, so a duplicated message, a
message that arrives early, and a worker that lost its lease all do nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, or_, update
from sqlmodel import Session, col, select

from storage.db import execute, table_of
from storage.models import new_id
from storage.pages import Page, offset_page
from storage.webhook_models import DeliveryStatus, WebhookDelivery

# A delayed message may be handed out a little before its row says the attempt is due
# (clocks of broker and workers differ slightly); within this it counts as due.
EARLY_TOLERANCE_S = 1.0


def add_all(session: Session, deliveries: list[WebhookDelivery]) -> list[WebhookDelivery]:
    session.add_all(deliveries)
    session.flush()
    return deliveries


@dataclass(frozen=True)
class NewDelivery:
    """A delivery to insert in bulk (what an event fans out to)."""

    org_id: str
    subscription_id: str
    event_id: str
    event_type: str
    job_id: str | None
    seq: int | None
    payload: str


def insert_many(session: Session, deliveries: list[NewDelivery]) -> list[str]:
    """Insert PENDING deliveries, due now, in one statement; their ids. Caller commits.
    Plain rows rather than models: an event may fan out to a hundred subscriptions, and
    building a model per row cost more than the insert."""
    now = time.time()
    rows = [
        {
            "id": new_id("whd"),
            "org_id": d.org_id,
            "subscription_id": d.subscription_id,
            "event_id": d.event_id,
            "event_type": d.event_type,
            "job_id": d.job_id,
            "seq": d.seq,
            "payload": d.payload,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "history_json": "[]",
            "created_at": now,
        }
        for d in deliveries
    ]
    if rows:
        execute(session, insert(_TABLE), rows)
    return [str(r["id"]) for r in rows]


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


@dataclass(frozen=True)
class ClaimedDelivery:
    """What an attempt needs of the delivery it claimed."""

    id: str
    subscription_id: str
    event_id: str
    event_type: str
    payload: str
    attempts: int
    history_json: str


_TABLE = table_of(WebhookDelivery)
# The statements every attempt runs, built once and executed as Core statements on the
# session's connection: building a statement, and the ORM's bulk-update machinery, cost
# more CPU than executing it on SQLite (bench/webhooks.py).
_CLAIM = (
    update(_TABLE)
    .where(
        col(WebhookDelivery.id) == bindparam("delivery_id"),
        or_(
            (col(WebhookDelivery.status) == DeliveryStatus.PENDING)
            & (col(WebhookDelivery.next_attempt_at) <= bindparam("due_by")),
            (col(WebhookDelivery.status) == DeliveryStatus.DELIVERING)
            & (col(WebhookDelivery.lease_expires_at) < bindparam("now")),
        ),
    )
    .values(
        status=DeliveryStatus.DELIVERING,
        lease_owner=bindparam("owner"),
        lease_expires_at=bindparam("lease_until"),
        attempts=WebhookDelivery.attempts + 1,
    )
    .returning(
        col(WebhookDelivery.id),
        col(WebhookDelivery.subscription_id),
        col(WebhookDelivery.event_id),
        col(WebhookDelivery.event_type),
        col(WebhookDelivery.payload),
        col(WebhookDelivery.attempts),
        col(WebhookDelivery.history_json),
    )
)
_SETTLE = (
    update(_TABLE)
    .where(
        col(WebhookDelivery.id) == bindparam("delivery_id"),
        col(WebhookDelivery.lease_owner) == bindparam("owner"),
        col(WebhookDelivery.status) == DeliveryStatus.DELIVERING,
    )
    .values(
        status=bindparam("new_status"),
        next_attempt_at=bindparam("next_at"),
        lease_owner=None,
        lease_expires_at=None,
        response_status=bindparam("code"),
        latency_ms=bindparam("latency"),
        error=bindparam("last_error"),
        history_json=bindparam("history"),
        finished_at=bindparam("finished"),
        attempts=WebhookDelivery.attempts - bindparam("uncounted"),
    )
)


def claim(session: Session, delivery_id: str, owner: str, lease_s: float) -> ClaimedDelivery | None:
    """PENDING and due → DELIVERING (one more attempt, leased to ``owner``), or take over a
    DELIVERING row whose lease expired (its worker died). Commits. The claimed row, or
    None when there is nothing to do (not due yet, being delivered, final, deleted)."""
    now = time.time()
    claimed = execute(
        session,
        _CLAIM,
        {
            "delivery_id": delivery_id,
            "due_by": now + EARLY_TOLERANCE_S,
            "now": now,
            "owner": owner,
            "lease_until": now + lease_s,
        },
    ).first()
    session.commit()
    return None if claimed is None else ClaimedDelivery(*claimed)


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
    result = execute(
        session,
        _SETTLE,
        {
            "delivery_id": delivery_id,
            "owner": owner,
            "new_status": status.value,
            "next_at": None if final else next_attempt_at,
            "code": response_status,
            "latency": latency_ms,
            "last_error": error,
            "history": history_json,
            "finished": time.time() if final else None,
            "uncounted": 0 if attempted else 1,
        },
    )
    return bool(result.rowcount == 1)


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
