"""NDJSON event streams: stored events first, then live ones as they are appended.

Followers wait on the store's notification (never a polling loop of their own); an idle
stream sends a heartbeat line at least every ``event_heartbeat_seconds``. A job stream
ends after the job's terminal event, or when the job turns out to be terminal without one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import anyio
import orjson

from core.jobs import TERMINAL, TERMINAL_EVENT_TYPES, JobStatus
from orchestrator.runtime import Runtime
from storage import job_states
from storage.db import session_scope
from storage.events import Event, format_timestamp, heartbeat_wire

READ_BATCH = 1000
TERMINAL_EVENT_GRACE_S = 5.0


def _status(runtime: Runtime, job_id: str) -> str:
    # A job deleted with its app has no status any more: its stream ends as if cancelled.
    with session_scope(runtime.engine) as session:
        return job_states.status_of(session, job_id) or JobStatus.CANCELLED


def _ended_without_terminal_event(job_id: str, status: str) -> bytes:
    """The last line of a stream whose job row is terminal but whose log has no terminal
    event: the event store lost the log (Redis restarted without its data) or the worker
    died between its two writes. The follower learns the outcome from the row, and that
    the log is incomplete, instead of seeing the stream just stop."""
    line = {
        "job_id": job_id,
        "type": "stream.ended",
        "status": status,
        "timestamp": format_timestamp(datetime.now(UTC)),
        "data": {
            "reason": "the job ended but its event log has no terminal event; the"
            " status is the job's own"
        },
    }
    return orjson.dumps(line) + b"\n"


async def _had_terminal_event(runtime: Runtime, job_id: str, last: int) -> bool:
    """Whether the event at the follower's cursor is the job's terminal event (it resumed
    after the end, and has been told already)."""
    if last <= 0:
        return False
    events = await anyio.to_thread.run_sync(runtime.events.read, job_id, last - 1, 1)
    return bool(events) and events[0].seq == last and events[0].type in TERMINAL_EVENT_TYPES


async def _drain_terminal(runtime: Runtime, job_id: str, last: int) -> AsyncIterator[Event]:
    store = runtime.events
    deadline = anyio.current_time() + TERMINAL_EVENT_GRACE_S
    while True:
        for event in await anyio.to_thread.run_sync(store.read, job_id, last, READ_BATCH):
            yield event
            last = event.seq
            if event.type in TERMINAL_EVENT_TYPES:
                return
        remaining = deadline - anyio.current_time()
        if remaining <= 0 or not await store.wait(job_id, last, remaining):
            return


async def job_events(
    runtime: Runtime, job_id: str, after: int, follow: bool
) -> AsyncIterator[bytes]:
    store = runtime.events
    heartbeat = runtime.settings.event_heartbeat_seconds
    last = after
    async with runtime.tails.follow(job_id) as tail:
        while True:
            batch = await tail.after(last)
            for event in batch:
                yield event.to_ndjson()
                last = event.seq
                if event.type in TERMINAL_EVENT_TYPES:
                    return
            if len(batch) == READ_BATCH:
                continue
            if not follow:
                return
            # Woken by new events: wait for the next ones. The job's state is only looked
            # up after an idle heartbeat or when nothing came, not once per event (100
            # followers would otherwise cost 100 queries an event).
            if batch and await store.wait(job_id, last, heartbeat):
                continue
            status = await anyio.to_thread.run_sync(_status, runtime, job_id)
            if status in TERMINAL:
                # A worker commits the terminal state, then appends the terminal event:
                # give the event a moment to land; if it never comes, say so.
                told = False
                async for event in _drain_terminal(runtime, job_id, last):
                    yield event.to_ndjson()
                    told = event.type in TERMINAL_EVENT_TYPES
                if not told and not await _had_terminal_event(runtime, job_id, last):
                    yield _ended_without_terminal_event(job_id, status)
                return
            # ``batch`` here means a whole heartbeat already passed idle.
            if batch or not await store.wait(job_id, last, heartbeat):
                yield orjson.dumps(heartbeat_wire(job_id, status)) + b"\n"
