"""/jobs routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from core.jobs import JobKind, JobStatus
from orchestrator.api.docs import COMMON, WRITE
from orchestrator.deps import Caller, RuntimeDep, SessionDep
from orchestrator.envelope import DataEnvelope, ListEnvelope, ok, ok_page
from orchestrator.pagination import OffsetDep
from orchestrator.schemas.jobs import JobPublic
from orchestrator.schemas.runs import ValidationResult
from orchestrator.services import jobs as service
from orchestrator.services import runs as run_service

router = APIRouter(prefix="/jobs", tags=["jobs"], responses=COMMON)


@router.get("", response_model=ListEnvelope[JobPublic], summary="List jobs, newest first")
def list_jobs(
    principal: Caller,
    session: SessionDep,
    page: OffsetDep,
    app_id: Annotated[str | None, Query(max_length=40)] = None,
    type: Annotated[JobKind | None, Query(description="Job type")] = None,
    status: Annotated[JobStatus | None, Query(description="Job status")] = None,
) -> Response:
    result = service.page(
        session,
        principal.org_id,
        page.offset,
        page.limit,
        app_id=app_id,
        app_ids=principal.app_ids,
        types=[type.value] if type else None,
        statuses=[status.value] if status else None,
    )
    return ok_page(
        [service.public(j) for j in result.items], has_next=result.has_next, total=result.total
    )


@router.get("/{jobId}", response_model=DataEnvelope[JobPublic], summary="Get a job")
def get_job(jobId: str, principal: Caller, runtime: RuntimeDep) -> Response:
    return ok(service.public(service.read(runtime, principal.org_id, jobId)))


@router.post(
    "/{jobId}/stop",
    response_model=DataEnvelope[JobPublic],
    responses=WRITE,
    summary="Stop a job (QUEUED: cancelled at once; RUNNING: stopped within seconds)",
)
def stop_job(jobId: str, principal: Caller, session: SessionDep, runtime: RuntimeDep) -> Response:
    return ok(service.public(service.request_stop(session, runtime, principal.org_id, jobId)))


@router.get(
    "/{jobId}/validation-result",
    response_model=DataEnvelope[ValidationResult],
    responses=WRITE,
    summary="What a validation job found (409 until it has finished)",
)
def validation_result(jobId: str, principal: Caller, session: SessionDep) -> Response:
    return ok(run_service.validation_result(session, principal.org_id, jobId))
