"""SQL event store (SQLite embedded, PostgreSQL scaled).

Two tables: ``job_events`` holds the events; ``job_event_heads`` holds one row per job
with its last ``seq``. An append is one short transaction of its own:

1. on PostgreSQL, a transaction-scoped advisory lock per organization (SQLite already lets
   one writer at a time in);
2. an upsert of the job's head, ``last_seq = last_seq + n … RETURNING last_seq``, which
   reserves the batch's seq numbers atomically (the row lock holds other appenders of the
   job until commit, so numbers are gap-free and never reused);
3. one insert of the events, executed for the batch (`storage.events._sql_append`).

Why the organization lock: ``id`` is the org-feed cursor, and PostgreSQL hands out serial
ids at insert, not at commit, so without it a follower could pass id 10 before id 9 became
visible and never see 9. Holding the lock while ids are drawn makes an organization's ids
visible in order. The price is that one organization's appends commit one at a time, which
is why hot paths append in batches.

Followers are woken in-process (this backend serves the embedded deployment, where worker
threads and the API share a process) through a process-wide ``WakeupHub``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
)
from sqlalchemy.engine import Engine, RowMapping
from sqlmodel import Field, SQLModel

from storage.events._hub import WakeupHub, wait_for_position
from storage.events._sql_append import DriverAppend
from storage.events.base import (
    DEFAULT_READ_LIMIT,
    MAX_STATUS_LENGTH,
    MAX_TYPE_LENGTH,
    Event,
    InvalidCursor,
    NewEvent,
    utc_now_ms,
)

# Jobs deleted per retention transaction: keeps each transaction short.
_RETENTION_CHUNK = 500

# Appenders of every store in this process publish here, whichever store instance a
# follower waits on (the API and the workers may each build their own).
_PROCESS_HUB = WakeupHub()


class _Listeners:
    """Who gets a job's events as this process appends them (``SqlEventStore.listen``),
    process-wide like the hub: the API's tails listen on the store the workers append to
    through stores of their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[tuple[str, str], list[Callable[[list[Event]], None]]] = {}

    def add(self, key: tuple[str, str], deliver: Callable[[list[Event]], None]) -> None:
        with self._lock:
            self._by_key.setdefault(key, []).append(deliver)

    def remove(self, key: tuple[str, str], deliver: Callable[[list[Event]], None]) -> None:
        with self._lock:
            listeners = self._by_key.get(key, [])
            if deliver in listeners:
                listeners.remove(deliver)
            if not listeners:
                self._by_key.pop(key, None)

    def deliver(self, key: tuple[str, str], events: list[Event]) -> None:
        with self._lock:
            listeners = list(self._by_key.get(key, ()))
        for deliver in listeners:
            deliver(events)


_PROCESS_LISTENERS = _Listeners()


class JobEvent(SQLModel, table=True):
    """One stored event. ``id`` orders the organization feed and is its cursor."""

    __tablename__ = "job_events"
    __table_args__ = (
        UniqueConstraint("job_id", "seq", name="uq_job_events_job_seq"),
        Index("ix_job_events_org_id_id", "org_id", "id"),
        # AUTOINCREMENT: SQLite must never reuse the id of a deleted newest row, or a
        # follower holding that id as its cursor would skip the reused one.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    job_id: str = Field(max_length=64)
    org_id: str = Field(max_length=64)
    app_id: str | None = Field(default=None, max_length=64)
    seq: int
    type: str = Field(max_length=MAX_TYPE_LENGTH)
    status: str = Field(max_length=MAX_STATUS_LENGTH)
    timestamp: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    data: str = Field(sa_column=Column(Text, nullable=False), description="JSON object")


class JobEventHead(SQLModel, table=True):
    """The newest ``seq`` of each job's log and when it was appended (for retention)."""

    __tablename__ = "job_event_heads"

    job_id: str = Field(primary_key=True, max_length=64)
    org_id: str = Field(max_length=64)
    last_seq: int
    updated_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )


EVENTS: Table = SQLModel.metadata.tables["job_events"]
HEADS: Table = SQLModel.metadata.tables["job_event_heads"]
EVENT_TABLES: tuple[Table, ...] = (EVENTS, HEADS)


class SqlEventStore:
    """``EventStore`` on a SQLAlchemy engine (SQLite or PostgreSQL). The engine belongs
    to the caller; the tables come from the migrations (or ``create_all`` in tests)."""

    shares_job_database = True

    def __init__(self, engine: Engine, *, hub: WakeupHub | None = None) -> None:
        if engine.dialect.name not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database for events: {engine.dialect.name}")
        self._engine = engine
        self._hub = hub or _PROCESS_HUB
        # Stores on the same database share wake-ups; stores on different ones must not.
        self._namespace = engine.url.render_as_string(hide_password=True)
        self._append = DriverAppend(engine.dialect, EVENTS.c.timestamp)

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
        # ``batch_id`` and ``expect_after`` are for stores that can lose a log apart from
        # the job rows; this one keeps both in one database.
        del batch_id, expect_after
        if not events:
            return []
        now = utc_now_ms()
        with self._engine.begin() as conn:
            last_seq, newest_id = self._append.append(conn, job_id, org_id, app_id, events, now)
        first = last_seq - len(events) + 1
        stored = [
            Event(first + i, job_id, org_id, app_id, event.type, event.status, now, event.data)
            for i, event in enumerate(events)
        ]
        # Handed to this process's followers before they are woken, so that they need not
        # read back what was just written (in embedded mode the runner's own thread pays
        # for every such read).
        _PROCESS_LISTENERS.deliver((self._namespace, job_id), stored)
        self._hub.publish(self._key("job", job_id), last_seq)
        self._hub.publish(self._key("org", org_id), newest_id)
        return stored

    def read(self, job_id: str, after: int = 0, limit: int = DEFAULT_READ_LIMIT) -> list[Event]:
        query = (
            select(EVENTS)
            .where(EVENTS.c.job_id == job_id, EVENTS.c.seq > after)
            .order_by(EVENTS.c.seq)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_to_event(row) for row in conn.execute(query).mappings()]

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
        query = (
            select(EVENTS)
            .where(EVENTS.c.org_id == org_id, EVENTS.c.id > _parse_cursor(after_cursor))
            .order_by(EVENTS.c.id)
            .limit(limit)
        )
        if app_id is not None:
            query = query.where(EVENTS.c.app_id == app_id)
        if job_id is not None:
            query = query.where(EVENTS.c.job_id == job_id)
        if types is not None:
            query = query.where(EVENTS.c.type.in_(sorted(types)))
        if since is not None:
            query = query.where(EVENTS.c.timestamp >= _as_utc(since))
        with self._engine.connect() as conn:
            rows = list(conn.execute(query).mappings())
        cursor = str(rows[-1]["id"]) if rows else after_cursor
        return [_to_event(row) for row in rows], cursor

    def listen(
        self, job_id: str, deliver: Callable[[list[Event]], None]
    ) -> Callable[[], None] | None:
        # Every append to this database is made in this process (the embedded deployment;
        # a scaled one keeps its events in Redis).
        key = (self._namespace, job_id)
        _PROCESS_LISTENERS.add(key, deliver)
        return lambda: _PROCESS_LISTENERS.remove(key, deliver)

    async def wait(self, job_id: str, after: int, timeout: float) -> bool:
        async def last_seq() -> int:
            return await asyncio.to_thread(self._last_seq, job_id)

        return await wait_for_position(
            self._hub, self._key("job", job_id), after, timeout, last_seq
        )

    async def wait_org(
        self, org_id: str, timeout: float, *, after_cursor: str | None = None
    ) -> bool:
        after = None if after_cursor is None else _parse_cursor(after_cursor)

        async def last_id() -> int:
            return await asyncio.to_thread(self._last_org_id, org_id)

        return await wait_for_position(self._hub, self._key("org", org_id), after, timeout, last_id)

    def delete_older_than(self, cutoff: datetime) -> int:
        cutoff = _as_utc(cutoff)
        with self._engine.connect() as conn:
            stale = list(
                conn.execute(select(HEADS.c.job_id).where(HEADS.c.updated_at < cutoff)).scalars()
            )
        deleted = 0
        for start in range(0, len(stale), _RETENTION_CHUNK):
            chunk = stale[start : start + _RETENTION_CHUNK]
            # Re-test the age inside the transaction: a job may have appended since. Each
            # statement writes first, so SQLite takes its write lock before reading.
            still_stale = select(HEADS.c.job_id).where(
                HEADS.c.job_id.in_(chunk), HEADS.c.updated_at < cutoff
            )
            with self._engine.begin() as conn:
                result = conn.execute(delete(EVENTS).where(EVENTS.c.job_id.in_(still_stale)))
                deleted += result.rowcount
                conn.execute(
                    delete(HEADS).where(HEADS.c.job_id.in_(chunk), HEADS.c.updated_at < cutoff)
                )
        return deleted

    def waiting(self) -> int:
        """Followers parked in this process: SQL stores share one hub, so this counts the
        followers of every SQL store in the process."""
        return self._hub.waiting()

    def close(self) -> None:
        """Nothing to release: the engine belongs to the caller."""

    def _last_seq(self, job_id: str) -> int:
        with self._engine.connect() as conn:
            value = conn.execute(
                select(HEADS.c.last_seq).where(HEADS.c.job_id == job_id)
            ).scalar_one_or_none()
        return value or 0

    def _last_org_id(self, org_id: str) -> int:
        with self._engine.connect() as conn:
            value = conn.execute(
                select(func.max(EVENTS.c.id)).where(EVENTS.c.org_id == org_id)
            ).scalar_one_or_none()
        return int(value or 0)

    def _key(self, kind: str, ident: str) -> tuple[str, str, str]:
        return (self._namespace, kind, ident)


def _parse_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 19:
        raise InvalidCursor(cursor)
    return int(cursor)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _to_event(row: RowMapping) -> Event:
    return Event(
        seq=row["seq"],
        job_id=row["job_id"],
        org_id=row["org_id"],
        app_id=row["app_id"],
        type=row["type"],
        status=row["status"],
        # SQLite hands back naive datetimes; everything stored is UTC.
        timestamp=_as_utc(row["timestamp"]),
        data=orjson.loads(row["data"]),
    )
