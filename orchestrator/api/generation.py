"""Generating suites from an OpenAPI document (a job), its history, and schema coverage."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from orchestrator.api.docs import COMMON
from orchestrator.deps import Caller, RuntimeDep, SessionDep
from orchestrator.envelope import DataEnvelope, ListEnvelope, ok, ok_page
from orchestrator.pagination import OffsetDep
from orchestrator.schemas.generation import (
    GenerateRequest,
    GenerationHistoryDetail,
    GenerationHistoryEntry,
    SchemaCoverage,
)
from orchestrator.schemas.jobs import JobAccepted
from orchestrator.services import coverage as coverage_service
from orchestrator.services import generation as service

router = APIRouter(prefix="/apps/{appId}", tags=["generation"], responses=COMMON)


@router.post(
    "/test-suites/generate",
    status_code=202,
    response_model=DataEnvelope[JobAccepted],
    summary="Generate suites from the OpenAPI document, each checked against the live API",
    description="Uses the request's `schema`, else the app's. Each candidate suite runs once "
    "against `base_url` (plus the document's server path); it is kept when it passes, kept "
    "labelled `contradicts-spec` when the API contradicts its own document, and dropped "
    "otherwise. Kept suites are saved to the app; the job's events report each one, and "
    "the generation history records the outcome per operation.",
)
def generate(
    appId: str,
    body: GenerateRequest,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    job = service.submit_generate(session, runtime, principal.org_id, appId, body)
    return ok(JobAccepted(job_id=job.id), 202)


@router.get(
    "/generation-history",
    response_model=ListEnvelope[GenerationHistoryEntry],
    summary="List the app's generations, newest first",
)
def list_history(appId: str, principal: Caller, session: SessionDep, page: OffsetDep) -> Response:
    items, has_next, total = service.page_history(
        session, principal.org_id, appId, page.offset, page.limit
    )
    return ok_page(items, has_next=has_next, total=total)


@router.get(
    "/generation-history/{jobId}",
    response_model=DataEnvelope[GenerationHistoryDetail],
    summary="One generation: per-operation outcome with reasons, kept and dropped suites",
)
def get_history(appId: str, jobId: str, principal: Caller, session: SessionDep) -> Response:
    return ok(service.get_history(session, principal.org_id, appId, jobId))


@router.get(
    "/schema-coverage",
    response_model=DataEnvelope[SchemaCoverage],
    summary="Documented operations and responses the app's suites and latest run exercise",
)
def schema_coverage(appId: str, principal: Caller, session: SessionDep) -> Response:
    return ok(coverage_service.schema_coverage(session, principal.org_id, appId))
