"""/apps routes: parse, authorize, call one service function, wrap."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from orchestrator.api.deletion import DELETED_DOC, PreferHeader, deleted
from orchestrator.api.docs import COMMON, WRITE
from orchestrator.deps import Caller, RuntimeDep, SessionDep
from orchestrator.envelope import DataEnvelope, ListEnvelope, ok, ok_page
from orchestrator.pagination import OffsetDep
from orchestrator.schemas.apps import AppCreate, AppDetail, AppPublic, AppUpdate
from orchestrator.services import apps as service
from orchestrator.services import quotas

router = APIRouter(prefix="/apps", tags=["apps"], responses=COMMON)


@router.get("", response_model=ListEnvelope[AppPublic], summary="List apps")
def list_apps(principal: Caller, session: SessionDep, page: OffsetDep) -> Response:
    result = service.page(
        session, principal.org_id, page.offset, page.limit, app_ids=principal.app_ids
    )
    return ok_page(
        [service.public(a) for a in result.items], has_next=result.has_next, total=result.total
    )


@router.post(
    "",
    status_code=201,
    response_model=DataEnvelope[AppDetail],
    responses=WRITE,
    summary="Create an app",
)
def create_app(
    body: AppCreate, principal: Caller, session: SessionDep, runtime: RuntimeDep
) -> Response:
    quotas.admit_app(session, runtime, principal.org_id)
    return ok(service.detail(service.create(session, principal.org_id, body)), 201)


@router.get("/{appId}", response_model=DataEnvelope[AppDetail], summary="Get an app")
def get_app(appId: str, principal: Caller, session: SessionDep) -> Response:
    return ok(service.detail(service.get(session, principal.org_id, appId)))


@router.put(
    "/{appId}", response_model=DataEnvelope[AppDetail], responses=WRITE, summary="Update an app"
)
def update_app(appId: str, body: AppUpdate, principal: Caller, session: SessionDep) -> Response:
    return ok(service.detail(service.update(session, principal.org_id, appId, body)))


@router.delete("/{appId}", responses=DELETED_DOC, summary="Delete an app and its suites")
def delete_app(
    appId: str, principal: Caller, session: SessionDep, prefer: PreferHeader = None
) -> Response:
    service.delete(session, principal.org_id, appId)
    return deleted(appId, prefer)
