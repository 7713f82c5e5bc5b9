"""Runs: submitting RUN/VALIDATE jobs, reading test runs, suite reports and validation."""

from __future__ import annotations

import json

from pydantic import TypeAdapter
from sqlmodel import Session

from core.errors import Conflict, NotFound
from core.jobs import TERMINAL, JobKind, RunParams, ValidateParams, ValidationSummary
from orchestrator.pagination import decode_cursor, encode_cursor
from orchestrator.reports import Counts, RunInfo, RunReport, SuiteRunReport
from orchestrator.runtime import Runtime
from orchestrator.schemas.runs import (
    RunRequest,
    SuiteReportPublic,
    SuiteReportSummary,
    TestRunPublic,
    ValidateRequest,
    ValidationResult,
)
from orchestrator.services import apps as app_service
from orchestrator.services import jobs as job_service
from orchestrator.services import suites as suite_service
from orchestrator.services.job_submit import check_target, submit
from runner import StepResult
from storage import runs as run_rows
from storage.models import Job, SuiteReport, TestRun
from storage.pages import Page

STEP_LIST = TypeAdapter(list[StepResult])


def submit_run(
    session: Session, runtime: Runtime, org_id: str, app_id: str, body: RunRequest
) -> Job:
    app = app_service.get(session, org_id, app_id)
    base_url = body.base_url or app.endpoint
    check_target(runtime, base_url)
    chosen = suite_service.select_suites(
        session, org_id, app_id, body.test_suite_ids, body.labels, "run"
    )
    params = RunParams(
        base_url=base_url,
        # Labels are resolved now: the job runs the suites that carried them when it was asked.
        test_suite_ids=chosen if body.labels else body.test_suite_ids,
        labels=body.labels,
        variables=body.variables or {},
    )
    return submit(session, runtime, org_id, app_id, JobKind.RUN, params)


def submit_validate(
    session: Session,
    runtime: Runtime,
    org_id: str,
    app_id: str,
    suite_id: str,
    body: ValidateRequest,
) -> Job:
    app = app_service.get(session, org_id, app_id)
    suite_service.get(session, org_id, app_id, suite_id)
    base_url = body.base_url or app.endpoint
    check_target(runtime, base_url)
    params = ValidateParams(
        base_url=base_url, test_suite_id=suite_id, variables=body.variables or {}
    )
    return submit(session, runtime, org_id, app_id, JobKind.VALIDATE, params)


def validation_result(session: Session, org_id: str, job_id: str) -> ValidationResult:
    job = job_service.get(session, org_id, job_id)
    if job.type != JobKind.VALIDATE:
        raise NotFound(f"job {job_id} is not a validation job")
    if job.result_json is None:
        if job.status not in TERMINAL:
            raise Conflict(f"validation not finished yet: job {job_id} is {job.status}")
        raise Conflict(
            f"job {job_id} ended {job.status} without a result: {job.error or 'no detail'}"
        )
    summary = ValidationSummary.model_validate_json(job.result_json)
    return ValidationResult(job_id=job.id, **summary.validation.model_dump(mode="json"))


def _ts(value: float | None) -> int | None:
    return None if value is None else int(value)


def run_public(run: TestRun) -> TestRunPublic:
    return TestRunPublic(
        id=run.id,
        app_id=run.app_id,
        job_id=run.job_id,
        status=run.status,
        base_url=run.base_url,
        total_suites=run.total_suites,
        passed_suites=run.passed_suites,
        failed_suites=run.failed_suites,
        total_steps=run.total_steps,
        passed_steps=run.passed_steps,
        failed_steps=run.failed_steps,
        created_at=int(run.created_at),
        finished_at=_ts(run.finished_at),
        duration_ms=run.duration_ms,
    )


def report_summary(report: SuiteReport) -> SuiteReportSummary:
    return SuiteReportSummary(
        id=report.id,
        run_id=report.run_id,
        suite_id=report.suite_id,
        suite_name=report.suite_name,
        suite_version=report.suite_version,
        status=report.status,
        total_steps=report.total_steps,
        passed_steps=report.passed_steps,
        failed_steps=report.failed_steps,
        started_at=int(report.started_at),
        duration_ms=report.duration_ms,
    )


def report_public(report: SuiteReport) -> SuiteReportPublic:
    steps = [StepResult.model_validate(s) for s in json.loads(report.steps_json)]
    return SuiteReportPublic(**report_summary(report).model_dump(), steps=steps)


def run_report(session: Session, org_id: str, app_id: str, run_id: str) -> RunReport:
    """The run with every suite report and step, as one document (every report format
    is built from it)."""
    run = get_run(session, org_id, app_id, run_id)
    reports = run_rows.all_reports(session, run.id)
    return RunReport(
        run=RunInfo(
            id=run.id,
            app_id=run.app_id,
            job_id=run.job_id,
            status=run.status,
            base_url=run.base_url,
            created_at=run.created_at,
            finished_at=run.finished_at,
            duration_ms=round(run.duration_ms, 3),
            suites=Counts(
                total=run.total_suites, passed=run.passed_suites, failed=run.failed_suites
            ),
            steps=Counts(total=run.total_steps, passed=run.passed_steps, failed=run.failed_steps),
        ),
        suites=[
            SuiteRunReport(
                id=report.id,
                suite_id=report.suite_id,
                name=report.suite_name,
                version=report.suite_version,
                status=report.status,
                steps_total=report.total_steps,
                steps_passed=report.passed_steps,
                steps_failed=report.failed_steps,
                started_at=report.started_at,
                duration_ms=round(report.duration_ms, 3),
                steps=STEP_LIST.validate_json(report.steps_json),
            )
            for report in reports
        ],
    )


def get_run(session: Session, org_id: str, app_id: str, run_id: str) -> TestRun:
    app_service.get(session, org_id, app_id)
    run = run_rows.get_run(session, org_id, app_id, run_id)
    if run is None:
        raise NotFound(f"test run {run_id} not found")
    return run


def page_runs(session: Session, org_id: str, app_id: str, offset: int, limit: int) -> Page[TestRun]:
    app_service.get(session, org_id, app_id)
    return run_rows.page_runs(session, org_id, app_id, offset, limit)


def page_reports(
    session: Session,
    org_id: str,
    app_id: str,
    run_id: str,
    after: str | None,
    size: int,
    key: bytes,
) -> tuple[list[SuiteReport], bool, int, str | None]:
    run = get_run(session, org_id, app_id, run_id)
    page = run_rows.reports_after(session, run.id, decode_cursor(after, key, org_id), size)
    last = page.items[-1].pk if page.items and page.has_next else None
    return (
        page.items,
        page.has_next,
        page.total,
        encode_cursor(last, key, org_id) if last is not None else None,
    )


def get_report(
    session: Session, org_id: str, app_id: str, run_id: str, report_id: str
) -> SuiteReport:
    run = get_run(session, org_id, app_id, run_id)
    report = run_rows.get_report(session, run.id, report_id)
    if report is None:
        raise NotFound(f"suite report {report_id} not found")
    return report


def page_runs_of_apps(
    session: Session, org_id: str, app_ids: list[str], offset: int, limit: int
) -> dict[str, Page[TestRun]]:
    """``page_runs`` of several apps at once (for batching); the apps are the caller's,
    already fenced by organization, and the rows are fenced again in SQL."""
    return run_rows.page_runs_of_apps(session, org_id, app_ids, offset, limit)


def page_reports_of_runs(
    session: Session, run_ids: list[str], after_pk: int, size: int
) -> dict[str, Page[SuiteReport]]:
    """The suite reports of several runs after the report key ``after_pk`` (a decoded
    cursor of ``page_reports``), for batching; the runs come fenced by organization."""
    return run_rows.reports_of_runs(session, run_ids, after_pk, size)
