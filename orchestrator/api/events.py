"""NDJSON event streams: one job's, and the organization's feed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response, StreamingResponse

from core.errors import ValidationFailed
from core.jobs import JobStatus
from orchestrator.api.docs import COMMON
from orchestrator.auth.authorize import visible_app
from orchestrator.context import request_id
from orchestrator.deps import Caller, RuntimeDep, SessionDep
from orchestrator.envelope import json_response
from orchestrator.pagination import MAX_PAGE
from orchestrator.schemas.events import FeedPageEnvelope
from orchestrator.services import event_feed, event_stream
from orchestrator.services import jobs as job_service
from storage.events import format_timestamp
from storage.events.base import MAX_TYPE_LENGTH
from storage.events.feed import FeedFilter

router = APIRouter(tags=["events"], responses=COMMON)


class NDJSONResponse(StreamingResponse):
    media_type = "application/x-ndjson"


NDJSON_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One JSON event per line: stored ones, then live ones.",
        "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
    }
}
# Proxies must not buffer a live stream.
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@router.get(
    "/jobs/{jobId}/events",
    response_class=NDJSONResponse,
    responses=NDJSON_DOC,
    summary="A job's events as NDJSON; ends after the terminal event",
)
def job_events(
    jobId: str,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
    after: Annotated[int, Query(ge=0, le=2**31, description="Resume after this seq.")] = 0,
    follow: Annotated[bool, Query(description="false: only what is stored")] = True,
) -> NDJSONResponse:
    job = job_service.get(session, principal.org_id, jobId)
    # A stream may last hours: give the connection back to the pool before it starts.
    session.close()
    stream = event_stream.job_events(runtime, job.id, after, follow)
    return NDJSONResponse(stream, headers=STREAM_HEADERS)


FEED_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "follow=false: one JSON page (`meta.pagination.next_cursor`). "
        "follow=true: NDJSON, stored events then live ones; the last line of each batch "
        "and every heartbeat carry `cursor`.",
        "model": FeedPageEnvelope,
        "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/events",
    response_class=Response,
    responses=FEED_DOC,
    summary="The organization's events across jobs: pages, or a live tail",
)
def org_events(
    principal: Caller,
    runtime: RuntimeDep,
    app_id: Annotated[str | None, Query(max_length=40, description="One app's jobs")] = None,
    job_id: Annotated[str | None, Query(max_length=40, description="One job's events")] = None,
    type: Annotated[
        list[str] | None,
        Query(description="Event types to keep (repeatable); `prefix.*` keeps a family"),
    ] = None,
    status: Annotated[
        list[str] | None, Query(description="Job status at the event (repeatable)")
    ] = None,
    since: Annotated[datetime | None, Query(description="RFC 3339; inclusive")] = None,
    until: Annotated[datetime | None, Query(description="RFC 3339; inclusive")] = None,
    after: Annotated[
        str | None,
        Query(max_length=200, description="a cursor: next_cursor, or a line's `cursor`"),
    ] = None,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="Events per page (follow=false)")
    ] = 20,
    follow: Annotated[bool, Query(description="true: a live NDJSON tail")] = False,
) -> Response:
    query = FeedFilter(
        app_id=visible_app(principal, app_id),
        job_id=job_id,
        types=frozenset(_type_patterns(type or [])),
        statuses=frozenset(_statuses(status or [])),
        since=since,
        until=until,
    )
    if not follow:
        found = event_feed.page(runtime, principal.org_id, query, after, page_size)
        meta = {
            "request_id": request_id(),
            "timestamp": format_timestamp(datetime.now(UTC)),
            "pagination": {
                "has_next_page": found.has_next,
                "next_cursor": found.next_cursor,
                "total_count": None,
            },
        }
        return json_response({"data": found.events, "meta": meta}, 200)
    first = event_feed.first_batch(runtime, principal.org_id, query, after)
    stream = event_feed.tail(runtime, principal.org_id, query, first)
    return NDJSONResponse(stream, headers=STREAM_HEADERS)


def _type_patterns(patterns: list[str]) -> list[str]:
    # A glob is a prefix and one trailing `*` (`step.*`, `*`): anything else is a typo
    # that would silently match nothing.
    for pattern in patterns:
        if not 0 < len(pattern) <= MAX_TYPE_LENGTH or "*" in pattern[:-1]:
            raise ValidationFailed(
                f"not an event type or `prefix.*` glob: {pattern[:40]!r}", field="query.type"
            )
    return patterns


def _statuses(statuses: list[str]) -> list[str]:
    known = {s.value for s in JobStatus}
    for status in statuses:
        if status not in known:
            raise ValidationFailed(
                f"unknown job status {status[:40]!r}: one of {', '.join(sorted(known))}",
                field="query.status",
            )
    return statuses
