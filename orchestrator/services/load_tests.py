"""Load tests: submission with bounds checked up front, reading reports, stopping."""

from __future__ import annotations

import json

from sqlmodel import Session

from core.errors import NotFound, ValidationFailed
from core.jobs import JobKind, JobStatus, LoadTestParams
from orchestrator.runtime import Runtime
from orchestrator.schemas.load_tests import LoadTestCreate, LoadTestPublic
from orchestrator.services import apps as app_service
from orchestrator.services import jobs as job_service
from orchestrator.services import suites as suite_service
from orchestrator.services.job_submit import check_target, submit
from storage import load_tests as load_rows
from storage.models import Job, LoadTest
from storage.pages import Page

# Time a load test's message may run beyond its duration (spawn, report, slack).
TIME_LIMIT_MARGIN_S = 300


def create(
    session: Session, runtime: Runtime, org_id: str, app_id: str, body: LoadTestCreate
) -> tuple[Job, LoadTest]:
    settings = runtime.settings
    app = app_service.get(session, org_id, app_id)
    if body.virtual_users > settings.max_virtual_users:
        raise ValidationFailed(
            f"at most {settings.max_virtual_users} (GAUNTLET_MAX_VIRTUAL_USERS)",
            field="virtual_users",
        )
    if body.duration_secs > settings.max_load_duration_seconds:
        raise ValidationFailed(
            f"at most {settings.max_load_duration_seconds} s (GAUNTLET_MAX_LOAD_DURATION_SECONDS)",
            field="duration_secs",
        )
    if body.workers is not None and body.workers > settings.load_max_workers:
        raise ValidationFailed(
            f"at most {settings.load_max_workers} (GAUNTLET_LOAD_MAX_WORKERS)", field="workers"
        )
    base_url = body.base_url or app.endpoint
    check_target(runtime, base_url)
    chosen = suite_service.select_suites(
        session, org_id, app_id, body.test_suite_ids, body.labels, "replay"
    )
    load_test = load_rows.add(
        session, LoadTest(org_id=org_id, app_id=app_id, job_id="", params_json="{}")
    )
    params = LoadTestParams(
        load_test_id=load_test.id,
        base_url=base_url,
        virtual_users=body.virtual_users,
        duration_secs=body.duration_secs,
        profile=body.profile,
        spawn_rate=body.spawn_rate,
        thresholds=body.thresholds,
        test_suite_ids=chosen if body.labels else body.test_suite_ids,
        labels=body.labels,
        variables=body.variables or {},
        workers=body.workers,
        max_error_rate=body.max_error_rate,
    )
    load_test.params_json = params.model_dump_json(exclude={"load_test_id"})
    job = submit(
        session,
        runtime,
        org_id,
        app_id,
        JobKind.LOAD_TEST,
        params,
        time_limit_s=body.duration_secs + TIME_LIMIT_MARGIN_S,
        before_commit=lambda job: setattr(load_test, "job_id", job.id),
    )
    return job, load_test


def public(row: LoadTest) -> LoadTestPublic:
    return LoadTestPublic(
        id=row.id,
        app_id=row.app_id,
        job_id=row.job_id,
        status=row.status,
        params=job_service.shown_params(json.loads(row.params_json)),
        error=row.error,
        created_at=int(row.created_at),
        finished_at=int(row.finished_at) if row.finished_at else None,
        report=json.loads(row.report_json) if row.report_json else None,
    )


def get(session: Session, org_id: str, app_id: str, load_test_id: str) -> LoadTest:
    app_service.get(session, org_id, app_id)
    row = load_rows.get(session, org_id, app_id, load_test_id)
    if row is None:
        raise NotFound(f"load test {load_test_id} not found")
    return row


def page(session: Session, org_id: str, app_id: str, offset: int, limit: int) -> Page[LoadTest]:
    app_service.get(session, org_id, app_id)
    return load_rows.page(session, org_id, app_id, offset, limit)


def stop(
    session: Session, runtime: Runtime, org_id: str, app_id: str, load_test_id: str
) -> LoadTest:
    row = get(session, org_id, app_id, load_test_id)
    job = job_service.request_stop(session, runtime, org_id, row.job_id)
    if job.status == JobStatus.CANCELLED:
        load_rows.record(session, row.id, "CANCELLED")
        session.commit()
    session.refresh(row)
    return row


def pages_of_apps(
    session: Session, org_id: str, app_ids: list[str], offset: int, limit: int
) -> dict[str, Page[LoadTest]]:
    """``page`` of several apps at once (for batching); the apps come fenced."""
    return load_rows.pages_of_apps(session, org_id, app_ids, offset, limit)
