"""Liveness and readiness, outside /client/v1 (no key, no rate limit).

- ``/livez``: the process answers; it touches no dependency, so a database or Redis
  outage never gets a healthy process restarted.
- ``/readyz``: every dependency works now (``orchestrator.services.readiness``): 200
  with each check, or 503 ``SERVICE_UNAVAILABLE`` naming the failing checks (in
  ``error.details``, one per check, ``field`` being the check's name).
- ``/healthz``: an alias of ``/readyz``, kept for existing probes.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from core.errors import ServiceUnavailable
from orchestrator.api.docs import error_responses
from orchestrator.deps import RuntimeDep
from orchestrator.envelope import DataEnvelope, error_response, ok
from orchestrator.services.readiness import Check, readiness

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: str


class Health(BaseModel):
    status: str
    deployment: str
    checks: list[Check]


@router.get(
    "/livez",
    response_model=DataEnvelope[Liveness],
    summary="Liveness: the process answers (no dependency is checked)",
)
async def livez() -> Response:
    return ok(Liveness(status="alive"))


async def _ready(runtime: RuntimeDep) -> Response:
    # The checks block (database, Redis, disk): off the event loop.
    result = await run_in_threadpool(readiness, runtime.settings, runtime.engine)
    if not result.ready:
        names = ", ".join(check.name for check in result.failing)
        return error_response(
            ServiceUnavailable(f"not ready: {names}"),
            details=[{"field": check.name, "message": check.detail} for check in result.failing],
        )
    deployment = "scaled" if runtime.settings.scaled else "embedded"
    return ok(Health(status="ok", deployment=deployment, checks=result.checks))


@router.get(
    "/readyz",
    response_model=DataEnvelope[Health],
    responses=error_responses(500, 503),
    summary="Readiness: database writable, Redis reachable (scaled), disk not full",
)
async def readyz(runtime: RuntimeDep) -> Response:
    return await _ready(runtime)


@router.get(
    "/healthz",
    response_model=DataEnvelope[Health],
    responses=error_responses(500, 503),
    summary="Readiness (an alias of /readyz)",
)
async def healthz(runtime: RuntimeDep) -> Response:
    return await _ready(runtime)
