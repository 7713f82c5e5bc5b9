"""The job event store: per-job append-only logs with live followers (DESIGN decision 5).

``build_event_store`` picks the backend from the deployment: SQL when embedded, Redis
Streams when a Redis URL is configured (scaled: appenders and followers live in different
processes, and only Redis can wake across them).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from storage.events.base import (
    DEFAULT_READ_LIMIT,
    RESET_EVENT_TYPE,
    Event,
    EventStore,
    InvalidCursor,
    NewEvent,
    format_timestamp,
    heartbeat_wire,
)
from storage.events.forwarding import ForwardingEventStore
from storage.events.redis import DEFAULT_KEY_PREFIX, RedisEventStore
from storage.events.sql import EVENT_TABLES, JobEvent, JobEventHead, SqlEventStore

__all__ = [
    "DEFAULT_KEY_PREFIX",
    "DEFAULT_READ_LIMIT",
    "EVENT_TABLES",
    "RESET_EVENT_TYPE",
    "Event",
    "EventStore",
    "ForwardingEventStore",
    "InvalidCursor",
    "JobEvent",
    "JobEventHead",
    "NewEvent",
    "RedisEventStore",
    "SqlEventStore",
    "build_event_store",
    "format_timestamp",
    "heartbeat_wire",
]


def build_event_store(
    engine: Engine,
    redis_url: str | None,
    *,
    key_prefix: str = DEFAULT_KEY_PREFIX,
    job_ttl_seconds: int | None = None,
) -> EventStore:
    """The event store for this deployment: ``RedisEventStore`` when ``redis_url`` is
    given (``key_prefix`` and ``job_ttl_seconds`` apply to it), else ``SqlEventStore``
    on ``engine``, whose tables the migrations create."""
    if redis_url:
        return RedisEventStore(redis_url, key_prefix=key_prefix, job_ttl_seconds=job_ttl_seconds)
    return SqlEventStore(engine)
