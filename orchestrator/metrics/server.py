"""``/metrics`` of a ``gauntlet worker`` command (its processes have no API to answer
with): a one-route app on its own port, served by uvicorn on a thread, with the API's
access rule and envelope."""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from core.settings import Settings
from orchestrator.api import metrics as metrics_api
from orchestrator.envelope import install_error_handlers
from orchestrator.metrics.scrape import Exposition

START_TIMEOUT_S = 10.0


def metrics_app(settings: Settings, registry: CollectorRegistry) -> FastAPI:
    app = FastAPI(title="Gauntlet worker metrics", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.metrics = Exposition(registry, settings.metrics_token)
    app.include_router(metrics_api.router)
    install_error_handlers(app)
    return app


class MetricsServer:
    """Serves ``registry`` at ``http://host:port/metrics`` until :meth:`stop`."""

    def __init__(
        self, settings: Settings, registry: CollectorRegistry, *, host: str, port: int
    ) -> None:
        config = uvicorn.Config(
            metrics_app(settings, registry),
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="metrics-http", daemon=True)

    def start(self) -> None:
        """Start serving; raises ``OSError`` when the port cannot be bound."""
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise OSError("the metrics server did not start (is the port in use?)")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
