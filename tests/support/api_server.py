"""Serving the API for tests, in the deployment ``GAUNTLET_TEST_DEPLOYMENT`` chooses
(embedded: SQLite, memory limiter, in-process broker; scaled: PostgreSQL and Redis)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from orchestrator.runtime import Runtime
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

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=f"{self.url}/client/v1", headers=headers, timeout=30)
