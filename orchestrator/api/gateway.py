"""For gateways and clients: ``/auth`` (a reverse proxy's ``auth_request``) and
``/metadata`` (what this installation offers)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from orchestrator.api.docs import COMMON
from orchestrator.auth import scopes as catalogue
from orchestrator.auth.authorize import route_paths
from orchestrator.deps import Caller, RuntimeDep
from orchestrator.envelope import DataEnvelope, ok
from orchestrator.middleware import API_PREFIX
from orchestrator.pagination import MAX_PAGE
from orchestrator.schemas.gateway import GatewayAuth, Limits, Metadata

router = APIRouter(tags=["gateway"], responses=COMMON)


@router.get(
    "/auth",
    response_model=DataEnvelope[GatewayAuth],
    summary="Authenticate a key for a gateway (nginx auth_request): 200 or 401",
    description="200 with `X-Gauntlet-Org`, `X-Gauntlet-Org-Name`, `X-Gauntlet-Key-Id`, "
    "`X-Gauntlet-Scopes` (as granted, comma-separated) and, for a key limited to some "
    "apps, `X-Gauntlet-App-Ids`; 401 for a missing, invalid, revoked or expired key. "
    "Served from the per-process key cache, without a database query for a key seen "
    "within the last seconds. See docs/gateway.md.",
)
async def gateway_auth(principal: Caller) -> Response:
    app_ids = sorted(principal.app_ids) if principal.app_ids is not None else None
    response = ok(
        GatewayAuth(
            org_id=principal.org_id,
            org_name=principal.org_name,
            key_id=principal.key_id,
            scopes=list(principal.granted),
            app_ids=app_ids,
        )
    )
    response.headers["X-Gauntlet-Org"] = principal.org_id
    # Header values are latin-1: an organization name outside it is left out.
    if principal.org_name.isascii():
        response.headers["X-Gauntlet-Org-Name"] = principal.org_name
    response.headers["X-Gauntlet-Key-Id"] = principal.key_id
    response.headers["X-Gauntlet-Scopes"] = ",".join(principal.granted)
    if app_ids is not None:
        response.headers["X-Gauntlet-App-Ids"] = ",".join(app_ids)
    response.headers["Cache-Control"] = "no-store"
    return response


def _features(request: Request, runtime: RuntimeDep) -> dict[str, bool]:
    # Read from the routes, so that a feature added by another module shows up here
    # without this list knowing of it.
    paths = set(route_paths(request.app))
    api = {p.removeprefix(API_PREFIX) for p in paths if p.startswith(API_PREFIX + "/")}
    return {
        "dashboard": "/dashboard" in paths,
        "events_feed": "/events" in api,
        "load_tests": "/apps/{appId}/load-tests" in api,
        "distributed_load_tests": runtime.settings.load_workers > 0,
        "webhooks": any(p.startswith("/webhooks") for p in api),
        "graphql": any("graphql" in p for p in paths),
        "quotas": True,
        "scoped_keys": True,
        "key_rotation": True,
        "gateway_auth": True,
        "shared_rate_limits": runtime.settings.scaled,
    }


@router.get(
    "/metadata",
    response_model=DataEnvelope[Metadata],
    summary="Version, deployment mode, enabled features and limits of this installation",
)
async def metadata(request: Request, principal: Caller, runtime: RuntimeDep) -> Response:
    settings = runtime.settings
    return ok(
        Metadata(
            version=request.app.version,
            deployment="scaled" if settings.scaled else "embedded",
            features=_features(request, runtime),
            scopes=list(catalogue.ALL_SCOPES),
            limits=Limits(
                rate_limit_per_minute=settings.rate_limit_per_minute,
                rate_limit_burst=settings.rate_limit_burst,
                max_body_bytes=settings.max_body_bytes,
                max_page_size=MAX_PAGE,
                max_suite_steps=settings.max_suite_steps,
                max_virtual_users=settings.max_virtual_users,
                max_load_duration_seconds=settings.max_load_duration_seconds,
                key_rotation_grace_seconds=settings.key_rotation_grace_seconds,
            ),
        )
    )
