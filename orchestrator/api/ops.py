"""/ops routes: what an operator watches (read scope)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from orchestrator.api.docs import COMMON
from orchestrator.deps import Caller, RuntimeDep, SessionDep
from orchestrator.envelope import DataEnvelope, ok
from orchestrator.schemas.ops import OpsStatus
from orchestrator.services import ops as service

router = APIRouter(prefix="/ops", tags=["ops"], responses=COMMON)


@router.get(
    "/status",
    response_model=DataEnvelope[OpsStatus],
    summary="Workers alive and their threads; the organization's queue and running jobs",
)
def ops_status(principal: Caller, session: SessionDep, runtime: RuntimeDep) -> Response:
    return ok(service.status(session, runtime, principal.org_id))
