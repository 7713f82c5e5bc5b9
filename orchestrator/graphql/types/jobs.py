"""Jobs, their stored events, and the jobs filter."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from core.errors import ValidationFailed
from core.jobs import JobKind, JobStatus
from orchestrator.graphql.context import Info
from orchestrator.graphql.types._convert import build, pick, register
from orchestrator.services import jobs as job_service
from storage.events import Event, format_timestamp
from storage.models import Job as JobRow

# Named, not imported: the two modules refer to each other.
AppRef = Annotated["App", strawberry.lazy("orchestrator.graphql.types.apps")]  # type: ignore[name-defined]  # noqa: F821
# The job vocabulary of core.jobs, registered as GraphQL enums.
strawberry.enum(JobKind, description="What a job does.")
strawberry.enum(
    JobStatus,
    description="QUEUED → RUNNING → COMPLETED | FAILED | STOPPED, or QUEUED → CANCELLED.",
)
# The most events one field returns (REST streams them instead).
MAX_EVENTS = 1000


@strawberry.input(description="Keeps jobs matching every given condition.")
class JobFilter:
    app_id: strawberry.ID | None = None
    types: list[JobKind] | None = None
    statuses: list[JobStatus] | None = None


@strawberry.type(description="One event of a job's log.")
class JobEvent:
    seq: int
    job_id: str
    type: str
    status: str = strawberry.field(description="The job's status at that moment.")
    timestamp: str = strawberry.field(description="RFC 3339, UTC, with milliseconds.")
    data: JSON

    @classmethod
    def from_event(cls, event: Event) -> JobEvent:
        return cls(
            seq=event.seq,
            job_id=event.job_id,
            type=event.type,
            status=event.status,
            timestamp=format_timestamp(event.timestamp),
            data=cast(JSON, event.data),
        )


@strawberry.type(description="A long action executed by a worker.")
class Job:
    id: strawberry.ID = strawberry.field(description="The REST API's `job_id`.")
    job_type: JobKind
    job_status: JobStatus
    app_id: str | None
    created_at: int
    started_at: int | None
    finished_at: int | None
    progress: float
    params: JSON
    result: JSON | None
    error: str | None

    @classmethod
    def from_row(cls, row: JobRow) -> Job:
        return pick(cls, job_service.public(row), id=row.id)

    @strawberry.field(description="Stored events with `seq > after`, oldest first.")
    def events(self, info: Info, after: int = 0, limit: int = 100) -> list[JobEvent]:
        if not 1 <= limit <= MAX_EVENTS:
            raise ValidationFailed(f"must be between 1 and {MAX_EVENTS}", field="limit")
        if after < 0:
            raise ValidationFailed("must be 0 or more", field="after")
        events = job_service.stored_events(info.context.runtime, self.id, after, limit)
        return [JobEvent.from_event(e) for e in events]

    @strawberry.field(description="The job's app (null once the app is deleted).")
    async def app(self, info: Info) -> AppRef | None:
        if self.app_id is None:
            return None
        row = await info.context.loaders.app().load(self.app_id)
        return build("app", row) if row is not None else None


register("job", Job.from_row)
