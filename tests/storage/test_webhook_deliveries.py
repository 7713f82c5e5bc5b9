"""Webhook delivery transitions as conditional updates, on SQLite and PostgreSQL: one
claim per attempt, nothing before the attempt is due, a dead worker's delivery taken
over once its lease expires, and a worker that lost its lease records nothing."""

from __future__ import annotations

import time

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage import orgs
from storage import webhook_deliveries as deliveries
from storage import webhooks as subscriptions
from storage.db import session_scope
from storage.webhook_models import DeliveryStatus, WebhookDelivery, WebhookSubscription

LEASE_S = 30.0


def new_delivery(engine: Engine, *, due_in_s: float = 0.0) -> tuple[str, str]:
    """A PENDING delivery due in ``due_in_s``; (subscription id, delivery id)."""
    with session_scope(engine) as session:
        org, _ = orgs.get_or_create(session, "acme")
        sub = subscriptions.add(
            session,
            WebhookSubscription(
                org_id=org.id, url="http://127.0.0.1:9/", events_json="[]", secret_sealed="x"
            ),
        )
        [row] = deliveries.add_all(
            session,
            [
                WebhookDelivery(
                    org_id=org.id,
                    subscription_id=sub.id,
                    event_id="evt_1",
                    event_type="job.completed",
                    payload="{}",
                    next_attempt_at=time.time() + due_in_s,
                )
            ],
        )
        session.commit()
        return sub.id, row.id


def stored(engine: Engine, delivery_id: str) -> WebhookDelivery:
    with Session(engine) as session:
        return session.exec(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)).one()


def claim(
    engine: Engine, delivery_id: str, owner: str, lease_s: float = LEASE_S
) -> WebhookDelivery | None:
    with session_scope(engine) as session:
        return deliveries.claim(session, delivery_id, owner, lease_s)


def settle(
    engine: Engine, delivery_id: str, owner: str, status: DeliveryStatus, **fields: object
) -> bool:
    with session_scope(engine) as session:
        done = deliveries.settle(session, delivery_id, owner, status, history_json="[]", **fields)  # type: ignore[arg-type]
        session.commit()
        return done


def test_one_claim_per_attempt(engine: Engine) -> None:
    _, delivery_id = new_delivery(engine)
    first = claim(engine, delivery_id, "w1")
    assert first is not None and first.attempts == 1
    assert stored(engine, delivery_id).status == DeliveryStatus.DELIVERING
    assert claim(engine, delivery_id, "w2") is None


def test_a_delivery_is_not_claimed_before_its_attempt_is_due(engine: Engine) -> None:
    _, delivery_id = new_delivery(engine, due_in_s=60)
    assert claim(engine, delivery_id, "w1") is None


def test_a_dead_workers_delivery_is_taken_over_once_its_lease_expires(engine: Engine) -> None:
    _, delivery_id = new_delivery(engine)
    # A lease that ran out already, as if its worker died long ago.
    assert claim(engine, delivery_id, "dead", lease_s=-1) is not None
    taken = claim(engine, delivery_id, "alive")
    assert taken is not None and taken.attempts == 2
    assert stored(engine, delivery_id).lease_owner == "alive"
    assert not settle(engine, delivery_id, "dead", DeliveryStatus.SUCCEEDED)
    assert settle(engine, delivery_id, "alive", DeliveryStatus.SUCCEEDED)


def test_a_retry_is_pending_again_until_its_time(engine: Engine) -> None:
    _, delivery_id = new_delivery(engine)
    claim(engine, delivery_id, "w1")
    assert settle(
        engine, delivery_id, "w1", DeliveryStatus.PENDING, next_attempt_at=time.time() + 60
    )
    assert claim(engine, delivery_id, "w1") is None
    with Session(engine) as session:
        due = deliveries.recoverable(session, due_before=time.time() + 120)
    assert [d for d, _ in due] == [delivery_id]


def test_a_final_delivery_is_never_claimed_again(engine: Engine) -> None:
    _, delivery_id = new_delivery(engine)
    claim(engine, delivery_id, "w1")
    assert settle(engine, delivery_id, "w1", DeliveryStatus.SUCCEEDED, response_status=204)
    assert claim(engine, delivery_id, "w2") is None
    with Session(engine) as session:
        assert deliveries.recoverable(session, due_before=time.time() + 3600) == []


def test_failing_for_the_whole_window_disables_the_subscription_once(engine: Engine) -> None:
    sub_id, _ = new_delivery(engine)
    now = time.time()
    with session_scope(engine) as session:
        assert not subscriptions.record_failure(
            session, sub_id, now - 100, disable_after_s=50, reason="down"
        )
        assert subscriptions.record_failure(session, sub_id, now, disable_after_s=50, reason="down")
        assert not subscriptions.record_failure(
            session, sub_id, now, disable_after_s=50, reason="again"
        )
        session.commit()
        row = session.get(WebhookSubscription, sub_id, populate_existing=True)
        assert row is not None and not row.enabled and row.disabled_reason == "down"


def test_a_success_restarts_the_failure_window(engine: Engine) -> None:
    sub_id, _ = new_delivery(engine)
    now = time.time()
    with session_scope(engine) as session:
        subscriptions.record_failure(session, sub_id, now - 100, disable_after_s=50, reason="x")
        subscriptions.record_success(session, sub_id, now - 1)
        assert not subscriptions.record_failure(
            session, sub_id, now, disable_after_s=50, reason="x"
        )
        session.commit()
