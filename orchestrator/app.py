"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

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
from orchestrator.metrics.install import install_metrics
from orchestrator.middleware import API_PREFIX, ApiGuardMiddleware, RequestContextMiddleware
from orchestrator.openapi_document import openapi_document
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
# Keys travel in headers, never cookies: no credentials mode. Clients read the rate-limit
# and request-id headers.
CORS_OPTIONS: dict[str, Any] = {
    "allow_methods": ["*"],
    "allow_headers": ["Authorization", "X-API-Key", "Content-Type"],
    "expose_headers": [
        "X-Request-ID",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "Retry-After",
    ],
    "max_age": 600,
}
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
    # Outside the guard: a browser's preflight carries no key, and every answer (errors
    # and 429s included) must carry the CORS headers for the page to read it.
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, **CORS_OPTIONS)
    # Every response, errors and preflights included, carries the security headers.
    app.add_middleware(SecurityHeadersMiddleware)
    install_metrics(app, runtime)  # /metrics, and counts every request (outermost)
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
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
