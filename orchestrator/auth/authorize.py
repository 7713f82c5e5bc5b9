"""Enforcing the route table (``orchestrator.auth.routes``) on a request: the scope, then
the key's app limits, and recording the key's use on the way.

The table is bound to the route objects once (``bind``); a request finds its rule by
the route FastAPI matched, so a rule never depends on how a router was nested.
"""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import structlog
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute, iter_route_contexts

from core.errors import (
    AuthenticationRequired,
    GauntletError,
    InsufficientScope,
    NotFound,
    ValidationFailed,
)
from orchestrator.auth.principal import Principal
from orchestrator.auth.routes import Rule, rule_for
from orchestrator.middleware import API_PREFIX
from orchestrator.runtime import Runtime
from storage import jobs as job_rows
from storage.db import session_scope

log = structlog.get_logger(__name__)
RouteKey = tuple[int, str]


def api_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    """``(method, path relative to /client/v1, route)`` of every API route of ``app``."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = context.path or ""
        if isinstance(route, APIRoute) and path.startswith(API_PREFIX + "/"):
            for method in sorted(context.methods or ()):
                yield method, path.removeprefix(API_PREFIX), route


def route_paths(app: FastAPI) -> Iterator[str]:
    """The path of every route of ``app``, included routers' and mounts' too."""
    for context in iter_route_contexts(app.routes):
        if context.path:
            yield context.path


def bind(app: FastAPI) -> list[tuple[str, str]]:
    """Attach the table to ``app``'s routes; returns the API routes it does not declare."""
    bound: dict[RouteKey, Rule] = {}
    undeclared = []
    for method, path, route in api_routes(app):
        rule = rule_for(method, path)
        if rule is None:
            undeclared.append((method, path))
        else:
            bound[(id(route), method)] = rule
    app.state.route_rules = bound
    return undeclared


def _rule(request: Request) -> Rule | None:
    route = request.scope.get("route")
    key = (id(route), request.method)
    rules: dict[RouteKey, Rule] = getattr(request.app.state, "route_rules", {})
    if key not in rules:
        bind(request.app)  # routes added after the app was built
        rules = request.app.state.route_rules
    return rules.get(key)


def principal_of(request: Request) -> Principal:
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise AuthenticationRequired("an API key is required")
    return principal


async def authorize(request: Request) -> None:
    """Raise unless the caller may use this route: 403 ``INSUFFICIENT_SCOPE`` for a scope
    it lacks or a route closed to keys limited to some apps, 404 for an app (or an app's
    job) outside its limits, 500 for a route missing from the table."""
    principal = principal_of(request)
    runtime: Runtime = request.app.state.runtime
    now = runtime.clock.now()
    if runtime.last_used.due(principal.key_id, now):
        await anyio.to_thread.run_sync(runtime.last_used.record, principal.key_id, now)
    rule = _rule(request)
    if rule is None:
        log.error("auth.route_undeclared", method=request.method, path=request.url.path)
        raise GauntletError("this route declares no scope (orchestrator/auth/routes.py)")
    if rule.scope is not None and not principal.has(rule.scope):
        raise InsufficientScope(f"this action needs the '{rule.scope}' scope")
    if principal.app_ids is not None:
        await _app_wall(request, runtime, principal, rule)


async def _app_wall(request: Request, runtime: Runtime, principal: Principal, rule: Rule) -> None:
    params = request.path_params
    if rule.apps == "unlimited":
        raise InsufficientScope("a key limited to some apps cannot do this")
    if rule.apps == "path" and not principal.sees_app(params.get("appId")):
        raise NotFound(f"app {params.get('appId')} not found")
    if rule.apps == "job":
        job_id = str(params.get("jobId"))
        found, app_id = await anyio.to_thread.run_sync(_job_app, runtime, principal.org_id, job_id)
        if found and not principal.sees_app(app_id):
            raise NotFound(f"job {job_id} not found")


def _job_app(runtime: Runtime, org_id: str, job_id: str) -> tuple[bool, str | None]:
    with session_scope(runtime.engine) as session:
        job = job_rows.get(session, org_id, job_id)
        return (job is not None, job.app_id if job is not None else None)


def visible_app(principal: Principal, app_id: str | None) -> str | None:
    """The app a feed across apps must keep to for ``principal``: ``app_id`` as asked for
    a key not limited to some apps; for a limited key, its one app by default, NotFound
    for an app outside its limits, and a 400 when it holds several and named none."""
    if principal.app_ids is None:
        return app_id
    if app_id is None:
        if len(principal.app_ids) == 1:
            return next(iter(principal.app_ids))
        raise ValidationFailed(
            "a key limited to several apps must name one of them", field="query.app_id"
        )
    if app_id not in principal.app_ids:
        raise NotFound(f"app {app_id} not found")
    return app_id
