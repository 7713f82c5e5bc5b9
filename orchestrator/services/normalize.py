"""Submitting NORMALIZE jobs for a test run or one of its suite reports."""

from __future__ import annotations

from sqlmodel import Session

from core.errors import Conflict
from core.jobs import JobKind, NormalizeParams
from orchestrator.runtime import Runtime
from orchestrator.schemas.normalize import NormalizeRequest
from orchestrator.services import runs as run_service
from orchestrator.services.job_submit import submit
from storage.models import Job


def submit_normalize(
    session: Session,
    runtime: Runtime,
    org_id: str,
    app_id: str,
    run_id: str,
    report_id: str | None,
    body: NormalizeRequest,
) -> Job:
    """Queue a NORMALIZE job. NotFound for an unknown app, run or report (or one of another
    organization); Conflict while the run is still running (its reports are incomplete)."""
    run = run_service.get_run(session, org_id, app_id, run_id)
    if report_id is not None:
        run_service.get_report(session, org_id, app_id, run_id, report_id)
    if run.status == "RUNNING":
        raise Conflict(f"test run {run_id} is still running; normalize it once it has finished")
    params = NormalizeParams(
        test_run_id=run.id,
        report_id=report_id,
        resend_unsafe=body.resend_unsafe,
        noise_samples=body.noise_samples,
    )
    return submit(session, runtime, org_id, app_id, JobKind.NORMALIZE, params)
