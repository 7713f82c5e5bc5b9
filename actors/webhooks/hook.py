"""The one place job events meet webhooks: ``WebhookHook.on_appended``.

Every job event is appended through the event store, whoever emits it (the API's submit
and cancel, the engine, the reaper), so the hook sits there: ``HookedEventStore`` wraps
the deployment's store and hands each appended batch to ``on_appended`` after it is
stored (so each event has its ``seq``). The hook keeps only lifecycle events (one set
lookup per event: step and stats events cost nothing more), matches them against the
organization's subscriptions (cached for ``webhook_cache_seconds``), inserts one delivery
row per (notice, subscription) and enqueues their ids. The delivery itself happens on a
worker's delivery thread, never here; a failure here is logged and never reaches the
job or the request that appended the event.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from sqlalchemy.engine import Engine

from actors.webhooks.catalog import SOURCE_TYPES, SUMMARY_TYPE, TERMINAL_SOURCE_TYPES, wanted_types
from actors.webhooks.payloads import notices_for
from actors.webhooks.queue import DeliverySender
from storage import webhook_deliveries as delivery_rows
from storage import webhooks as subscription_rows
from storage.db import session_scope
from storage.events import Event, EventStore, ForwardingEventStore, NewEvent
from storage.models import Job
from storage.webhook_deliveries import NewDelivery

log = structlog.get_logger(__name__)
_SUMMARY_TYPES = frozenset(SUMMARY_TYPE.values())


@dataclass(frozen=True)
class Subscribed:
    """What matching needs of a subscription."""

    id: str
    app_id: str | None
    wanted: frozenset[str]

    def wants(self, event_type: str, app_id: str | None) -> bool:
        return event_type in self.wanted and (self.app_id is None or self.app_id == app_id)


class SubscriptionCache:
    """Each organization's enabled subscriptions, reused for ``ttl_s`` seconds."""

    def __init__(self, engine: Engine, ttl_s: float) -> None:
        self._engine = engine
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._by_org: dict[str, tuple[float, list[Subscribed]]] = {}

    def get(self, org_id: str) -> list[Subscribed]:
        now = time.monotonic()
        with self._lock:
            cached = self._by_org.get(org_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        with session_scope(self._engine) as session:
            rows = subscription_rows.enabled_for_org(session, org_id)
            found = [
                Subscribed(r.id, r.app_id, wanted_types(_patterns(r.events_json))) for r in rows
            ]
        with self._lock:
            self._by_org[org_id] = (now + self._ttl_s, found)
        return found

    def forget(self, org_id: str) -> None:
        """Drop the organization's entry (its subscriptions just changed here)."""
        with self._lock:
            self._by_org.pop(org_id, None)


def _patterns(events_json: str) -> list[str]:
    return [str(p) for p in json.loads(events_json)]


class WebhookHook:
    """Turns appended job events into delivery rows and messages."""

    def __init__(
        self,
        engine: Engine,
        sender: DeliverySender,
        *,
        cache_s: float,
        public_url: str | None,
    ) -> None:
        self.engine = engine
        self.sender = sender
        self.public_url = public_url
        self.subscriptions = SubscriptionCache(engine, cache_s)

    def on_appended(self, events: Sequence[Event]) -> None:
        """Called with every batch just appended (all of one job). Never raises."""
        lifecycle = [e for e in events if e.type in SOURCE_TYPES]
        if not lifecycle:
            return
        try:
            self._match(lifecycle)
        except Exception:
            log.warning("webhooks.match_failed", job_id=lifecycle[0].job_id, exc_info=True)

    def _match(self, events: list[Event]) -> None:
        first = events[0]
        subscribed = [
            s
            for s in self.subscriptions.get(first.org_id)
            if s.app_id is None or s.app_id == first.app_id
        ]
        if not any(_may_want(s, e) for s in subscribed for e in events):
            return
        with session_scope(self.engine) as session:
            job = session.get(Job, first.job_id)
            if job is None:
                return
            rows = [
                NewDelivery(
                    first.org_id,
                    sub.id,
                    notice.id,
                    notice.type,
                    notice.job_id,
                    notice.seq,
                    notice.body.decode(),
                )
                for event in events
                for notice in notices_for(session, job, event, self.public_url)
                for sub in subscribed
                if sub.wants(notice.type, job.app_id)
            ]
            if not rows:
                return
            ids = delivery_rows.insert_many(session, rows)
            session.commit()
        self.enqueue(ids)
        log.info("webhooks.matched", job_id=first.job_id, deliveries=len(rows))

    def enqueue(self, delivery_ids: Sequence[str]) -> None:
        """Send the messages of new delivery rows. A failure is logged: the rows stay
        PENDING and a worker's reaper sends them later."""
        for delivery_id in delivery_ids:
            try:
                self.sender.send(delivery_id)
            except Exception:
                log.warning("webhooks.enqueue_failed", delivery_id=delivery_id, exc_info=True)


def _may_want(sub: Subscribed, event: Event) -> bool:
    if event.type in sub.wanted:
        return True
    return event.type in TERMINAL_SOURCE_TYPES and not sub.wanted.isdisjoint(_SUMMARY_TYPES)


class HookedEventStore(ForwardingEventStore):
    """The deployment's event store, with the webhook hook called after every append.
    Everything else is the wrapped store's."""

    def __init__(self, inner: EventStore, hook: WebhookHook) -> None:
        super().__init__(inner)
        self.hook = hook

    def append(
        self,
        job_id: str,
        org_id: str,
        app_id: str | None,
        events: Sequence[NewEvent],
        *,
        batch_id: str | None = None,
        expect_after: int = 0,
    ) -> list[Event]:
        stored = self.inner.append(
            job_id, org_id, app_id, events, batch_id=batch_id, expect_after=expect_after
        )
        if stored:
            self.hook.on_appended(stored)
        return stored
