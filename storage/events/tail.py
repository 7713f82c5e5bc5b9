"""One shared tail per followed job in an API process.

Without it, every follower of a job reads the store after every wake-up: 100 followers
turn one appended event into 100 reads. A tail keeps the job's recent events; the first
follower that needs newer ones reads the store once (under a lock) and the others take
them from memory.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

from storage.events import Event, EventStore

# Recent events kept per followed job; a follower further behind reads the store itself.
MAX_CACHED = 2000
READ_BATCH = 1000


class JobTail:
    def __init__(self, store: EventStore, job_id: str) -> None:
        self.store = store
        self.job_id = job_id
        # Every stored event with seq > ``base``, ascending. Seqs are consecutive except
        # after a ``stream.reset`` event (numbered above every seq before it), so lookups
        # go by seq, not by position.
        self.events: list[Event] = []
        self.base = 0
        self.lock = asyncio.Lock()
        self.followers = 0

    def _cached_after(self, seq: int) -> list[Event] | None:
        """Events after ``seq`` from memory ([] when caught up); None if not cached."""
        if not self.events or not self.base <= seq <= self.events[-1].seq:
            return None
        start = bisect.bisect_right(self.events, seq, key=lambda event: event.seq)
        return self.events[start:]

    async def after(self, seq: int) -> list[Event]:
        """Events with seq > ``seq`` (up to a batch), reading the store at most once for
        all followers that ask at the same time."""
        cached = self._cached_after(seq)
        if cached:
            return cached[:READ_BATCH]
        async with self.lock:
            cached = self._cached_after(seq)
            if cached:
                return cached[:READ_BATCH]
            extend = cached is not None  # caught up with the cache: read what follows it
            start = self.events[-1].seq if extend else seq
            fresh = await anyio.to_thread.run_sync(self.store.read, self.job_id, start, READ_BATCH)
            if extend:
                self.events.extend(fresh)
            elif fresh:
                self.events, self.base = list(fresh), seq
            if len(self.events) > MAX_CACHED:
                self.base = self.events[-MAX_CACHED - 1].seq
                self.events = self.events[-MAX_CACHED:]
            return fresh if not extend else (self._cached_after(seq) or [])


class TailRegistry:
    """The tails of the jobs followed in this process, dropped with their last follower."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._tails: dict[str, JobTail] = {}

    @asynccontextmanager
    async def follow(self, job_id: str) -> AsyncIterator[JobTail]:
        tail = self._tails.get(job_id)
        if tail is None:
            tail = self._tails[job_id] = JobTail(self.store, job_id)
        tail.followers += 1
        try:
            yield tail
        finally:
            tail.followers -= 1
            if tail.followers == 0:
                self._tails.pop(job_id, None)
