"""Wake-ups for event followers: a thread-safe hub of asyncio waiters.

Appends happen on worker threads (or arrive from another process through one Redis
listener thread); followers are coroutines, possibly on several event loops. A follower
parks one future in the hub; ``publish`` resolves every due future on its own loop with
``call_soon_threadsafe``. So a hundred idle followers are a hundred futures, not a hundred
polling loops or connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field

# Keys whose last published position is remembered (the most recently published).
MAX_REMEMBERED_POSITIONS = 10_000


@dataclass(eq=False)
class _Waiter:
    # Wake on a published position greater than this; None: on any publication.
    after: int | None
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[bool] = field(repr=False)


class WakeupHub:
    """Waiters keyed by any hashable (e.g. ``("job", job_id)``), woken by positions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[Hashable, set[_Waiter]] = {}
        # The last position published per key (most recent keys only). A follower about
        # to wait asks it, rather than the store, whether it missed something: with a
        # hundred followers, the store would otherwise be read a hundred times an event.
        self._positions: OrderedDict[Hashable, int] = OrderedDict()

    def subscribe(self, key: Hashable, after: int | None) -> _Waiter:
        """Park a waiter for ``key``; call from the coroutine that will await it."""
        loop = asyncio.get_running_loop()
        waiter = _Waiter(after=after, loop=loop, future=loop.create_future())
        with self._lock:
            self._waiters.setdefault(key, set()).add(waiter)
        return waiter

    def unsubscribe(self, key: Hashable, waiter: _Waiter) -> None:
        with self._lock:
            waiters = self._waiters.get(key)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[key]

    def publish(self, key: Hashable, position: int) -> None:
        """Wake (with True) the waiters of ``key`` that wait for something before
        ``position``. Safe from any thread."""
        with self._lock:
            self._positions[key] = max(position, self._positions.get(key, position))
            self._positions.move_to_end(key)
            if len(self._positions) > MAX_REMEMBERED_POSITIONS:
                self._positions.popitem(last=False)
            waiters = self._waiters.get(key)
            if not waiters:
                return
            due = {w for w in waiters if w.after is None or position > w.after}
            waiters -= due
            if not waiters:
                del self._waiters[key]
        _resolve(due, True)

    def poke_all(self) -> None:
        """Wake every waiter (with False) so that it checks the store again: notifications
        may have been lost, e.g. while the Redis listener reconnected."""
        with self._lock:
            everyone = {w for waiters in self._waiters.values() for w in waiters}
            self._waiters.clear()
            self._positions.clear()  # they may be stale now
        _resolve(everyone, False)

    def known_position(self, key: Hashable) -> int | None:
        """The last position published for ``key`` since it was remembered, or None."""
        with self._lock:
            return self._positions.get(key)

    def waiting(self) -> int:
        """How many followers are parked right now (a gauge for metrics and tests)."""
        with self._lock:
            return sum(len(waiters) for waiters in self._waiters.values())


def _resolve(waiters: set[_Waiter], value: bool) -> None:
    # One callback per loop rather than one per waiter: waking a hundred followers of a
    # job costs one self-pipe write, not a hundred.
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[bool]]] = {}
    for waiter in waiters:
        by_loop.setdefault(waiter.loop, []).append(waiter.future)
    for loop, futures in by_loop.items():
        # A closed loop raises RuntimeError: its followers are gone.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_set_results, futures, value)


def _set_results(futures: list[asyncio.Future[bool]], value: bool) -> None:
    for future in futures:
        if not future.done():
            future.set_result(value)


async def wait_for_position(
    hub: WakeupHub,
    key: Hashable,
    after: int | None,
    timeout: float,
    current: Callable[[], Awaitable[int]] | None,
) -> bool:
    """True once ``current()`` exceeds ``after`` or a publication on ``key`` says so;
    False after ``timeout`` seconds. With ``after=None`` (or no ``current``), any
    publication after the call counts.

    The waiter is parked before the store is checked, so an append landing between a
    follower's last read and this call is never missed. On timeout the store is checked
    once more, which catches appends whose notification was lost.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(timeout, 0.0)
    check = current if after is not None else None
    threshold = after if after is not None else 0
    while True:
        waiter = hub.subscribe(key, after)
        try:
            if check is not None:
                known = hub.known_position(key)
                if (known if known is not None else await check()) > threshold:
                    return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            done, _ = await asyncio.wait({waiter.future}, timeout=remaining)
            if not done:
                return check is not None and await check() > threshold
            if waiter.future.result():
                return True
            # Poked: loop to check the store again with a fresh waiter.
        finally:
            hub.unsubscribe(key, waiter)
