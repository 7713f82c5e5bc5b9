"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import structlog
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from core.settings import Settings, get_settings
from orchestrator.api import (
    apps,
    company,
    events,
    gateway,
    generation,
    health,
    jobs,
    keys,
    load_tests,
    normalize,
    ops,
    runs,
    suite_sync,
    suites,
    webhooks,
)
from orchestrator.auth import authorize
from orchestrator.deps import Authorized
from orchestrator.envelope import install_error_handlers
from orchestrator.graphql import GRAPHQL_PATH, GraphQLErrorShape, explorer_router
from orchestrator.graphql import router as graphql_router
from orchestrator.middleware import API_PREFIX, ApiGuardMiddleware, RequestContextMiddleware
from orchestrator.runtime import Runtime, build_runtime
from orchestrator.security_headers import SecurityHeadersMiddleware
from orchestrator.services import keys as key_service
from orchestrator.web import install_web
from storage.db import session_scope

log = structlog.get_logger(__name__)
API_ROUTERS = (
    apps.router,
    runs.router,
    normalize.router,
    load_tests.router,
    suite_sync.router,
    suites.router,
    jobs.router,
    events.router,
    keys.router,
    company.router,
    generation.router,
    ops.router,
    graphql_router,
    gateway.router,
    webhooks.router,
)
DESCRIPTION = (
    "Gauntlet generates, runs, validates and normalizes API test suites and drives load "
    "tests, as jobs. Every route under /client/v1 needs an API key "
    "(`Authorization: Bearer gnt_...` or `X-API-Key`)."
)


def create_app(
    settings: Settings | None = None,
    runtime: Runtime | None = None,
    *,
    embedded_workers: bool = False,
) -> FastAPI:
    """Build the API. With ``embedded_workers`` the process also executes jobs on worker
    threads (``gauntlet serve``); otherwise jobs go to ``gauntlet worker`` processes."""
    settings = settings or get_settings()
    runtime = runtime or build_runtime(settings)
    app = FastAPI(
        title="Gauntlet",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=_lifespan(runtime) if embedded_workers else None,
        # Served by orchestrator.web from files in the package, not from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.embedded_workers = embedded_workers
    for router in API_ROUTERS:
        # Every API route's scope and app limits come from orchestrator/auth/routes.py.
        app.include_router(router, prefix=API_PREFIX, dependencies=[Authorized])
    app.include_router(health.router)
    app.include_router(explorer_router)
    install_web(app)
    install_error_handlers(app)
    for method, path in authorize.bind(app):
        log.error("auth.route_undeclared", method=method, path=API_PREFIX + path)

    def authenticate(raw: str) -> Any:
        with session_scope(runtime.engine) as session:
            return key_service.authenticate(session, raw, runtime.clock.now())

    app.add_middleware(
        ApiGuardMiddleware,
        authenticate=authenticate,
        limiter=runtime.limiter,
        anonymous_limiter=runtime.anonymous_limiter,
        cache=runtime.principals,
        limiter_is_local=not settings.scaled,
    )
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)
    # Every error of the GraphQL endpoint, wherever it arises, in GraphQL's shape.
    app.add_middleware(GraphQLErrorShape, path=API_PREFIX + GRAPHQL_PATH)
    # Outermost: every response, errors included, carries the security headers.
    app.add_middleware(SecurityHeadersMiddleware)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _lifespan(runtime: Runtime) -> Any:
    """Run worker threads in this process for as long as the app serves."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from actors.worker import WorkerPool

        settings = runtime.settings
        pool = WorkerPool(
            settings,
            runtime.engine,
            runtime.events,
            runtime.broker,
            threads=settings.worker_threads,
            embedded=not settings.scaled,
        )
        pool.start()
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(pool.stop, settings.worker_shutdown_grace_seconds)

    return lifespan


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, made true to the contract: validation errors are 400 (the
    envelope), never 422, and routes under /client/v1 declare their key schemes."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    for path, item in doc.get("paths", {}).items():
        for operation in item.values():
            operation.get("responses", {}).pop("422", None)
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                # A streaming route's errors are JSON envelopes, not NDJSON.
                if code >= "400" and "application/x-ndjson" in content:
                    content["application/json"] = content.pop("application/x-ndjson")
            if path.startswith(API_PREFIX):
                operation["security"] = [{"bearer": []}, {"apiKeyHeader": []}]
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    doc["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "gnt_... API key"},
        "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }
    app.openapi_schema = doc
    return doc
