"""NDJSON event streams: one job's, and the organization's feed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import StreamingResponse

from orchestrator.api.docs import COMMON
from orchestrator.auth.authorize import visible_app
from orchestrator.deps import Caller, RuntimeDep, SessionDep
from orchestrator.services import event_stream
from orchestrator.services import jobs as job_service

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


@router.get(
    "/events",
    response_class=NDJSONResponse,
    responses=NDJSON_DOC,
    summary="The organization's events across jobs, for dashboards",
)
def org_events(
    principal: Caller,
    runtime: RuntimeDep,
    app_id: Annotated[str | None, Query(max_length=40)] = None,
    job_id: Annotated[str | None, Query(max_length=40)] = None,
    type: Annotated[list[str] | None, Query(description="Event types to keep")] = None,
    since: Annotated[datetime | None, Query(description="RFC 3339")] = None,
    after: Annotated[
        str | None, Query(max_length=200, description="cursor from a heartbeat")
    ] = None,
    follow: Annotated[bool, Query()] = False,
) -> NDJSONResponse:
    app_id = visible_app(principal, app_id)
    types = set(type) if type else None
    first = event_stream.org_first_page(
        runtime,
        principal.org_id,
        after=after,
        app_id=app_id,
        job_id=job_id,
        types=types,
        since=since,
    )
    stream = event_stream.org_events(
        runtime,
        principal.org_id,
        first,
        app_id=app_id,
        job_id=job_id,
        types=types,
        since=since,
        follow=follow,
    )
    return NDJSONResponse(stream, headers=STREAM_HEADERS)
