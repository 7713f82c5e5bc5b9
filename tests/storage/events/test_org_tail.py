"""The shared tail of an organization's feed, on every backend: followers starting from
anywhere (the feed's start, a cursor of an unfiltered page, a cursor of a filtered page
the tail never saw) each get every event after their start once and in order while
events keep coming, and the store is read once per wake-up, not once per follower."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from storage.events import Event, EventStore, NewEvent
from storage.events.feed import FeedFilter, read_feed
from storage.events.tail import TailRegistry
from tests.storage.events.helpers import new_id, run, until

FOLLOWERS = 30
ROUNDS = 6


class CountingStore:
    """The real store, counting the feed reads that reach it."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.reads = 0

    def read_org(self, org_id: str, **kwargs: Any) -> tuple[list[Event], str | None]:
        self.reads += 1
        return self.store.read_org(org_id, **kwargs)

    async def wait_org(
        self, org_id: str, timeout: float, *, after_cursor: str | None = None
    ) -> bool:
        return await self.store.wait_org(org_id, timeout, after_cursor=after_cursor)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def append(store: EventStore, org: str, job: str, app: str, n: int, start: int) -> None:
    batch = [
        NewEvent(type="step.completed", status="RUNNING", data={"n": start + i}) for i in range(n)
    ]
    store.append(job, org, app, batch)


def keys(events: list[Event]) -> list[tuple[str, int]]:
    return [(e.job_id, e.seq) for e in events]


def test_followers_from_any_position_get_every_event_once_in_order(store: EventStore) -> None:
    org, jobs = new_id("org"), [new_id("job") for _ in range(3)]
    for round_ in range(4):
        for i, job in enumerate(jobs):
            append(store, org, job, f"app_{i}", 3, round_ * 3)
    unfiltered = read_feed(store, org, FeedFilter(), None, 5)
    filtered = read_feed(store, org, FeedFilter(app_id="app_1"), None, 4)
    starts = [None, unfiltered.position, filtered.position]
    counting = CountingStore(store)
    tails = TailRegistry(cast(EventStore, counting))

    async def follow(start: str | None, total: int) -> list[tuple[str, int]]:
        seen: list[Event] = []
        position = start
        async with tails.follow_org(org) as tail:
            while len(seen) < total:
                batch = await tail.after(position)
                seen += batch.events
                position = batch.position
                # As the API's tail does: wait for the store to have more (the wake-up
                # hub knows, without a read) before asking again.
                await counting.wait_org(org, 0.5, after_cursor=position)
        return keys(seen)

    async def produce() -> None:
        for round_ in range(ROUNDS):
            await asyncio.sleep(0.02)
            for i, job in enumerate(jobs):
                await asyncio.to_thread(append, store, org, job, f"app_{i}", 2, 100 + round_ * 2)

    async def scenario(expected: list[int]) -> list[list[tuple[str, int]]]:
        followers = [
            asyncio.create_task(follow(starts[i % 3], expected[i % 3])) for i in range(FOLLOWERS)
        ]
        await until(lambda: store.waiting() >= FOLLOWERS)  # all caught up and waiting
        reads_before = counting.reads
        await produce()
        seen = await asyncio.wait_for(asyncio.gather(*followers), 30)
        live_reads.append(counting.reads - reads_before)
        return seen

    stored = len(keys(store.read_org(org, after_cursor=None, limit=1000)[0]))
    live = ROUNDS * len(jobs) * 2
    after_unfiltered = stored - 5 + live
    after_filtered = len(store.read_org(org, after_cursor=filtered.position, limit=1000)[0]) + live
    live_reads: list[int] = []
    seen = run(scenario([stored + live, after_unfiltered, after_filtered]))

    whole = keys(store.read_org(org, after_cursor=None, limit=1000)[0])
    assert len(whole) == stored + live
    for i, got in enumerate(seen):
        start = starts[i % 3]
        expected = keys(store.read_org(org, after_cursor=start, limit=1000)[0])
        assert got == expected, f"follower {i} (start {start!r})"
        assert len(set(got)) == len(got)
    # Thirty followers, eighteen appends: the feed was read a few times per append for
    # all of them, not once per follower and append (540 reads).
    assert live_reads[0] <= 3 * ROUNDS * len(jobs), live_reads


def test_a_follower_with_an_unknown_cursor_joins_a_busy_tail(store: EventStore) -> None:
    org, jobs = new_id("org"), [new_id("job") for _ in range(3)]
    for job, app in zip(jobs, ("a", "b", "a"), strict=True):
        append(store, org, job, app, 4, 0)
    # A filtered page ends on the third event of app b: a position the tail never saw.
    filtered = read_feed(store, org, FeedFilter(app_id="b"), None, 3)
    tails = TailRegistry(store)

    async def scenario() -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        async with tails.follow_org(org) as tail:
            first = await tail.after(None)  # the window starts at the feed's start
            append(store, org, jobs[0], "a", 5, 4)
            joined = await tail.after(filtered.position)
            again = await tail.after(joined.position)  # known now: nothing new, at the end
            assert again.at_end
            return keys(first.events), keys(joined.events + again.events)

    first, joined = run(scenario())
    everything = keys(store.read_org(org, after_cursor=None, limit=1000)[0])
    assert first == everything[:12]
    assert joined == everything[7:]
