"""Normalize routes (accept a run's observations as the new baseline), and with them the
suite version history each normalization adds to (one router for the feature, so the
app registers it once)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from orchestrator.api import suite_versions
from orchestrator.api.docs import COMMON, WRITE
from orchestrator.deps import Caller, RuntimeDep, SessionDep
from orchestrator.envelope import DataEnvelope, ok
from orchestrator.schemas.jobs import JobAccepted
from orchestrator.schemas.normalize import NormalizeRequest
from orchestrator.services import normalize as service

_runs = APIRouter(prefix="/apps/{appId}/test-runs/{runId}", tags=["runs"], responses=COMMON)
DESCRIPTION = (
    "For each failed assertion, the suite's expectation becomes what the run observed; "
    "fields that differ between identical calls, and typical noise (times, UUIDs, tokens, "
    "Date/ETag headers), are marked as noise. Assertions that would become meaningless are "
    "refused. Every change is one line of the job result and one `normalize.change` event; "
    "each changed suite gets a new version."
)


@_runs.post(
    "/normalize",
    status_code=202,
    response_model=DataEnvelope[JobAccepted],
    responses=WRITE,
    summary="Normalize every suite of a test run to what the run observed",
    description=DESCRIPTION,
)
def normalize_run(
    appId: str,
    runId: str,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
    body: NormalizeRequest | None = None,
) -> Response:
    job = service.submit_normalize(
        session, runtime, principal.org_id, appId, runId, None, body or NormalizeRequest()
    )
    return ok(JobAccepted(job_id=job.id), 202)


@_runs.post(
    "/suite-reports/{reportId}/normalize",
    status_code=202,
    response_model=DataEnvelope[JobAccepted],
    responses=WRITE,
    summary="Normalize one suite of a test run to what its report observed",
    description=DESCRIPTION,
)
def normalize_report(
    appId: str,
    runId: str,
    reportId: str,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
    body: NormalizeRequest | None = None,
) -> Response:
    job = service.submit_normalize(
        session, runtime, principal.org_id, appId, runId, reportId, body or NormalizeRequest()
    )
    return ok(JobAccepted(job_id=job.id), 202)


# What the app registers: these routes and the version routes (own prefix, own module).
router = APIRouter()
router.include_router(_runs)
router.include_router(suite_versions.router)
