"""The organization's event feed for clients: JSON pages, or a live NDJSON tail.

Both modes read through ``storage.events.feed`` (filters, exact pages, the true end of the
feed) and hand clients a cursor: ``meta.pagination.next_cursor`` on a page; ``cursor`` on
the last line of each batch of a tail and on every heartbeat. Clients only ever see
cursors made by ``feed_cursor`` and give back what ``feed_position`` reads, so how a
position is made opaque lives in those two functions alone.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio
import orjson

from orchestrator.pagination import EVENTS_SCOPE, open_cursor, seal_cursor
from orchestrator.runtime import Runtime
from storage.events import Event, format_timestamp
from storage.events.feed import UNTIL_SLACK, FeedFilter, FeedPage, read_feed

# Events per read while tailing: as many as a job stream's batch.
TAIL_BATCH = 1000


def feed_cursor(runtime: Runtime, org_id: str, position: str | None) -> str | None:
    """The cursor a client gets for a feed ``position``: sealed for ``org_id``, because the
    store's positions are global counters that would show other organizations' activity."""
    if position is None:
        return None
    return seal_cursor(position, runtime.cursor_key, org_id, EVENTS_SCOPE)


def feed_position(runtime: Runtime, org_id: str, cursor: str | None) -> str | None:
    """The store position inside a client's ``cursor``; one altered, or of another
    organization or list, is a 400 on ``after``."""
    if cursor is None:
        return None
    return open_cursor(cursor, runtime.cursor_key, org_id, EVENTS_SCOPE)


def event_line(event: Event) -> dict[str, Any]:
    """An event as the feed shows it: the job stream's object plus ``app_id``, so a
    dashboard following every app can tell them apart."""
    return {**event.to_wire(), "app_id": event.app_id}


@dataclass(frozen=True)
class Page:
    events: list[dict[str, Any]]
    next_cursor: str | None
    has_next: bool


def page(runtime: Runtime, org_id: str, query: FeedFilter, after: str | None, size: int) -> Page:
    """One JSON page. ``next_cursor`` is set even on the last page: a client polling the
    feed keeps it and asks again later for what came since."""
    found = read_feed(runtime.events, org_id, query, feed_position(runtime, org_id, after), size)
    return Page(
        events=[event_line(e) for e in found.events],
        next_cursor=feed_cursor(runtime, org_id, found.position),
        has_next=not found.at_end,
    )


def first_batch(runtime: Runtime, org_id: str, query: FeedFilter, after: str | None) -> FeedPage:
    """The tail's first batch, read before the response starts, so that a bad cursor is
    a 400 rather than a stream cut short."""
    position = feed_position(runtime, org_id, after)
    return read_feed(runtime.events, org_id, query, position, TAIL_BATCH, fill=False)


async def tail(
    runtime: Runtime, org_id: str, query: FeedFilter, first: FeedPage
) -> AsyncIterator[bytes]:
    """Stored events then live ones as NDJSON, until the client leaves (or, with
    ``until``, once the feed has passed it). Idle, it sends a heartbeat at least every
    ``event_heartbeat_seconds``.

    After the first batch, the follower reads through the process's shared tail of the
    organization's feed and filters in memory: one store read per wake-up however many
    followers the feed has, rather than one each."""
    store = runtime.events
    heartbeat = runtime.settings.event_heartbeat_seconds
    events, position, finished = first.events, first.position, first.finished
    at_end, more = first.at_end, len(events) >= TAIL_BATCH
    last_line = anyio.current_time()
    async with runtime.tails.follow_org(org_id) as shared:
        while True:
            cursor = feed_cursor(runtime, org_id, position)
            if events:
                # One write per batch, not per line: with hundreds of followers, each
                # write is a trip through the ASGI stack and a send per follower.
                yield _lines(events, cursor)
                last_line = anyio.current_time()
            if finished or (at_end and _past(query.until)):
                return
            # Caught up: wait for the store to have something after the position (at
            # once if it has). A narrow filter on a busy feed may wake often and match
            # nothing: the heartbeat goes by the time since the last line, not by the
            # wait alone.
            idle = not more and not await store.wait_org(org_id, heartbeat, after_cursor=position)
            if idle or anyio.current_time() - last_line >= heartbeat:
                yield orjson.dumps(_heartbeat(query, cursor)) + b"\n"
                last_line = anyio.current_time()
            batch = await shared.after(position)
            events, finished = _kept(query, batch.events)
            position, at_end = batch.position, batch.at_end
            more = len(batch.events) >= TAIL_BATCH


def _lines(events: list[Event], cursor: str | None) -> bytes:
    """The NDJSON of a batch; its last line carries the cursor after it."""
    *before, last = events
    tail_line = orjson.dumps({**event_line(last), "cursor": cursor}) + b"\n"
    return b"".join([*(_encoded(event) for event in before), tail_line])


# Every follower of a feed sends the same events: each is encoded once for all of them.
# Keyed by what makes an event unique (a job's seqs are never reused) and bounded.
_ENCODED: OrderedDict[tuple[str, int, str], bytes] = OrderedDict()
MAX_ENCODED = 4096


def _encoded(event: Event) -> bytes:
    key = (event.job_id, event.seq, event.type)
    line = _ENCODED.get(key)
    if line is None:
        line = _ENCODED[key] = orjson.dumps(event_line(event)) + b"\n"
        if len(_ENCODED) > MAX_ENCODED:
            _ENCODED.popitem(last=False)
    return line


def _kept(query: FeedFilter, batch: list[Event]) -> tuple[list[Event], bool]:
    """The events of an unfiltered batch that ``query`` keeps, and whether the feed has
    gone past its ``until`` (then nothing after can match)."""
    if query.keeps_everything:
        return batch, False
    kept: list[Event] = []
    for event in batch:
        if query.past_until(event):
            return kept, True
        if query.matches(event):
            kept.append(event)
    return kept, False


def _heartbeat(query: FeedFilter, cursor: str | None) -> dict[str, Any]:
    return {
        "type": "heartbeat",
        "app_id": query.app_id,
        "timestamp": format_timestamp(datetime.now(UTC)),
        "cursor": cursor,
    }


def _past(until: datetime | None) -> bool:
    # Events carry the store's append time: once the clock is past ``until`` (with the
    # same slack the scan allows), no event that matches can still come.
    if until is None:
        return False
    moment = until.replace(tzinfo=UTC) if until.tzinfo is None else until
    return datetime.now(UTC) > moment + UNTIL_SLACK
