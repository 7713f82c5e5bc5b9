"""The long-lived parts one process shares: settings, database engine, rate limiters.
Built once by the app factory (or a worker) and handed to whoever needs them."""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq
from sqlalchemy.engine import Engine

from actors.broker import Dispatcher, build_broker
from actors.webhooks.hook import HookedEventStore, WebhookHook
from actors.webhooks.queue import DeliverySender
from actors.webhooks.sealing import SecretBox
from core.clock import Clock, SystemClock
from core.settings import Settings
from orchestrator.auth.cache import PrincipalCache, RevocationChannel
from orchestrator.auth.last_used import LastUsedRecorder
from orchestrator.metrics.events import MetricsEventStore
from orchestrator.ratelimit import RateLimiter, build_rate_limiter
from storage import orgs
from storage.db import build_engine, session_scope
from storage.events import EventStore, build_event_store
from storage.events.tail import TailRegistry
from storage.migrate import upgrade

# Requests without a valid key share a bucket per client address, this many times
# larger than a key's: generous for humans, a brake on key guessing.
ANONYMOUS_BUDGET_FACTOR = 10


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    limiter: RateLimiter
    anonymous_limiter: RateLimiter
    cursor_key: bytes
    events: EventStore
    broker: dramatiq.Broker
    dispatcher: Dispatcher
    principals: PrincipalCache
    revocations: RevocationChannel | None
    tails: TailRegistry
    # The time of quotas, key expiry and rotation; tests move it (core.clock).
    clock: Clock
    last_used: LastUsedRecorder
    # Job events reach webhooks through ``events`` (a HookedEventStore around the store).
    webhooks: WebhookHook
    webhook_box: SecretBox

    def key_revoked(self, key_id: str) -> None:
        """Forget a revoked (or rotated) key here and, when scaled, in every other API
        process, so that its next request is authenticated afresh."""
        self.principals.evict_key(key_id)
        if self.revocations is not None:
            self.revocations.publish(key_id)

    def close(self) -> None:
        if self.revocations is not None:
            self.revocations.close()
        self.events.close()
        self.broker.close()
        self.engine.dispose()


def build_runtime(
    settings: Settings, *, migrate: bool = True, clock: Clock | None = None
) -> Runtime:
    """Open the database (migrating it first unless told not to) and the limiters.
    ``clock`` is the system's unless a test brings its own."""
    clock = clock or SystemClock()
    engine = build_engine(settings.db_url)
    if migrate:
        upgrade(engine)
    with session_scope(engine) as session:
        cursor_key = orgs.instance_secret(session, "cursor_signing").encode()
    broker = build_broker(settings.redis_url, settings.redis_namespace)
    webhooks = WebhookHook(
        engine,
        DeliverySender(broker),
        cache_s=settings.webhook_cache_seconds,
        public_url=settings.public_url,
    )
    store = build_event_store(
        engine, settings.redis_url, key_prefix=f"{settings.redis_namespace}:events:"
    )
    # Metered inside the webhook hook: append latency is the store's alone.
    events = HookedEventStore(MetricsEventStore(store, engine), webhooks)
    principals = PrincipalCache(clock=clock)
    revocations = (
        RevocationChannel(
            settings.redis_url, f"{settings.redis_namespace}:revoked-keys", principals.evict_key
        )
        if settings.redis_url
        else None
    )
    return Runtime(
        settings=settings,
        engine=engine,
        limiter=build_rate_limiter(
            settings.rate_limit_per_minute,
            settings.rate_limit_burst,
            settings.redis_url,
            key_prefix=f"{settings.redis_namespace}:rl:",
        ),
        anonymous_limiter=build_rate_limiter(
            settings.rate_limit_per_minute * ANONYMOUS_BUDGET_FACTOR,
            settings.rate_limit_burst * ANONYMOUS_BUDGET_FACTOR,
            settings.redis_url,
            key_prefix=f"{settings.redis_namespace}:rl-anon:",
        ),
        cursor_key=cursor_key,
        events=events,
        broker=broker,
        dispatcher=Dispatcher(broker),
        principals=principals,
        revocations=revocations,
        tails=TailRegistry(events),
        clock=clock,
        last_used=LastUsedRecorder(engine),
        webhooks=webhooks,
        webhook_box=SecretBox.for_installation(settings, engine),
    )
