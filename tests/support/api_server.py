"""Serving the API for tests, in the deployment ``GAUNTLET_TEST_DEPLOYMENT`` chooses
(embedded: SQLite, memory limiter, in-process broker; scaled: PostgreSQL and Redis)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from core.clock import Clock
from core.settings import Settings
from orchestrator.app import create_app
from orchestrator.runtime import Runtime, build_runtime
from tests.support.factories import client_for
from tests.support.live_server import LiveServer
from tests.support.services import create_database


def deployment_settings(
    request: pytest.FixtureRequest, data_dir: Path, **overrides: object
) -> Settings:
    """Settings for the deployment under test; scaled gets its own PostgreSQL database on
    the private server, and the private Redis (keys there are per API key, so unique)."""
    values: dict[str, object] = {"data_dir": data_dir}
    deployment = request.getfixturevalue("deployment")
    if deployment.scaled:
        server = deployment.database_url
        values["database_url"] = create_database(server, f"gauntlet_{secrets.token_hex(6)}")
        values["redis_url"] = deployment.redis_url
        # A namespace of its own: queues, events and limits never cross between servers.
        values["redis_namespace"] = f"t{secrets.token_hex(5)}"
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class Api:
    url: str
    runtime: Runtime
    server: LiveServer

    def client(self, key: str | None = None, *, timeout: float = 30) -> httpx.Client:
        """A client of ``/client/v1`` sending ``key`` as its bearer token."""
        return client_for(self, key, timeout=timeout)


@contextmanager
def serving(
    settings: Settings, *, embedded_workers: bool = False, clock: Clock | None = None
) -> Iterator[Api]:
    """The API (with worker threads if ``embedded_workers``, as ``gauntlet serve``)
    served on a free loopback port until the block ends; its runtime closed after.
    ``clock``: the time the service reads (``tests.support.clock.ManualClock``)."""
    runtime = build_runtime(settings, clock=clock)
    try:
        server = LiveServer(create_app(settings, runtime, embedded_workers=embedded_workers))
        server.start()
        try:
            yield Api(url=server.url, runtime=runtime, server=server)
        finally:
            server.stop()
    finally:
        runtime.close()
