"""The job event log: event models, their NDJSON wire form, and the ``EventStore`` protocol.

Every job has an append-only log of events numbered 1, 2, 3… (``seq``, gap-free per job).
The NDJSON endpoints send what is stored, then wait on the store for what comes next; the
ops feed reads across all jobs of an organization with an opaque cursor. Two backends
implement the protocol (``storage.events.sql`` and ``storage.events.redis``) and pass one
shared contract test suite.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import orjson

from core.errors import ValidationFailed

# A page of 1,000 events is a few hundred kilobytes of NDJSON: big enough that a client
# catching up on a long load test needs few round trips, small enough to hold in memory.
DEFAULT_READ_LIMIT = 1000

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# The event a log gets where the store lost its earlier events (a Redis restarted without
# persistence): a follower reads it next, whatever cursor it resumes from.
RESET_EVENT_TYPE = "stream.reset"
RESET_REASON = (
    "the event store no longer has this job's earlier events (it restarted without its"
    " data, or they expired); the events after this one are complete"
)


# Column widths of the stored event (storage.events.sql, migrations).
MAX_TYPE_LENGTH = 100
MAX_STATUS_LENGTH = 32


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append; the store assigns ``seq`` and ``timestamp``.

    A dataclass checked by hand rather than a pydantic model: a run emits one per step,
    and validating ``data`` field by field cost more than the rest of the event's path.
    The events are built by Gauntlet's own code, never from a request body."""

    type: str
    status: str
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 < len(self.type) <= MAX_TYPE_LENGTH:
            raise ValueError(f"event type must be 1-{MAX_TYPE_LENGTH} characters")
        if not 0 < len(self.status) <= MAX_STATUS_LENGTH:
            raise ValueError(f"event status must be 1-{MAX_STATUS_LENGTH} characters")


@dataclass(frozen=True, slots=True)
class Event:
    """A stored event. ``timestamp`` is UTC with millisecond precision in every backend.

    A plain dataclass, not a model: every append and every read builds one per event,
    and the stores hand it values of the right types already."""

    seq: int
    job_id: str
    org_id: str
    app_id: str | None
    type: str
    status: str
    timestamp: datetime
    data: dict[str, Any]

    def to_wire(self) -> dict[str, Any]:
        """The public NDJSON object (API.md, "Events"): no organization or app fields."""
        return {
            "seq": self.seq,
            "job_id": self.job_id,
            "type": self.type,
            "status": self.status,
            "timestamp": format_timestamp(self.timestamp),
            "data": self.data,
        }

    def to_ndjson(self) -> bytes:
        """One NDJSON line, newline included."""
        return orjson.dumps(self.to_wire()) + b"\n"


class InvalidCursor(ValidationFailed):
    """An org-feed cursor that this store did not issue."""

    def __init__(self, cursor: str) -> None:
        super().__init__(f"not a valid event cursor: {cursor[:40]!r}", field="after")


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and a ``Z``: ``2025-01-01T00:00:00.123Z``.
    A naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def heartbeat_wire(job_id: str, status: str, at: datetime | None = None) -> dict[str, Any]:
    """The idle-stream heartbeat object: like an event, but with no ``seq`` and no ``data``."""
    return {
        "job_id": job_id,
        "type": "heartbeat",
        "status": status,
        "timestamp": format_timestamp(at or datetime.now(UTC)),
    }


def utc_now_ms() -> datetime:
    """Now, in UTC, cut to whole milliseconds (the precision every backend keeps)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def to_epoch_ms(moment: datetime) -> int:
    """Milliseconds since the Unix epoch (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def from_epoch_ms(ms: int) -> datetime:
    """The UTC datetime ``ms`` milliseconds after the Unix epoch, exactly."""
    return _EPOCH + timedelta(milliseconds=ms)


class EventStore(Protocol):
    """Per-job append-only event logs, plus an organization-wide feed.

    ``append``, ``read``, ``read_org`` and ``delete_older_than`` block (call them from
    worker threads, or through ``asyncio.to_thread`` in async code); ``wait`` and
    ``wait_org`` are coroutines that park on a notification, never on a polling loop.
    """

    # True when the logs live in the jobs' own database (its appends commit apart from,
    # and cannot be reached while, a transaction holds the database's write lock).
    shares_job_database: bool

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
        """Append ``events`` to the job's log in one transaction (one round trip where the
        backend allows) and return them as stored. They get consecutive ``seq`` numbers
        continuing the log with no gap and no duplicate, even with concurrent appenders in
        other threads or processes. An empty batch stores nothing and returns ``[]``.

        For appenders that retry (``actors.event_writer``): a batch appended again with the
        same ``batch_id`` right after its first attempt is stored once. ``expect_after`` is
        the seq the appender knows the log reached; a store that can lose a log apart from
        the job rows (Redis without persistence) puts a ``stream.reset`` event before the
        batch when the log is found shorter, and returns it first. The SQL store keeps the
        logs in the jobs' own database, where neither can happen, and ignores both."""
        ...

    def read(self, job_id: str, after: int = 0, limit: int = DEFAULT_READ_LIMIT) -> list[Event]:
        """Up to ``limit`` events of the job with ``seq > after``, in ``seq`` order."""
        ...

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
        """Up to ``limit`` events of the organization, across jobs in append order, that
        match every given filter (``since``: timestamp at or after it). Returns them with
        the cursor to pass as ``after_cursor`` to continue exactly after them; that cursor
        is ``after_cursor`` itself when nothing new was found (``None`` only while the feed
        has never had anything to offer). Raises ``InvalidCursor`` for a foreign cursor.

        The feed may be a recent window rather than the whole history: the Redis backend
        keeps about ``org_stream_maxlen`` entries per organization."""
        ...

    def listen(
        self, job_id: str, deliver: Callable[[list[Event]], None]
    ) -> Callable[[], None] | None:
        """Have ``deliver`` called with the job's events as this process appends them,
        on the appending thread and before waiters are woken, until the returned function
        is called. None when the store cannot (the job's events may be appended by other
        processes: followers read them from the store)."""
        ...

    async def wait(self, job_id: str, after: int, timeout: float) -> bool:
        """True as soon as the job has an event with ``seq > after`` (at once if it has one
        already); False if none came within ``timeout`` seconds."""
        ...

    async def wait_org(
        self, org_id: str, timeout: float, *, after_cursor: str | None = None
    ) -> bool:
        """True as soon as the organization's feed has an event after ``after_cursor`` (with
        no cursor: an event appended after this call began); False after ``timeout``."""
        ...

    def delete_older_than(self, cutoff: datetime) -> int:
        """Retention: delete the whole logs of jobs whose newest event is older than
        ``cutoff`` (a log is never cut in the middle); return how many events went."""
        ...

    def waiting(self) -> int:
        """How many followers are parked in ``wait``/``wait_org`` right now (a gauge)."""
        ...

    def close(self) -> None:
        """Release connections and background listeners. Idempotent."""
        ...
