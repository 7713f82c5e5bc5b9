"""/apps/{appId}/load-tests routes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from starlette.responses import Response

from orchestrator.api.docs import COMMON, WRITE
from orchestrator.api.events import NDJSON_DOC, STREAM_HEADERS, NDJSONResponse
from orchestrator.api.report_formats import VARY, choose, document
from orchestrator.deps import Caller, RuntimeDep, SessionDep
from orchestrator.envelope import DataEnvelope, ListEnvelope, ok, ok_page
from orchestrator.pagination import OffsetDep
from orchestrator.schemas.load_tests import LoadTestAccepted, LoadTestCreate, LoadTestPublic
from orchestrator.services import event_stream, load_reports
from orchestrator.services import load_tests as service

router = APIRouter(prefix="/apps/{appId}/load-tests", tags=["load tests"], responses=COMMON)


@router.post(
    "",
    status_code=202,
    response_model=DataEnvelope[LoadTestAccepted],
    summary="Start a load test: virtual users replay the app's suites",
)
def start_load_test(
    appId: str, body: LoadTestCreate, principal: Caller, session: SessionDep, runtime: RuntimeDep
) -> Response:
    job, load_test = service.create(session, runtime, principal.org_id, appId, body)
    return ok(LoadTestAccepted(job_id=job.id, load_test_id=load_test.id), 202)


@router.get("", response_model=ListEnvelope[LoadTestPublic], summary="List load tests")
def list_load_tests(
    appId: str, principal: Caller, session: SessionDep, page: OffsetDep
) -> Response:
    result = service.page(session, principal.org_id, appId, page.offset, page.limit)
    return ok_page(
        [service.public(r) for r in result.items], has_next=result.has_next, total=result.total
    )


@router.get(
    "/{runId}",
    response_model=DataEnvelope[LoadTestPublic],
    responses={
        200: {"content": {"application/xml": {"schema": {"type": "string"}}}},
        **WRITE,
    },
    summary="A load test and its report; format=junit: its thresholds as JUnit XML",
)
def get_load_test(
    appId: str,
    runId: str,
    principal: Caller,
    session: SessionDep,
    format: Annotated[
        Literal["junit"] | None,
        Query(description="junit: one testcase per threshold (409 until the test ends)."),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    if choose(format, accept, ("junit",)) == "junit":
        load_test_id, xml = load_reports.junit(session, principal.org_id, appId, runId)
        return document(xml, "junit", f"gauntlet-{load_test_id}.xml")
    response = ok(service.public(service.get(session, principal.org_id, appId, runId)))
    response.headers.update(VARY)
    return response


@router.post(
    "/{runId}/stop",
    response_model=DataEnvelope[LoadTestPublic],
    responses=WRITE,
    summary="Stop a load test within 2 s, keeping the stats so far",
)
def stop_load_test(
    appId: str, runId: str, principal: Caller, session: SessionDep, runtime: RuntimeDep
) -> Response:
    return ok(service.public(service.stop(session, runtime, principal.org_id, appId, runId)))


@router.get(
    "/{runId}/events",
    response_class=NDJSONResponse,
    responses=NDJSON_DOC,
    summary="The load test's events (load.stats each second) as NDJSON",
)
def load_test_events(
    appId: str,
    runId: str,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
    after: Annotated[int, Query(ge=0, le=2**31, description="Resume after this seq.")] = 0,
    follow: Annotated[bool, Query(description="false: only what is stored")] = True,
) -> NDJSONResponse:
    row = service.get(session, principal.org_id, appId, runId)
    session.close()
    stream = event_stream.job_events(runtime, row.job_id, after, follow)
    return NDJSONResponse(stream, headers=STREAM_HEADERS)
