"""What only the Redis backend does: key expiry, a bounded org feed, and surviving the
loss of its one pub/sub connection."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
import redis

from storage.events import RedisEventStore
from tests.storage.events.helpers import events, new_id, run, until


@pytest.fixture
def admin(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


def test_logs_are_kept_without_expiry_by_default(
    redis_url: str, prefix: str, admin: redis.Redis
) -> None:
    store = RedisEventStore(redis_url, key_prefix=prefix)
    job = new_id("job")
    store.append(job, new_id("org"), None, events(1))
    store.close()
    assert admin.ttl(f"{prefix}job:{job}") == -1


def test_job_ttl_makes_a_log_expire_after_its_newest_event(
    redis_url: str, prefix: str, admin: redis.Redis
) -> None:
    store = RedisEventStore(redis_url, key_prefix=prefix, job_ttl_seconds=3600)
    job = new_id("job")
    store.append(job, new_id("org"), None, events(1))
    store.close()
    assert 3590 < admin.ttl(f"{prefix}job:{job}") <= 3600


def test_expire_job_sets_the_logs_expiry(redis_url: str, prefix: str, admin: redis.Redis) -> None:
    store = RedisEventStore(redis_url, key_prefix=prefix)
    job = new_id("job")
    store.append(job, new_id("org"), None, events(1))
    store.expire_job(job, 60)
    store.close()
    assert 50 < admin.ttl(f"{prefix}job:{job}") <= 60


def test_org_feed_stream_is_trimmed_to_about_its_maxlen(
    redis_url: str, prefix: str, admin: redis.Redis
) -> None:
    store = RedisEventStore(redis_url, key_prefix=prefix, org_stream_maxlen=10)
    org, job = new_id("org"), new_id("job")
    for _ in range(30):
        store.append(job, org, None, events(10))
    store.close()
    # "MAXLEN ~" trims whole macro-nodes (100 entries by default), never below the maxlen.
    assert 10 <= admin.xlen(f"{prefix}org:{org}") < 300
    assert admin.xlen(f"{prefix}job:{job}") == 300


def test_followers_still_wake_after_the_listener_loses_its_connection(
    redis_url: str, prefix: str, admin: redis.Redis
) -> None:
    store = RedisEventStore(redis_url, key_prefix=prefix)
    job, org = new_id("job"), new_id("org")

    def kill_listener() -> int:
        listeners = _listeners(admin, prefix)
        for client in listeners:
            admin.client_kill_filter(_id=client["id"])
        return len(listeners)

    async def follow_one_append(after: int) -> float:
        follower = asyncio.create_task(store.wait(job, after=after, timeout=5))
        await until(lambda: store.waiting() >= 1)
        started = time.perf_counter()
        await asyncio.to_thread(store.append, job, org, None, events(1))
        assert await follower is True
        return time.perf_counter() - started

    async def scenario() -> None:
        assert await store.wait(job, after=0, timeout=0.05) is False  # starts the listener
        assert kill_listener() == 1
        # Whether this append's notification is lost or not, the follower must wake long
        # before its timeout: the resubscription makes every follower check again.
        assert await follow_one_append(after=0) < 2
        # And the listener is back: the next wake-up is prompt again.
        await until(lambda: _subscribed(admin, prefix))
        assert await follow_one_append(after=1) < 0.1

    try:
        run(scenario())
    finally:
        store.close()


def _listeners(admin: redis.Redis, prefix: str) -> list[dict[str, str]]:
    """The store's pub/sub connections: named after its prefix, subscribed to a channel."""
    return [c for c in admin.client_list() if c["name"] == f"{prefix}events" and int(c["sub"])]


def _subscribed(admin: redis.Redis, prefix: str) -> bool:
    return bool(_listeners(admin, prefix))


def test_a_batch_retried_with_its_id_is_stored_once(redis_url: str, prefix: str) -> None:
    # A retry after a lost reply: the first attempt was appended, the appender never knew.
    store = RedisEventStore(redis_url, key_prefix=prefix)
    try:
        job, org = new_id("job"), new_id("org")
        store.append(job, org, None, events(1, "job.queued", "QUEUED"))
        first = store.append(job, org, None, events(3), batch_id="b1", expect_after=1)
        again = store.append(job, org, None, events(3), batch_id="b1", expect_after=1)
        later = store.append(job, org, None, events(2), batch_id="b2", expect_after=4)
        assert [e.seq for e in first] == [e.seq for e in again] == [2, 3, 4]
        assert [e.seq for e in later] == [5, 6]
        assert [e.seq for e in store.read(job)] == [1, 2, 3, 4, 5, 6]
    finally:
        store.close()


def test_a_log_lost_under_its_appender_restarts_with_a_reset_event_above_every_old_seq(
    redis_url: str, prefix: str, admin: redis.Redis
) -> None:
    store = RedisEventStore(redis_url, key_prefix=prefix)
    try:
        job, org = new_id("job"), new_id("org")
        store.append(job, org, None, events(20), expect_after=0)
        admin.delete(f"{prefix}job:{job}")  # what a Redis restarted without its data shows
        stored = store.append(job, org, None, events(2), expect_after=20)
        marker, *fresh = stored
        assert marker.type == "stream.reset" and "earlier events" in marker.data["reason"]
        assert marker.seq > 20 and [e.seq for e in fresh] == [marker.seq + 1, marker.seq + 2]
        # A follower resuming from any cursor it held reads the reset event next.
        assert [e.type for e in store.read(job, after=15)][:1] == ["stream.reset"]
        assert marker.seq < 2**31  # the API's largest `after`
        # A log that is where its appender left it gets no reset event.
        more = store.append(job, org, None, events(1), expect_after=fresh[-1].seq)
        assert [e.type for e in more] == ["step.completed"]
        # Nor a new log with no expectation (the submit's job.queued).
        other = new_id("job")
        assert [e.seq for e in store.append(other, org, None, events(1))] == [1]
    finally:
        store.close()
