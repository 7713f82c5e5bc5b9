"""Fault tests start a Redis of their own, so that they may kill it (SIGKILL, as a crash)
and start it again with or without its data (``services.restart_redis``). The scaled ones
run the deployment on it (``gauntlet api`` and a ``gauntlet worker`` process on the
session's PostgreSQL, as tests/e2e/jobs/test_scaled_workers.py does), started once per
module: starting the processes costs more than any one fault scenario.

Every test here is marked ``faults``: the folder is a CI stage of its own
(``scripts/test -m faults``), run once rather than inside both deployment runs."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import services
from tests.support.factories import client_for
from tests.support.live_server import free_port
from tests.support.pets_target import PetsTarget

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


class Cluster:
    """The API and one worker process (two job threads) on ``redis`` and a fresh
    PostgreSQL database; their logs in ``tmp_path`` for failure messages."""

    def __init__(self, tmp_path: Path, redis: services.PrivateServer, postgres_url: str) -> None:
        self.tmp_path = tmp_path
        self.redis = redis
        database = services.create_database(postgres_url, f"gauntlet_faults_{secrets.token_hex(4)}")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GAUNTLET_")} | {
            "GAUNTLET_DATABASE_URL": database,
            "GAUNTLET_REDIS_URL": redis.url,
            "GAUNTLET_REDIS_NAMESPACE": f"f{secrets.token_hex(4)}",
            "GAUNTLET_JOB_LEASE_SECONDS": "5",
            "GAUNTLET_WORKER_THREADS": "2",
            "GAUNTLET_RATE_LIMIT_PER_MINUTE": "100000",
            "GAUNTLET_RATE_LIMIT_BURST": "100000",
            "GAUNTLET_LOG_FORMAT": "json",
            "GAUNTLET_DATA_DIR": str(tmp_path),
        }
        self.processes: list[subprocess.Popen[bytes]] = []
        self.url = self.key = ""

    def spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.tmp_path / f"{name}.log").open("wb") as sink:
            process = subprocess.Popen(
                [*GAUNTLET, *args], env=self.env, stdout=sink, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        return process

    def start(self) -> None:
        """API and worker up, and an admin key to reach them with."""
        created = subprocess.run(
            [*GAUNTLET, "keys", "create", "--org", "acme", "--name", "ci"],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        port = free_port()
        api = self.spawn("api", "api", "--port", str(port))
        self.spawn("worker", "worker")
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert api.poll() is None, self.log("api")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "api did not start"
            time.sleep(0.05)
        self.key = created.stdout.strip().splitlines()[-1]

    def client(self) -> httpx.Client:
        return client_for(self.url, self.key)

    def log(self, name: str) -> str:
        """The end of a process's log, for failure messages."""
        return self.logged(name)[-6000:]

    def logged(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


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
