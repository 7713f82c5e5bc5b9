"""Fault tests start a Redis of their own, so that they may kill it (SIGKILL, as a crash)
and start it again with or without its data (``services.restart_redis``). The scaled ones
run the deployment on it (``gauntlet api`` and a ``gauntlet worker`` process on the
session's PostgreSQL, as tests/e2e/jobs/test_scaled_workers.py does), started once per
module: starting the processes costs more than any one fault scenario.

Every test here is marked ``faults``: the folder is a CI stage of its own
(``scripts/test -m faults``), run once rather than inside both deployment runs."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import services
from tests.support.pets_target import PetsTarget
from tests.support.processes import Processes

GAUNTLET = [sys.executable, "-m", "orchestrator.cli"]
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.faults)


def _start_redis(appendonly: bool) -> services.PrivateServer:
    try:
        return services.start_redis(appendonly=appendonly)
    except services.MissingServer as exc:
        services.skip_or_fail(f"needs redis-server: {exc}")
        raise


@pytest.fixture
def private_redis() -> Iterator[services.PrivateServer]:
    """A redis-server with its append-only file, for this test alone."""
    server = _start_redis(appendonly=True)
    yield server
    server.stop()


class Cluster(Processes):
    """The API and one worker process (two job threads) on ``redis`` and a fresh
    PostgreSQL database; their logs in ``tmp_path`` for failure messages."""

    def __init__(self, tmp_path: Path, redis: services.PrivateServer, postgres_url: str) -> None:
        database = services.create_database(postgres_url, f"gauntlet_faults_{secrets.token_hex(4)}")
        super().__init__(
            tmp_path,
            GAUNTLET_DATABASE_URL=database,
            GAUNTLET_REDIS_URL=redis.url,
            GAUNTLET_REDIS_NAMESPACE=f"f{secrets.token_hex(4)}",
            GAUNTLET_JOB_LEASE_SECONDS="5",
            GAUNTLET_WORKER_THREADS="2",
        )
        self.redis = redis
        self.key = ""

    def start(self) -> None:
        """API and worker up, and an admin key to reach them with."""
        self.key = self.create_key()
        self.serve("api")
        self.spawn("worker", "worker")

    def client(self, key: str | None = None) -> httpx.Client:
        return super().client(key or self.key)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> Iterator[Cluster]:
    """The deployment on a private Redis with its append-only file (as docker-compose.yml
    runs it), for the tests of one module; each test uses apps of its own."""
    redis = _start_redis(appendonly=True)
    running = Cluster(tmp_path_factory.mktemp("cluster"), redis, postgres_url)
    try:
        running.start()
        yield running
    finally:
        running.stop()
        redis.stop()


@pytest.fixture
def client(cluster: Cluster) -> Iterator[httpx.Client]:
    with cluster.client() as http:
        yield http


@pytest.fixture
def target() -> Iterator[PetsTarget]:
    server = PetsTarget().start()
    yield server
    server.stop()
