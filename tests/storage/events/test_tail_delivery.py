"""Embedded followers take the events this process appends from the appender, not from
the store: a follower attached from the start of a long run reads the store about once,
instead of once per wake-up on the runner's own time. Appends of concurrent threads
(suites of one run) still reach every follower complete and in order."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from storage.db import build_engine
from storage.events import EVENT_TABLES, Event, SqlEventStore
from storage.events.forwarding import ForwardingEventStore
from storage.events.tail import TailRegistry
from tests.storage.events.helpers import events, new_id, run


class CountingStore(ForwardingEventStore):
    def __init__(self, inner: SqlEventStore) -> None:
        super().__init__(inner)
        self.reads = 0

    def read(self, job_id: str, after: int = 0, limit: int = 1000) -> list[Event]:
        self.reads += 1
        return self.inner.read(job_id, after, limit)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = build_engine(f"sqlite:///{tmp_path / 'events.db'}")
    SQLModel.metadata.create_all(engine, tables=list(EVENT_TABLES))
    yield engine
    engine.dispose()


def follow_while_appending(
    engine: Engine, appenders: int, batches: int
) -> tuple[list[int], int, int]:
    """A follower from the start of a job that ``appenders`` threads append ``batches``
    one-event batches to each, a little apart; the seqs it saw, the store reads it made
    and how many events were stored."""
    store = CountingStore(SqlEventStore(engine))
    tails = TailRegistry(store)
    job, org = new_id("job"), new_id("org")
    store.append(job, org, None, events(1, type_="job.queued", status="QUEUED"))
    total = 1 + appenders * batches

    def append() -> None:
        for _ in range(batches):
            store.append(job, org, None, events(1))
            time.sleep(0.001)

    async def follow() -> list[int]:
        seen: list[int] = []
        async with tails.follow(job) as tail:
            threads = [threading.Thread(target=append) for _ in range(appenders)]
            for thread in threads:
                thread.start()
            while len(seen) < total:
                batch = await tail.after(seen[-1] if seen else 0)
                seen += [event.seq for event in batch]
                if not batch:
                    await store.wait(job, seen[-1] if seen else 0, 5)
            for thread in threads:
                await asyncio.to_thread(thread.join)
        return seen

    seen = run(follow())
    return seen, store.reads, total


def test_a_follower_from_the_start_takes_appended_events_without_reading_them_back(
    engine: Engine,
) -> None:
    seen, reads, total = follow_while_appending(engine, appenders=1, batches=200)
    assert seen == list(range(1, total + 1))
    # The first read, and a few where the follower woke between commit and delivery.
    assert reads <= 5, reads


def test_concurrent_appenders_reach_the_follower_complete_and_in_order(engine: Engine) -> None:
    seen, _reads, total = follow_while_appending(engine, appenders=4, batches=50)
    assert seen == list(range(1, total + 1))


def test_a_tail_stops_listening_with_its_last_follower(engine: Engine) -> None:
    store = SqlEventStore(engine)
    tails = TailRegistry(store)
    job, org = new_id("job"), new_id("org")

    async def scenario() -> list[Event]:
        async with tails.follow(job) as tail:
            pass
        store.append(job, org, None, events(3))
        return tail._inbox

    assert run(scenario()) == []
