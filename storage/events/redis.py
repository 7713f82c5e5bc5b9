"""Redis Streams event store, for the scaled deployment (API and workers in different
processes or hosts).

Keys, under a configurable prefix:

- ``job:<job_id>`` — the job's log, one stream entry per event with the explicit id
  ``0-<seq>``, so ``XRANGE (0-<after>`` resumes exactly (needs Redis 6.2+). Kept after
  the job ends unless ``expire_job`` or ``delete_older_than`` removes it.
- ``org:<org_id>`` — a copy of every event of the organization, with Redis-generated ids
  (the feed cursor), trimmed to about ``org_stream_maxlen`` entries: a recent-activity feed.
- ``jobs`` — zset job_id → newest event time, and ``orgs`` — set of org ids: retention.
- channel ``notify`` — one message per append; each process listens with one connection.

``append.lua`` assigns seq and writes both streams in one atomic round trip. It also
makes retries safe (a batch id on the batch's last entry: a batch whose reply was lost is
not appended twice) and notices a reset store: an appender says which seq it knows the log
reached, and a log found shorter (Redis restarted without its data) gets a
``stream.reset`` event first, numbered above any seq a follower may hold.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import orjson
import redis

from storage.events._hub import WakeupHub, wait_for_position
from storage.events._redis_listener import RedisListener
from storage.events.base import (
    DEFAULT_READ_LIMIT,
    RESET_EVENT_TYPE,
    RESET_REASON,
    Event,
    InvalidCursor,
    NewEvent,
    from_epoch_ms,
    to_epoch_ms,
)

DEFAULT_KEY_PREFIX = "gauntlet:events:"
# Roughly a day of a busy organization's events; the feed is for dashboards, not archives.
DEFAULT_ORG_STREAM_MAXLEN = 100_000
# Entries one read_org call may look at while filtering, so a narrow filter on a long feed
# cannot make one request scan it all; the returned cursor resumes where the scan stopped.
DEFAULT_ORG_SCAN_BUDGET = 10_000
# Stream ids come from the Redis clock at XADD and timestamps from TIME in the same script,
# a hair apart; a `since` filter starts its scan this much earlier to be safe.
_SINCE_SLACK_MS = 1_000
_PURGE_CHUNK = 200

_STREAM_ID = re.compile(r"^(\d{1,20})-(\d{1,20})$")
_APPEND_LUA = (Path(__file__).parent / "append.lua").read_text()
_RESET_DATA = orjson.dumps({"reason": RESET_REASON}).decode()
_PURGE_LUA = """
-- KEYS[1] jobs zset; ARGV[1] cutoff ms, ARGV[2] stream key prefix, ARGV[3..] job ids.
-- Deletes the logs of the listed jobs that are still older than the cutoff.
local deleted = 0
for i = 3, #ARGV do
    local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
    if score and tonumber(score) < tonumber(ARGV[1]) then
        local key = ARGV[2] .. ARGV[i]
        deleted = deleted + redis.call('XLEN', key)
        redis.call('DEL', key)
        redis.call('ZREM', KEYS[1], ARGV[i])
    end
end
return deleted
"""


class RedisEventStore:
    """``EventStore`` on Redis Streams. ``key_prefix`` isolates deployments (and tests).
    With ``job_ttl_seconds``, a job's log expires that long after its newest event (so a
    finished job's log is gone that long after it ended); by default logs are kept."""

    shares_job_database = False

    def __init__(
        self,
        redis_url: str,
        *,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        org_stream_maxlen: int = DEFAULT_ORG_STREAM_MAXLEN,
        org_scan_budget: int = DEFAULT_ORG_SCAN_BUDGET,
        job_ttl_seconds: int | None = None,
    ) -> None:
        # Named after the prefix, so CLIENT LIST tells this store's connections apart.
        self._client = redis.Redis.from_url(
            redis_url, decode_responses=True, client_name=f"{key_prefix}events"
        )
        self._prefix = key_prefix
        self._org_maxlen = org_stream_maxlen
        self._scan_budget = org_scan_budget
        self._job_ttl = job_ttl_seconds or 0
        self._channel = f"{key_prefix}notify"
        self._append = self._client.register_script(_APPEND_LUA)
        self._purge = self._client.register_script(_PURGE_LUA)
        self._hub = WakeupHub()
        self._listener = RedisListener(self._client, self._channel, self._hub, self._notified)

    def append(
        self,
        job_id: str,
        org_id: str,
        app_id: str | None,
        events: Sequence[NewEvent],
        *,
        batch_id: str | None = None,
        expect_after: int = 0,
    ) -> list[Event]:
        if not events:
            return []
        args: list[Any] = [job_id, org_id, app_id or "", self._org_maxlen, self._channel]
        args += [self._job_ttl, batch_id or "", expect_after, _RESET_DATA, len(events)]
        for event in events:
            args += [event.type, event.status, orjson.dumps(event.data).decode()]
        keys = [
            self._job_key(job_id),
            self._org_key(org_id),
            f"{self._prefix}jobs",
            f"{self._prefix}orgs",
        ]
        first, ms, marker = self._append(keys=keys, args=args)
        timestamp = from_epoch_ms(int(ms))
        stored = [
            Event(
                seq=int(first) + i,
                job_id=job_id,
                org_id=org_id,
                app_id=app_id,
                type=event.type,
                status=event.status,
                timestamp=timestamp,
                data=event.data,
            )
            for i, event in enumerate(events)
        ]
        if int(marker):
            reset = Event(
                seq=int(marker),
                job_id=job_id,
                org_id=org_id,
                app_id=app_id,
                type=RESET_EVENT_TYPE,
                status=events[0].status,
                timestamp=timestamp,
                data=orjson.loads(_RESET_DATA),
            )
            stored.insert(0, reset)
        return stored

    def read(self, job_id: str, after: int = 0, limit: int = DEFAULT_READ_LIMIT) -> list[Event]:
        start = f"(0-{after}" if after > 0 else "-"
        entries = self._xrange(self._job_key(job_id), start, limit)
        return [_job_entry_to_event(job_id, entry_id, fields) for entry_id, fields in entries]

    def read_org(
        self,
        org_id: str,
        *,
        after_cursor: str | None,
        app_id: str | None = None,
        job_id: str | None = None,
        types: set[str] | None = None,
        since: datetime | None = None,
        limit: int = DEFAULT_READ_LIMIT,
    ) -> tuple[list[Event], str | None]:
        start = "-" if after_cursor is None else f"({_format_id(_parse_id(after_cursor))}"
        since_ms = None if since is None else to_epoch_ms(since)
        if since_ms is not None:
            since_start = (max(0, since_ms - _SINCE_SLACK_MS), 0)
            if after_cursor is None or since_start > _parse_id(after_cursor):
                start = _format_id(since_start)
        matched: list[Event] = []
        cursor = after_cursor
        scanned = 0
        while len(matched) < limit and scanned < self._scan_budget:
            count = min(max(limit, 100), self._scan_budget - scanned)
            entries = self._xrange(self._org_key(org_id), start, count)
            for entry_id, fields in entries:
                cursor, scanned = entry_id, scanned + 1
                event = _org_entry_to_event(org_id, fields)
                if (
                    (app_id is None or event.app_id == app_id)
                    and (job_id is None or event.job_id == job_id)
                    and (types is None or event.type in types)
                    and (since_ms is None or to_epoch_ms(event.timestamp) >= since_ms)
                ):
                    matched.append(event)
                    if len(matched) == limit:
                        break
            if len(entries) < count:
                break
            start = f"({cursor}"
        return matched, cursor

    def listen(
        self, job_id: str, deliver: Callable[[list[Event]], None]
    ) -> Callable[[], None] | None:
        del job_id, deliver
        return None  # appends come from worker processes: followers read Redis

    async def wait(self, job_id: str, after: int, timeout: float) -> bool:
        await self._ensure_listening()

        async def last_seq() -> int:
            return await asyncio.to_thread(self._last_seq, job_id)

        return await wait_for_position(self._hub, ("job", job_id), after, timeout, last_seq)

    async def wait_org(
        self, org_id: str, timeout: float, *, after_cursor: str | None = None
    ) -> bool:
        after = None if after_cursor is None else _id_position(_parse_id(after_cursor))
        await self._ensure_listening()

        async def last_position() -> int:
            return await asyncio.to_thread(self._last_org_position, org_id)

        return await wait_for_position(self._hub, ("org", org_id), after, timeout, last_position)

    def delete_older_than(self, cutoff: datetime) -> int:
        cutoff_ms = to_epoch_ms(cutoff)
        jobs_key = f"{self._prefix}jobs"
        stale = cast(list[str], self._client.zrangebyscore(jobs_key, "-inf", f"({cutoff_ms}"))
        deleted = 0
        for start in range(0, len(stale), _PURGE_CHUNK):
            chunk = stale[start : start + _PURGE_CHUNK]
            deleted += int(
                self._purge(keys=[jobs_key], args=[cutoff_ms, f"{self._prefix}job:", *chunk])
            )
        # The org feeds are copies, trimmed by time (their ids carry it), exactly: an
        # approximate trim would keep whole macro-nodes of deleted jobs' events.
        for org_id in cast(set[str], self._client.smembers(f"{self._prefix}orgs")):
            self._client.xtrim(self._org_key(org_id), minid=f"{cutoff_ms}-0", approximate=False)
        return deleted

    def expire_job(self, job_id: str, seconds: int) -> None:
        """Let the job's log vanish ``seconds`` from now (e.g. when the job ends, if the
        deployment keeps finished logs only for a while). By default logs are kept."""
        self._client.expire(self._job_key(job_id), seconds)

    def waiting(self) -> int:
        """Followers parked on this store right now."""
        return self._hub.waiting()

    def close(self) -> None:
        self._listener.stop()
        self._client.close()

    async def _ensure_listening(self) -> None:
        if not self._listener.ready:
            await asyncio.to_thread(self._listener.start)

    def _notified(self, payload: dict[str, Any]) -> None:
        self._hub.publish(("job", str(payload["job"])), int(payload["seq"]))
        org_id = payload.get("org")
        if isinstance(org_id, str) and isinstance(payload.get("oid"), str):
            self._hub.publish(("org", org_id), _id_position(_parse_id(payload["oid"])))

    def _xrange(self, key: str, start: str, count: int) -> list[tuple[str, dict[str, str]]]:
        # The client decodes responses, so ids and fields are str.
        entries = self._client.xrange(key, min=start, max="+", count=count)
        return cast(list[tuple[str, dict[str, str]]], entries or [])

    def _newest_id(self, key: str) -> tuple[int, int] | None:
        newest = cast(list[tuple[str, Any]], self._client.xrevrange(key, count=1) or [])
        return _parse_id(newest[0][0]) if newest else None

    def _last_seq(self, job_id: str) -> int:
        newest = self._newest_id(self._job_key(job_id))
        return newest[1] if newest else 0

    def _last_org_position(self, org_id: str) -> int:
        newest = self._newest_id(self._org_key(org_id))
        return _id_position(newest) if newest else 0

    def _job_key(self, job_id: str) -> str:
        return f"{self._prefix}job:{job_id}"

    def _org_key(self, org_id: str) -> str:
        return f"{self._prefix}org:{org_id}"


def _parse_id(entry_id: str) -> tuple[int, int]:
    match = _STREAM_ID.match(entry_id)
    if match is None:
        raise InvalidCursor(entry_id)
    return int(match[1]), int(match[2])


def _format_id(parts: tuple[int, int]) -> str:
    return f"{parts[0]}-{parts[1]}"


def _id_position(parts: tuple[int, int]) -> int:
    # Stream ids order as (ms, n) pairs; the hub compares plain ints.
    return parts[0] << 64 | parts[1]


def _job_entry_to_event(job_id: str, entry_id: str, fields: dict[str, str]) -> Event:
    return Event(
        seq=_parse_id(entry_id)[1],
        job_id=job_id,
        org_id=fields["org"],
        app_id=fields["app"] or None,
        type=fields["type"],
        status=fields["status"],
        timestamp=from_epoch_ms(int(fields["ts"])),
        data=orjson.loads(fields["data"]),
    )


def _org_entry_to_event(org_id: str, fields: dict[str, str]) -> Event:
    return Event(
        seq=int(fields["seq"]),
        job_id=fields["job"],
        org_id=org_id,
        app_id=fields["app"] or None,
        type=fields["type"],
        status=fields["status"],
        timestamp=from_epoch_ms(int(fields["ts"])),
        data=orjson.loads(fields["data"]),
    )
