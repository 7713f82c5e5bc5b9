"""/apps/{appId}/test-suites/{suiteId}/versions routes: a suite's history and rollback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from orchestrator.api.docs import COMMON, WRITE
from orchestrator.deps import Caller, RuntimeDep, SessionDep
from orchestrator.envelope import DataEnvelope, ListEnvelope, ok, ok_page
from orchestrator.pagination import OffsetDep
from orchestrator.schemas.normalize import SuiteVersionPublic, SuiteVersionSummary
from orchestrator.schemas.suites import TestSuitePublic
from orchestrator.services import suite_versions as service
from orchestrator.services import suites as suite_service

# Versions count from 1; the bound keeps a path value inside a 32-bit SQL integer.
VersionPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="Version number.")]

router = APIRouter(
    prefix="/apps/{appId}/test-suites/{suiteId}/versions",
    tags=["test suites"],
    responses=COMMON,
)


@router.get(
    "",
    response_model=ListEnvelope[SuiteVersionSummary],
    summary="List a test suite's versions, newest first",
)
def list_versions(
    appId: str, suiteId: str, principal: Caller, session: SessionDep, page: OffsetDep
) -> Response:
    result = service.page(session, principal.org_id, appId, suiteId, page.offset, page.limit)
    return ok_page(result.items, has_next=result.has_next, total=result.total)


@router.get(
    "/{version}",
    response_model=DataEnvelope[SuiteVersionPublic],
    summary="Get a test suite as it was at one version",
)
def get_version(
    appId: str, suiteId: str, version: VersionPath, principal: Caller, session: SessionDep
) -> Response:
    return ok(service.get(session, principal.org_id, appId, suiteId, version))


@router.post(
    "/{version}/rollback",
    response_model=DataEnvelope[TestSuitePublic],
    responses=WRITE,
    summary="Roll a test suite back: a new version equal to an earlier one",
)
def rollback(
    appId: str,
    suiteId: str,
    version: VersionPath,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    row = service.rollback(
        session, principal.org_id, appId, suiteId, version, runtime.settings.max_suite_steps
    )
    return ok(suite_service.public(row))
