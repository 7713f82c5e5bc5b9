"""Webhook subscription rows: lookup fenced by organization, listing, the failure streak
that disables a subscription. Deliveries live in ``storage.webhook_deliveries``."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import bindparam, delete, func, or_, update
from sqlmodel import Session, col, select

from storage.db import execute, table_of
from storage.pages import Page, count, offset_page
from storage.webhook_models import WebhookDelivery, WebhookSubscription


def add(session: Session, subscription: WebhookSubscription) -> WebhookSubscription:
    session.add(subscription)
    session.flush()
    return subscription


def get(session: Session, org_id: str, subscription_id: str) -> WebhookSubscription | None:
    """The subscription, or None when it is missing or another organization's."""
    row = session.get(WebhookSubscription, subscription_id)
    return row if row is not None and row.org_id == org_id else None


@dataclass(frozen=True)
class DeliveryTarget:
    """What an attempt needs of its subscription."""

    id: str
    url: str
    enabled: bool
    disabled_reason: str | None
    secret_sealed: str
    previous_secret_sealed: str | None
    previous_secret_expires_at: float | None


# Read by every attempt: plain columns, built once (no ORM object to load and track).
_TARGET = sa.select(
    col(WebhookSubscription.id),
    col(WebhookSubscription.url),
    col(WebhookSubscription.enabled),
    col(WebhookSubscription.disabled_reason),
    col(WebhookSubscription.secret_sealed),
    col(WebhookSubscription.previous_secret_sealed),
    col(WebhookSubscription.previous_secret_expires_at),
).where(col(WebhookSubscription.id) == bindparam("subscription_id"))


def delivery_target(session: Session, subscription_id: str) -> DeliveryTarget | None:
    """Unfenced: for the delivery actor, which works from a delivery row's reference."""
    row = execute(session, _TARGET, {"subscription_id": subscription_id}).first()
    return None if row is None else DeliveryTarget(*row)


def page(
    session: Session, org_id: str, offset: int, limit: int, *, app_id: str | None = None
) -> Page[WebhookSubscription]:
    """The organization's subscriptions, oldest first."""
    statement = select(WebhookSubscription).where(WebhookSubscription.org_id == org_id)
    if app_id:
        statement = statement.where(WebhookSubscription.app_id == app_id)
    statement = statement.order_by(col(WebhookSubscription.created_at), col(WebhookSubscription.id))
    return offset_page(session, statement, offset, limit)


def count_for_org(session: Session, org_id: str) -> int:
    return count(
        session, select(WebhookSubscription.id).where(WebhookSubscription.org_id == org_id)
    )


def enabled_for_org(session: Session, org_id: str) -> list[WebhookSubscription]:
    """Every enabled subscription of the organization (what events are matched against)."""
    statement = select(WebhookSubscription).where(
        WebhookSubscription.org_id == org_id, col(WebhookSubscription.enabled).is_(True)
    )
    return list(session.exec(statement).all())


def remove(session: Session, subscription: WebhookSubscription) -> None:
    """Delete the subscription and its deliveries (a message still queued for one then
    finds nothing to claim). Caller commits."""
    session.execute(
        delete(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == subscription.id)
    )
    session.delete(subscription)
    session.flush()


# Run after every successful attempt: built once (see storage.webhook_deliveries).
_SUCCESS = (
    update(table_of(WebhookSubscription))
    .where(
        col(WebhookSubscription.id) == bindparam("subscription_id"),
        or_(
            col(WebhookSubscription.failing_since).is_not(None),
            col(WebhookSubscription.last_success_at).is_(None),
            col(WebhookSubscription.last_success_at) < bindparam("second_ago"),
        ),
    )
    .values(failing_since=None, last_success_at=bindparam("at"))
)


def record_success(session: Session, subscription_id: str, at: float) -> None:
    """A delivery succeeded: the failure streak ends. Caller commits. The row is written
    only when that changes something visible (the streak, or a success time at least a
    second old): a busy subscription's deliveries do not all rewrite it."""
    session.execute(_SUCCESS, {"subscription_id": subscription_id, "second_ago": at - 1, "at": at})


def record_failure(
    session: Session, subscription_id: str, at: float, *, disable_after_s: float, reason: str
) -> bool:
    """An attempt failed: start the failure streak if none runs, and disable the
    subscription (saying why) once the streak is ``disable_after_s`` old. True when this
    call disabled it. Caller commits."""
    session.execute(
        update(WebhookSubscription)
        .where(col(WebhookSubscription.id) == subscription_id)
        .values(failing_since=func.coalesce(WebhookSubscription.failing_since, at))
    )
    result = session.execute(
        update(WebhookSubscription)
        .where(
            col(WebhookSubscription.id) == subscription_id,
            col(WebhookSubscription.enabled).is_(True),
            col(WebhookSubscription.failing_since) <= at - disable_after_s,
        )
        .values(enabled=False, disabled_reason=reason, updated_at=at)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
