"""/company routes."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from orchestrator.api.docs import COMMON
from orchestrator.deps import Caller, RuntimeDep, SessionDep
from orchestrator.envelope import DataEnvelope, ok
from orchestrator.schemas.company import Subscription, Usage
from orchestrator.services import company as service

router = APIRouter(prefix="/company", tags=["organization"], responses=COMMON)


@router.get("/subscription", response_model=DataEnvelope[Subscription], summary="Plan and quotas")
def subscription(principal: Caller, session: SessionDep, runtime: RuntimeDep) -> Response:
    return ok(service.subscription(session, runtime, principal))


@router.get(
    "/usage",
    response_model=DataEnvelope[Usage],
    summary="Usage this month, against each quota of the plan",
)
def usage(principal: Caller, session: SessionDep, runtime: RuntimeDep) -> Response:
    return ok(service.usage(session, runtime, principal))
