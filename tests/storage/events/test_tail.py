"""The shared tail of a followed job on Redis: followers at any cursor get every stored
event after it, in order, across the one jump in seq a reset store leaves."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
import redis

from storage.events import RedisEventStore
from storage.events.tail import TailRegistry
from tests.storage.events.helpers import events, new_id, run


@pytest.fixture
def prefix() -> str:
    return f"test:{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def store(redis_url: str, prefix: str) -> Iterator[RedisEventStore]:
    store = RedisEventStore(redis_url, key_prefix=prefix)
    yield store
    store.close()
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_followers_read_across_a_reset_from_any_cursor(
    store: RedisEventStore, redis_url: str, prefix: str
) -> None:
    job, org = new_id("job"), new_id("org")
    store.append(job, org, None, events(20))
    tails = TailRegistry(store)

    async def follow(cursor: int) -> list[int]:
        seen = []
        async with tails.follow(job) as tail:
            while batch := await tail.after(cursor):
                seen += [event.seq for event in batch]
                cursor = batch[-1].seq
        return seen

    async def scenario() -> list[list[int]]:
        async with tails.follow(job):  # a follower that stays: the tail keeps its cache
            before = await follow(0)
            admin = redis.Redis.from_url(redis_url)
            admin.delete(f"{prefix}job:{job}")  # Redis came back without its data
            admin.close()
            await asyncio.to_thread(store.append, job, org, None, events(3), expect_after=20)
            return [before, *[await follow(cursor) for cursor in (15, 5, 0)]]

    before, from_15, from_5, from_0 = run(scenario())
    assert before == list(range(1, 21))
    marker, *fresh = (event.seq for event in store.read(job))
    assert marker > 20 and fresh == [marker + 1, marker + 2, marker + 3]
    # From memory where it still holds them, from the store after: in order, no gap but
    # the reset's.
    assert from_15 == [*range(16, 21), marker, *fresh]
    assert from_5 == [*range(6, 21), marker, *fresh]
    assert from_0 == [*range(1, 21), marker, *fresh]
