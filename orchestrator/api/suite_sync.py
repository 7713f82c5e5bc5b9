"""POST /apps/{appId}/test-suites/sync: make the app's suites equal to the pushed ones."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from orchestrator.api.docs import COMMON, WRITE
from orchestrator.deps import RuntimeDep, SessionDep, Writer
from orchestrator.envelope import DataEnvelope, ok
from orchestrator.schemas.suite_sync import SuiteSync, SyncResult
from orchestrator.services import suite_sync as service

router = APIRouter(prefix="/apps/{appId}/test-suites", tags=["test suites"], responses=COMMON)


@router.post(
    "/sync",
    response_model=DataEnvelope[SyncResult],
    responses=WRITE,
    summary="Push suites: create new names, version changed ones, leave the same alone",
    description="Suites are matched to the app's by name. A changed suite becomes its next "
    "version (history kept, rollback possible); an unchanged one gets no new version; "
    "`prune` deletes the app's suites of other names; `dry_run` only reports. One "
    "transaction: all of it or nothing.",
)
def sync_suites(
    appId: str, body: SuiteSync, principal: Writer, session: SessionDep, runtime: RuntimeDep
) -> Response:
    result = service.sync(session, principal.org_id, appId, body, runtime.settings.max_suite_steps)
    return ok(result)
