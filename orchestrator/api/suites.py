"""/apps/{appId}/test-suites routes."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from orchestrator.api.deletion import DELETED_DOC, PreferHeader, deleted
from orchestrator.api.docs import COMMON, WRITE
from orchestrator.deps import Caller, RuntimeDep, SessionDep
from orchestrator.envelope import DataEnvelope, ListEnvelope, ok, ok_page
from orchestrator.pagination import CursorDep
from orchestrator.schemas.suites import (
    BulkDelete,
    BulkDeleteResult,
    TestSuitePublic,
    TestSuiteSummary,
)
from orchestrator.services import suites as service
from runner import Suite

router = APIRouter(prefix="/apps/{appId}/test-suites", tags=["test suites"], responses=COMMON)


@router.get("", response_model=ListEnvelope[TestSuiteSummary], summary="List test suites")
def list_suites(
    appId: str,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
    page: CursorDep,
) -> Response:
    rows, has_next, total, cursor = service.page(
        session, principal.org_id, appId, page.after, page.page_size, runtime.cursor_key
    )
    return ok_page(
        [service.summary(r) for r in rows], has_next=has_next, total=total, next_cursor=cursor
    )


@router.post(
    "",
    status_code=201,
    response_model=DataEnvelope[TestSuitePublic],
    responses=WRITE,
    summary="Create a test suite",
)
def create_suite(
    appId: str,
    body: Suite,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    row = service.create(session, principal.org_id, appId, body, runtime.settings.max_suite_steps)
    return ok(service.public(row), 201)


@router.post(
    "/bulk-delete",
    response_model=DataEnvelope[BulkDeleteResult],
    summary="Delete several test suites",
)
def bulk_delete(appId: str, body: BulkDelete, principal: Caller, session: SessionDep) -> Response:
    return ok(service.bulk_delete(session, principal.org_id, appId, body.test_suite_ids))


@router.get("/{suiteId}", response_model=DataEnvelope[TestSuitePublic], summary="Get a test suite")
def get_suite(appId: str, suiteId: str, principal: Caller, session: SessionDep) -> Response:
    return ok(service.public(service.get(session, principal.org_id, appId, suiteId)))


@router.put(
    "/{suiteId}",
    response_model=DataEnvelope[TestSuitePublic],
    responses=WRITE,
    summary="Replace a test suite",
)
def replace_suite(
    appId: str,
    suiteId: str,
    body: Suite,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    row = service.replace(
        session, principal.org_id, appId, suiteId, body, runtime.settings.max_suite_steps
    )
    return ok(service.public(row))


@router.delete("/{suiteId}", responses=DELETED_DOC, summary="Delete a test suite")
def delete_suite(
    appId: str, suiteId: str, principal: Caller, session: SessionDep, prefer: PreferHeader = None
) -> Response:
    service.delete(session, principal.org_id, appId, suiteId)
    return deleted(suiteId, prefer)
