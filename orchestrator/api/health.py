"""Liveness and readiness, outside /client/v1 (no key, no rate limit)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text
from starlette.responses import Response

from core.errors import ServiceUnavailable
from orchestrator.api.docs import error_responses
from orchestrator.deps import RuntimeDep
from orchestrator.envelope import DataEnvelope, ok

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    deployment: str


@router.get(
    "/healthz",
    response_model=DataEnvelope[Health],
    responses=error_responses(500, 503),
    summary="Liveness and database reachability",
)
def healthz(runtime: RuntimeDep) -> Response:
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        raise ServiceUnavailable("database unreachable") from exc
    deployment = "scaled" if runtime.settings.scaled else "embedded"
    return ok(Health(status="ok", deployment=deployment))
