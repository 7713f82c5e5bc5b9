"""A store that passes every call to another store: the base of the wrappers that watch
appends (webhooks, metrics), so that each overrides ``append`` alone and a change to the
store's interface is made here once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from storage.events.base import DEFAULT_READ_LIMIT, Event, EventStore, NewEvent


class ForwardingEventStore:
    """Every call goes to ``inner``; subclasses override what they watch."""

    def __init__(self, inner: EventStore) -> None:
        self.inner = inner
        self.shares_job_database = inner.shares_job_database

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
        return self.inner.append(
            job_id, org_id, app_id, events, batch_id=batch_id, expect_after=expect_after
        )

    def read(self, job_id: str, after: int = 0, limit: int = DEFAULT_READ_LIMIT) -> list[Event]:
        return self.inner.read(job_id, after, limit)

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
        return self.inner.read_org(
            org_id,
            after_cursor=after_cursor,
            app_id=app_id,
            job_id=job_id,
            types=types,
            since=since,
            limit=limit,
        )

    def listen(
        self, job_id: str, deliver: Callable[[list[Event]], None]
    ) -> Callable[[], None] | None:
        return self.inner.listen(job_id, deliver)

    async def wait(self, job_id: str, after: int, timeout: float) -> bool:
        return await self.inner.wait(job_id, after, timeout)

    async def wait_org(
        self, org_id: str, timeout: float, *, after_cursor: str | None = None
    ) -> bool:
        return await self.inner.wait_org(org_id, timeout, after_cursor=after_cursor)

    def delete_older_than(self, cutoff: datetime) -> int:
        return self.inner.delete_older_than(cutoff)

    def waiting(self) -> int:
        return self.inner.waiting()

    def close(self) -> None:
        self.inner.close()
