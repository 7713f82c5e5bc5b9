"""``storage.events.feed``: the organization feed read with filters and exact pages, on
every backend, and past the Redis store's per-read scan budget."""

from __future__ import annotations

from storage.events import EventStore, NewEvent, RedisEventStore
from storage.events.feed import FeedFilter, read_feed
from tests.storage.events.helpers import new_id


def append(store: EventStore, org: str, job: str, *types: str, status: str = "RUNNING") -> None:
    store.append(job, org, "app", [NewEvent(type=t, status=status) for t in types])


def test_pages_are_exact_and_resume_right_after_their_last_event(store: EventStore) -> None:
    org, jobs = new_id("org"), [new_id("job") for _ in range(3)]
    for job in jobs:
        append(store, org, job, "job.started", "step.completed", "load.stats", "step.failed")
    query = FeedFilter(types=frozenset({"step.*"}))
    seen, position = [], None
    while True:
        page = read_feed(store, org, query, position, 4)
        seen += [(e.job_id, e.type) for e in page.events]
        position = page.position
        if page.at_end:
            break
        assert len(page.events) == 4
    assert seen == [(j, t) for j in jobs for t in ("step.completed", "step.failed")]
    assert read_feed(store, org, query, position, 4).events == []


def test_status_filter_and_an_empty_feed(store: EventStore) -> None:
    org = new_id("org")
    empty = read_feed(store, org, FeedFilter(), None, 10)
    assert (empty.events, empty.position, empty.at_end) == ([], None, True)
    append(store, org, new_id("job"), "job.started")
    append(store, org, new_id("job"), "job.failed", status="FAILED")
    found = read_feed(store, org, FeedFilter(statuses=frozenset({"FAILED"})), None, 10)
    assert [e.type for e in found.events] == ["job.failed"] and found.at_end


def test_a_read_cut_short_by_the_redis_scan_budget_is_not_the_end(
    redis_url: str, prefix: str
) -> None:
    store = RedisEventStore(redis_url, key_prefix=prefix, org_scan_budget=10)
    try:
        org, needle = new_id("org"), new_id("job")
        append(store, org, new_id("job"), *["step.completed"] * 35)
        append(store, org, needle, "job.completed")
        assert store.read_org(org, after_cursor=None, job_id=needle)[0] == []  # the trap
        page = read_feed(store, org, FeedFilter(job_id=needle), None, 20)
        assert [e.job_id for e in page.events] == [needle] and page.at_end
    finally:
        store.close()
