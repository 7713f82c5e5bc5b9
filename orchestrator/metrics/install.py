"""Metrics in the API app: the ``/metrics`` route and the HTTP counts."""

from __future__ import annotations

from fastapi import FastAPI

from orchestrator.api import metrics as metrics_api
from orchestrator.metrics.http import HttpMetricsMiddleware
from orchestrator.metrics.scrape import Exposition, build_registry
from orchestrator.runtime import Runtime


def install_metrics(app: FastAPI, runtime: Runtime) -> None:
    """Serve ``/metrics`` (this process's metrics and the database's gauges) and count
    every request. Call it after the other middleware: the count's must be outermost so
    that refusals and errors of the inner ones are counted too."""
    app.state.metrics = Exposition(
        build_registry(engine=runtime.engine), runtime.settings.metrics_token
    )
    app.include_router(metrics_api.router)
    app.add_middleware(HttpMetricsMiddleware)
