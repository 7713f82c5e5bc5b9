"""One shared tail per followed job, and one per followed organization feed, in an API
process.

Without them, every follower reads the store after every wake-up: 100 followers turn one
appended event into 100 reads. A tail keeps the recent events; the first follower that
needs newer ones reads the store once (under a lock) and the others take them from memory.
"""

from __future__ import annotations

import asyncio
import bisect
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol, TypeVar

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
        # Events this process appended since the tail last looked (a store that can
        # deliver them: embedded), so that followers do not read back what was just
        # written. Filled on the appending threads, emptied on the event loop.
        self._inbox: list[Event] = []
        self._inbox_lock = threading.Lock()
        self._overflowed = False
        self._unlisten = store.listen(job_id, self._deliver)
        # The cache ends where the store did when last read, and every event appended
        # since was delivered in order: a follower caught up with it has nothing to read.
        self._complete = False

    def close(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None

    def _deliver(self, events: list[Event]) -> None:
        with self._inbox_lock:
            self._inbox.extend(events)
            if len(self._inbox) > MAX_CACHED:  # nobody took them (a stalled follower)
                self._inbox, self._overflowed = [], True

    def _absorb(self) -> None:
        """Add the delivered events that continue the cache (call under ``lock``). One
        that does not (nothing cached yet, or appends of concurrent threads delivered out
        of order) stops it: the store fills that gap on the next read, and later
        deliveries continue from it."""
        with self._inbox_lock:
            delivered, self._inbox = self._inbox, []
            if self._overflowed:
                self._overflowed = self._complete = False
        for event in delivered:
            if not self.events or event.seq <= self.events[-1].seq:
                continue
            if event.seq != self.events[-1].seq + 1:
                self._complete = False
                break
            self.events.append(event)
        self._trim()

    def _trim(self) -> None:
        if len(self.events) > MAX_CACHED:
            self.base = self.events[-MAX_CACHED - 1].seq
            self.events = self.events[-MAX_CACHED:]

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
        # The cache changes only under the lock (deliveries wait in the inbox meanwhile),
        # so that a read in flight never meets events added behind its back.
        async with self.lock:
            self._absorb()
            cached = self._cached_after(seq)
            if cached:
                return cached[:READ_BATCH]
            if cached == [] and self._complete:
                return []
            extend = cached is not None  # caught up with the cache: read what follows it
            start = self.events[-1].seq if extend else seq
            fresh = await anyio.to_thread.run_sync(self.store.read, self.job_id, start, READ_BATCH)
            if extend:
                self.events.extend(fresh)
            elif fresh:
                self.events, self.base = list(fresh), seq
            self._complete = (
                self._unlisten is not None and bool(self.events) and len(fresh) < READ_BATCH
            )
            self._trim()
            return fresh if not extend else (self._cached_after(seq) or [])


@dataclass(frozen=True)
class OrgBatch:
    """Feed events after a position, unfiltered, and the store position right after them
    (the position itself when there was nothing new); ``at_end``: read from the store
    just now, which had nothing more (from memory it is False: the store may be ahead)."""

    events: list[Event]
    position: str | None
    at_end: bool = False


class OrgTail:
    """The recent events of an organization's feed, shared by its followers.

    Feed positions are the store's opaque cursors, so the tail cannot tell where an
    arbitrary one falls; it knows the positions it has seen, each at an index of its
    window: where its own reads started and ended, and where followers' reads ended on an
    event it holds (an event is known by its job and seq). A follower at a known position
    takes what follows from memory; the first follower past the end reads the store once
    for all. A follower at an unknown position (a client's cursor, a filtered first page)
    reads the store itself, unfiltered, and joins the window where that read meets it.
    """

    def __init__(self, store: EventStore, org_id: str) -> None:
        self.store = store
        self.org_id = org_id
        # ``events[i]`` is the event at absolute index ``offset + i``, in feed order.
        self.events: list[Event] = []
        self.offset = 0
        self.index: dict[tuple[str, int], int] = {}
        # Position -> absolute index of the first event after it.
        self.marks: dict[str | None, int] = {}
        self.end: str | None = None
        self.started = False  # the window has an end: ``end`` is a position it read to
        self.lock = asyncio.Lock()
        self.followers = 0

    def close(self) -> None:
        """Nothing to release: the feed is read, not delivered."""

    @property
    def _stop(self) -> int:
        return self.offset + len(self.events)

    def _cached_after(self, position: str | None) -> OrgBatch | None:
        """Events after ``position`` from memory (empty when caught up), or None when the
        position is not one the window knows."""
        at = self.marks.get(position)
        if at is None or at < self.offset:
            return None
        return OrgBatch(self.events[at - self.offset :], self.end)

    async def after(self, position: str | None) -> OrgBatch:
        """The feed's events after ``position`` (up to the window, or a batch when read
        from the store), reading the store at most once for all followers that ask at the
        same time."""
        cached = self._cached_after(position)
        if cached is not None and cached.events:
            return cached
        if cached is not None:
            # Caught up with the window: the first of its followers reads what follows.
            async with self.lock:
                cached = self._cached_after(position)
                if cached is not None and cached.events:
                    return cached
                at_end = await self._extend()
                cached = self._cached_after(position)
                if cached is not None:
                    return OrgBatch(cached.events, cached.position, at_end)
        # A position the window does not know: read for this follower (outside the lock:
        # a client catching up on a long feed must not hold up the live ones), then join
        # the window where the read meets it. A read that reached the store's end may be
        # ahead of the window: extend the window first, and try again.
        fresh, moved = await anyio.to_thread.run_sync(self._read, position)
        if not self._join(position, fresh, moved) and len(fresh) < READ_BATCH:
            async with self.lock:
                await self._extend()
            self._join(position, fresh, moved)
        return OrgBatch(fresh, moved, at_end=len(fresh) < READ_BATCH)

    def _read(self, position: str | None) -> tuple[list[Event], str | None]:
        return self.store.read_org(self.org_id, after_cursor=position, limit=READ_BATCH)

    async def _extend(self) -> bool:
        """Read what follows the window; True when the store had no more than that."""
        start = self.end
        fresh, moved = await anyio.to_thread.run_sync(self._read, start)
        if self.end != start:
            return False  # a follower's read extended the window meanwhile: it has these
        if fresh:
            self._append(fresh, moved)
        return len(fresh) < READ_BATCH

    def _append(self, fresh: list[Event], moved: str | None) -> None:
        for event in fresh:
            self.index[(event.job_id, event.seq)] = self._stop
            self.events.append(event)
        self.end = moved
        self.marks[moved] = self._stop
        if len(self.events) > MAX_CACHED:
            drop = len(self.events) - MAX_CACHED
            for event in self.events[:drop]:
                self.index.pop((event.job_id, event.seq), None)
            self.events = self.events[drop:]
            self.offset += drop
            self.marks = {p: at for p, at in self.marks.items() if at >= self.offset}

    def _join(self, position: str | None, fresh: list[Event], moved: str | None) -> bool:
        """Learn where a follower's own read of the store ended; True once it did."""
        if not self.started:
            # The first read of this tail: its start and end become the window.
            self.started = True
            self.marks[position] = self._stop
            if fresh:
                self._append(fresh, moved)
            else:
                self.end = moved
            return True
        if not fresh:
            return False
        last = self.index.get((fresh[-1].job_id, fresh[-1].seq))
        if last is not None:
            self.marks[moved] = last + 1
            return True
        # The follower read past the window's end: what it read after the window's last
        # event extends the window.
        if not self.events:
            return False
        tail_key = (self.events[-1].job_id, self.events[-1].seq)
        for i, event in enumerate(fresh):
            if (event.job_id, event.seq) == tail_key:
                self._append(fresh[i + 1 :], moved)
                return True
        return False


class TailRegistry:
    """The tails of the jobs and organization feeds followed in this process, each
    dropped with its last follower."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._tails: dict[str, JobTail] = {}
        self._orgs: dict[str, OrgTail] = {}

    def follow_org(self, org_id: str) -> AbstractAsyncContextManager[OrgTail]:
        """The organization's shared tail, for as long as the block lasts."""
        return _shared(self._orgs, org_id, lambda: OrgTail(self.store, org_id))

    def follow(self, job_id: str) -> AbstractAsyncContextManager[JobTail]:
        """The job's shared tail, for as long as the block lasts."""
        return _shared(self._tails, job_id, lambda: JobTail(self.store, job_id))


class _Followed(Protocol):
    followers: int

    def close(self) -> None: ...


_Tail = TypeVar("_Tail", bound=_Followed)


@asynccontextmanager
async def _shared(
    tails: dict[str, _Tail], key: str, make: Callable[[], _Tail]
) -> AsyncIterator[_Tail]:
    """The tail of ``key`` in ``tails``, made on first use and dropped when its last
    follower leaves."""
    tail = tails.get(key)
    if tail is None:
        tail = tails[key] = make()
    tail.followers += 1
    try:
        yield tail
    finally:
        tail.followers -= 1
        if tail.followers == 0:
            tails.pop(key, None)
            tail.close()
