"""The in-process wake-up hub: thread-safe, across event loops, by position."""

from __future__ import annotations

import asyncio
import threading
import time

from storage.events._hub import WakeupHub, wait_for_position


def _follow_in_thread(hub: WakeupHub, key: str, after: int) -> tuple[threading.Thread, list[bool]]:
    """Wait on ``key`` from a loop of its own, in a thread of its own; the outcome lands in
    the returned list."""
    results: list[bool] = []

    def follow() -> None:
        results.append(asyncio.run(wait_for_position(hub, key, after, 5, None)))

    thread = threading.Thread(target=follow)
    thread.start()
    return thread, results


def _wait_until_parked(hub: WakeupHub, count: int) -> None:
    deadline = time.monotonic() + 5
    while hub.waiting() < count:
        assert time.monotonic() < deadline, "followers did not park"
        time.sleep(0.002)


def test_publish_from_a_thread_wakes_waiters_on_several_loops() -> None:
    hub = WakeupHub()
    threads = [_follow_in_thread(hub, "job", 3) for _ in range(3)]
    _wait_until_parked(hub, 3)
    publisher = threading.Thread(target=hub.publish, args=("job", 4))
    publisher.start()
    publisher.join()
    for thread, results in threads:
        thread.join(timeout=5)
        assert results == [True]
    assert hub.waiting() == 0


def test_a_position_not_beyond_the_waiter_does_not_wake_it() -> None:
    hub = WakeupHub()

    async def scenario() -> bool:
        waiter = asyncio.create_task(wait_for_position(hub, "job", 5, 0.2, None))
        await asyncio.sleep(0)
        hub.publish("job", 5)
        hub.publish("other", 9)
        return await waiter

    assert asyncio.run(scenario()) is False


def test_a_poke_makes_waiters_check_the_store_again() -> None:
    hub = WakeupHub()
    head = 0
    checks = 0

    async def current() -> int:
        nonlocal checks
        checks += 1
        return head

    async def scenario() -> bool:
        nonlocal head
        waiter = asyncio.create_task(wait_for_position(hub, "job", 0, 5, current))
        while checks < 1:
            await asyncio.sleep(0)
        head = 1  # an append whose notification was lost
        hub.poke_all()
        return await waiter

    assert asyncio.run(scenario()) is True
    assert checks == 2


def test_a_waiter_on_a_closed_loop_is_dropped_quietly() -> None:
    hub = WakeupHub()
    loop = asyncio.new_event_loop()

    async def park() -> None:
        hub.subscribe("job", 0)

    loop.run_until_complete(park())
    loop.close()
    hub.publish("job", 1)
    assert hub.waiting() == 0
