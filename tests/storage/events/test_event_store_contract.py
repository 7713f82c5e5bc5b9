"""The EventStore contract, run against every backend (see conftest.py)."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from datetime import datetime, timedelta

import pytest

from storage.events import EventStore, InvalidCursor, NewEvent
from storage.events.base import MAX_STATUS_LENGTH, MAX_TYPE_LENGTH
from tests.storage.events.helpers import OpenStore, events, new_id, run, until


def test_seq_starts_at_one_and_is_gap_free(store: EventStore) -> None:
    job, org = new_id("job"), new_id("org")
    appended = [store.append(job, org, None, events(1))[0] for _ in range(5)]
    assert [e.seq for e in appended] == [1, 2, 3, 4, 5]
    assert [e.seq for e in store.read(job)] == [1, 2, 3, 4, 5]


def test_batch_append_gets_consecutive_seqs_and_returns_what_is_stored(store: EventStore) -> None:
    job, org, app = new_id("job"), new_id("org"), new_id("app")
    store.append(job, org, app, events(2))
    batch = store.append(job, org, app, events(3, type_="suite.started"))
    assert [e.seq for e in batch] == [3, 4, 5]
    assert [e.data for e in batch] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert all((e.job_id, e.org_id, e.app_id) == (job, org, app) for e in batch)
    assert store.read(job, after=2) == batch


def test_the_longest_type_and_status_an_event_may_have_are_stored_whole(
    store: EventStore,
) -> None:
    job, org = new_id("job"), new_id("org")
    longest = NewEvent(type="t" * MAX_TYPE_LENGTH, status="S" * MAX_STATUS_LENGTH)

    store.append(job, org, None, [longest])

    [stored] = store.read(job)
    assert (stored.type, stored.status) == (longest.type, longest.status)


def test_empty_batch_stores_nothing(store: EventStore) -> None:
    job, org = new_id("job"), new_id("org")
    assert store.append(job, org, None, []) == []
    assert store.append(job, org, None, events(1))[0].seq == 1


def test_concurrent_appenders_to_one_job_get_each_seq_exactly_once(store: EventStore) -> None:
    job, org = new_id("job"), new_id("org")
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def appender(worker: int) -> None:
        try:
            start.wait()
            for i in range(50):
                store.append(
                    job,
                    org,
                    None,
                    [NewEvent(type="t", status="RUNNING", data={"w": worker, "i": i})],
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=appender, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    stored = store.read(job, limit=1000)
    assert [e.seq for e in stored] == list(range(1, 401))
    # Each appender's own events keep their order, whatever the interleaving.
    for worker in range(8):
        assert [e.data["i"] for e in stored if e.data["w"] == worker] == list(range(50))


def test_read_honours_after_and_limit(store: EventStore) -> None:
    job, org = new_id("job"), new_id("org")
    store.append(job, org, None, events(10))
    assert [e.seq for e in store.read(job, after=3, limit=4)] == [4, 5, 6, 7]
    assert [e.seq for e in store.read(job, after=8)] == [9, 10]
    assert store.read(job, after=10) == []
    assert store.read(new_id("job")) == []


def test_jobs_have_independent_logs(store: EventStore) -> None:
    org = new_id("org")
    first, second = new_id("job"), new_id("job")
    store.append(first, org, None, events(3))
    store.append(second, org, None, events(2))
    store.append(first, org, None, events(1))
    assert [e.seq for e in store.read(first)] == [1, 2, 3, 4]
    assert [e.seq for e in store.read(second)] == [1, 2]
    assert {e.job_id for e in store.read(second)} == {second}


def test_timestamps_are_utc_with_millisecond_precision(store: EventStore) -> None:
    job, org = new_id("job"), new_id("org")
    [appended] = store.append(job, org, None, events(1))
    [stored] = store.read(job)
    assert stored.timestamp == appended.timestamp
    assert stored.timestamp.utcoffset() == timedelta(0)
    assert stored.timestamp.microsecond % 1000 == 0
    wire = stored.to_wire()["timestamp"]
    assert len(wire) == len("2025-01-01T00:00:00.123Z") and wire.endswith("Z")


def test_org_feed_lists_every_job_of_the_org_in_append_order(store: EventStore) -> None:
    org = new_id("org")
    a, b = new_id("job"), new_id("job")
    store.append(a, org, None, events(1))
    store.append(b, org, None, events(2))
    store.append(a, org, None, events(1))
    store.append(new_id("job"), new_id("org"), None, events(3))  # another organization
    feed, cursor = store.read_org(org, after_cursor=None)
    assert [(e.job_id, e.seq) for e in feed] == [(a, 1), (b, 1), (b, 2), (a, 2)]
    assert cursor is not None
    assert store.read_org(org, after_cursor=cursor) == ([], cursor)


def test_org_feed_of_an_empty_org_has_no_cursor(store: EventStore) -> None:
    assert store.read_org(new_id("org"), after_cursor=None) == ([], None)


def test_org_feed_filters_by_app_job_type_and_time(store: EventStore) -> None:
    org, app, other_app = new_id("org"), new_id("app"), new_id("app")
    a, b, c = new_id("job"), new_id("job"), new_id("job")
    store.append(a, org, app, [NewEvent(type="job.started", status="RUNNING")])
    store.append(b, org, other_app, [NewEvent(type="job.started", status="RUNNING")])
    early = store.append(c, org, None, [NewEvent(type="load.stats", status="RUNNING")])[0]
    since = early.timestamp + timedelta(milliseconds=1)
    _let_store_clock_pass(store, since)
    [late] = store.append(a, org, app, [NewEvent(type="job.completed", status="COMPLETED")])

    def feed(**filters: object) -> list[tuple[str, int]]:
        found, _ = store.read_org(org, after_cursor=None, **filters)  # type: ignore[arg-type]
        return [(e.job_id, e.seq) for e in found]

    assert feed(app_id=app) == [(a, 1), (a, late.seq)]
    assert feed(job_id=b) == [(b, 1)]
    assert feed(types={"job.started", "load.stats"}) == [(a, 1), (b, 1), (c, 1)]
    assert feed(since=since) == [(a, late.seq)]
    assert feed(app_id=app, types={"job.started"}) == [(a, 1)]


def test_org_feed_cursor_pages_through_a_filtered_feed_and_resumes_later(store: EventStore) -> None:
    org = new_id("org")
    jobs = [new_id("job") for _ in range(3)]
    for round_ in range(6):
        for job in jobs:
            kind = "step.completed" if round_ % 2 else "suite.started"
            store.append(
                job, org, None, [NewEvent(type=kind, status="RUNNING", data={"r": round_})]
            )
    wanted = [(job, seq) for seq in (2, 4, 6) for job in jobs]

    seen: list[tuple[str, int]] = []
    cursor: str | None = None
    for _ in range(20):
        page, cursor = store.read_org(org, after_cursor=cursor, types={"step.completed"}, limit=4)
        if not page:
            break
        seen += [(e.job_id, e.seq) for e in page]
    assert seen == wanted

    store.append(jobs[0], org, None, [NewEvent(type="step.completed", status="RUNNING")])
    page, _ = store.read_org(org, after_cursor=cursor, types={"step.completed"})
    assert [(e.job_id, e.seq) for e in page] == [(jobs[0], 7)]


def test_org_feed_rejects_a_cursor_it_did_not_issue(store: EventStore) -> None:
    with pytest.raises(InvalidCursor):
        store.read_org(new_id("org"), after_cursor="not-a-cursor!")


def test_wait_returns_at_once_when_the_event_is_already_there(store: EventStore) -> None:
    job, org = new_id("job"), new_id("org")
    store.append(job, org, None, events(2))
    started = time.perf_counter()
    assert run(store.wait(job, after=1, timeout=5)) is True
    assert time.perf_counter() - started < 1


def test_wait_returns_false_on_timeout(store: EventStore) -> None:
    job, org = new_id("job"), new_id("org")
    store.append(job, org, None, events(1))
    started = time.perf_counter()
    assert run(store.wait(job, after=1, timeout=0.2)) is False
    assert 0.19 <= time.perf_counter() - started < 2


def test_wait_wakes_promptly_on_an_append_from_another_thread(store: EventStore) -> None:
    job, org = new_id("job"), new_id("org")
    latencies: list[float] = []

    async def one_round(after: int) -> None:
        woke_at = 0.0

        async def follower() -> bool:
            nonlocal woke_at
            woke = await store.wait(job, after=after, timeout=5)
            woke_at = time.perf_counter()
            return woke

        task = asyncio.create_task(follower())
        await until(lambda: store.waiting() >= 1)
        append_started = await asyncio.to_thread(_clock_and_append, store, job, org)
        assert await task is True
        latencies.append(woke_at - append_started)

    async def scenario() -> None:
        for after in range(5):
            await one_round(after)

    run(scenario())
    # Measured from the start of the append, so it includes the append itself.
    median_ms, max_ms = statistics.median(latencies) * 1000, max(latencies) * 1000
    print(f"\nwake-up latency from append start: median {median_ms:.2f} ms, max {max_ms:.2f} ms")
    assert max(latencies) < 0.1


def test_a_hundred_followers_all_wake_on_one_append(store: EventStore) -> None:
    job, org = new_id("job"), new_id("org")

    async def scenario() -> list[bool]:
        followers = [asyncio.create_task(store.wait(job, after=0, timeout=10)) for _ in range(100)]
        await until(lambda: store.waiting() >= 100)
        append_started = await asyncio.to_thread(_clock_and_append, store, job, org)
        woke = await asyncio.wait_for(asyncio.gather(*followers), timeout=5)
        assert time.perf_counter() - append_started < 1
        return woke

    assert run(scenario()) == [True] * 100
    assert store.waiting() == 0


def test_wait_org_wakes_on_an_append_to_any_job_of_the_org(store: EventStore) -> None:
    org = new_id("org")
    store.append(new_id("job"), org, None, events(1))
    _, cursor = store.read_org(org, after_cursor=None)

    async def scenario() -> tuple[bool, bool]:
        mine = asyncio.create_task(store.wait_org(org, timeout=5, after_cursor=cursor))
        other = asyncio.create_task(store.wait_org(new_id("org"), timeout=0.3))
        await until(lambda: store.waiting() >= 2)
        await asyncio.to_thread(store.append, new_id("job"), org, None, events(1))
        return await mine, await other

    assert run(scenario()) == (True, False)
    assert run(store.wait_org(org, timeout=5, after_cursor=cursor)) is True


def test_events_outlive_the_job_and_the_store_instance(open_store: OpenStore) -> None:
    job, org = new_id("job"), new_id("org")
    writer = open_store()
    writer.append(job, org, None, [NewEvent(type="job.started", status="RUNNING")])
    writer.append(job, org, None, events(3))
    writer.append(job, org, None, [NewEvent(type="job.completed", status="COMPLETED")])
    written = writer.read(job)
    writer.close()

    reader = open_store()
    assert reader.read(job) == written
    assert [e.type for e in reader.read(job)][-1] == "job.completed"
    assert reader.append(job, org, None, events(1))[0].seq == 6


def test_retention_deletes_whole_logs_older_than_the_cutoff(store: EventStore) -> None:
    org = new_id("org")
    old, mixed, fresh = new_id("job"), new_id("job"), new_id("job")
    store.append(old, org, None, events(3))
    store.append(mixed, org, None, events(2))
    cutoff = store.read(mixed)[-1].timestamp + timedelta(milliseconds=1)
    _let_store_clock_pass(store, cutoff)
    store.append(mixed, org, None, events(1))
    store.append(fresh, org, None, events(1))
    kept_mixed, kept_fresh = store.read(mixed), store.read(fresh)

    assert store.delete_older_than(cutoff) == 3
    assert store.read(old) == []
    assert store.read(mixed) == kept_mixed  # active since the cutoff: kept whole
    assert store.read(fresh) == kept_fresh
    feed, _ = store.read_org(org, after_cursor=None)
    assert old not in {e.job_id for e in feed}
    assert store.delete_older_than(cutoff) == 0


def _clock_and_append(store: EventStore, job: str, org: str) -> float:
    started = time.perf_counter()
    store.append(job, org, None, events(1))
    return started


def _let_store_clock_pass(store: EventStore, moment: datetime) -> None:
    """Return once the store stamps new events at or after ``moment`` (a millisecond or so:
    the store's clock decides, and with Redis that is the server's). Probes go to a job of
    their own organization, whose log, stamped at or after ``moment``, retention keeps."""
    job, org = new_id("job"), new_id("org")
    deadline = time.monotonic() + 5
    while store.append(job, org, None, events(1))[0].timestamp < moment:
        assert time.monotonic() < deadline, "the store's clock does not advance"
