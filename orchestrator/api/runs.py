"""Running suites (jobs) and reading test runs and suite reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from starlette.responses import Response

from orchestrator.api.docs import COMMON
from orchestrator.api.report_formats import VARY, ReportFormat, choose, document
from orchestrator.deps import Caller, RuntimeDep, SessionDep
from orchestrator.envelope import DataEnvelope, ListEnvelope, ok, ok_page
from orchestrator.pagination import CursorDep, OffsetDep
from orchestrator.reports import run_html, run_json, run_junit
from orchestrator.schemas.jobs import JobAccepted
from orchestrator.schemas.runs import (
    RunRequest,
    SuiteReportPublic,
    SuiteReportSummary,
    TestRunPublic,
    ValidateRequest,
)
from orchestrator.services import runs as service

router = APIRouter(prefix="/apps/{appId}", tags=["runs"], responses=COMMON)
ACCEPTED = {202: {"description": "Accepted: the job is queued"}}


@router.post(
    "/test-suites/run",
    status_code=202,
    response_model=DataEnvelope[JobAccepted],
    summary="Run the app's suites (all, or the listed ones) against a base URL",
)
def run_suites(
    appId: str,
    body: RunRequest,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    job = service.submit_run(session, runtime, principal.org_id, appId, body)
    return ok(JobAccepted(job_id=job.id), 202)


@router.post(
    "/test-suites/{suiteId}/validate",
    status_code=202,
    response_model=DataEnvelope[JobAccepted],
    summary="Run one suite and explain each failing step",
)
def validate_suite(
    appId: str,
    suiteId: str,
    body: ValidateRequest,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    job = service.submit_validate(session, runtime, principal.org_id, appId, suiteId, body)
    return ok(JobAccepted(job_id=job.id), 202)


@router.get("/test-runs", response_model=ListEnvelope[TestRunPublic], summary="List test runs")
def list_runs(appId: str, principal: Caller, session: SessionDep, page: OffsetDep) -> Response:
    result = service.page_runs(session, principal.org_id, appId, page.offset, page.limit)
    return ok_page(
        [service.run_public(r) for r in result.items], has_next=result.has_next, total=result.total
    )


REPORT_CONTENT = {
    "application/vnd.gauntlet.run-report+json": {
        "schema": {"type": "object", "description": "The run report (run-report.schema.json)."}
    },
    "application/xml": {"schema": {"type": "string", "description": "JUnit XML"}},
    "text/html": {"schema": {"type": "string", "description": "a self-contained page"}},
}
REPORT_BUILDERS = {"json": run_json, "junit": run_junit, "html": run_html}
REPORT_SUFFIXES = {"json": "json", "junit": "xml", "html": "html"}


@router.get(
    "/test-runs/{runId}",
    response_model=DataEnvelope[TestRunPublic],
    responses={200: {"content": REPORT_CONTENT}},
    summary="Get a test run, or its report (format=json|junit|html, or by Accept)",
)
def get_run(
    appId: str,
    runId: str,
    principal: Caller,
    session: SessionDep,
    format: Annotated[
        ReportFormat | None,
        Query(
            description="A report document instead of the envelope: json (the run report, "
            "see its JSON Schema), junit (JUnit XML) or html (a self-contained page)."
        ),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    chosen = choose(format, accept, ("json", "junit", "html"))
    if chosen == "envelope":
        response = ok(service.run_public(service.get_run(session, principal.org_id, appId, runId)))
        response.headers.update(VARY)
        return response
    report = service.run_report(session, principal.org_id, appId, runId)
    body = REPORT_BUILDERS[chosen](report)
    return document(body, chosen, f"gauntlet-{report.run.id}.{REPORT_SUFFIXES[chosen]}")


@router.get(
    "/test-runs/{runId}/suite-reports",
    response_model=ListEnvelope[SuiteReportSummary],
    summary="List a run's suite reports",
)
def list_reports(
    appId: str,
    runId: str,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
    page: CursorDep,
) -> Response:
    rows, has_next, total, cursor = service.page_reports(
        session, principal.org_id, appId, runId, page.after, page.page_size, runtime.cursor_key
    )
    return ok_page(
        [service.report_summary(r) for r in rows],
        has_next=has_next,
        total=total,
        next_cursor=cursor,
    )


@router.get(
    "/test-runs/{runId}/suite-reports/{reportId}",
    response_model=DataEnvelope[SuiteReportPublic],
    summary="Get a suite report with every step as sent and received",
)
def get_report(
    appId: str,
    runId: str,
    reportId: str,
    principal: Caller,
    session: SessionDep,
) -> Response:
    report = service.get_report(session, principal.org_id, appId, runId, reportId)
    return ok(service.report_public(report))
