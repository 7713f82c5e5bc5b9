"""/company routes."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from orchestrator.api.docs import COMMON
from orchestrator.deps import Reader, RuntimeDep, SessionDep
from orchestrator.envelope import DataEnvelope, ok
from orchestrator.schemas.company import Subscription, Usage
from orchestrator.services import company as service

router = APIRouter(prefix="/company", tags=["organization"], responses=COMMON)


@router.get("/subscription", response_model=DataEnvelope[Subscription], summary="Plan and quotas")
def subscription(principal: Reader, runtime: RuntimeDep) -> Response:
    return ok(service.subscription(principal, runtime.settings))


@router.get("/usage", response_model=DataEnvelope[Usage], summary="Usage this month")
def usage(principal: Reader, session: SessionDep) -> Response:
    return ok(service.usage(session, principal))
