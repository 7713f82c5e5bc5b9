"""An API serving with worker threads in the same process (``gauntlet serve``), in the
deployment under test, plus a pets target; helpers to submit jobs and follow them."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from core.jobs import TERMINAL
from orchestrator.app import create_app
from orchestrator.runtime import build_runtime
from orchestrator.services import keys as key_service
from tests.support.api_server import Api, deployment_settings
from tests.support.live_server import LiveServer
from tests.support.pets_target import PetsTarget


@pytest.fixture(scope="module")
def serve(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    settings = deployment_settings(
        request,
        tmp_path_factory.mktemp("jobs"),
        event_heartbeat_seconds=0.5,
        job_lease_seconds=3,
        rate_limit_per_minute=100_000,
        rate_limit_burst=100_000,
    )
    runtime = build_runtime(settings)
    server = LiveServer(create_app(settings, runtime, embedded_workers=True)).start()
    yield Api(url=server.url, runtime=runtime, server=server)
    server.stop()
    runtime.close()


@pytest.fixture(scope="module")
def target() -> Iterator[PetsTarget]:
    server = PetsTarget().start()
    yield server
    server.stop()


@pytest.fixture
def client(serve: Api) -> Iterator[httpx.Client]:
    with Session(serve.runtime.engine) as session:
        key = key_service.create_for_org_name(
            session, f"jobs-{secrets.token_hex(4)}", "ci", ["admin"], None
        ).key
    with serve.client(key) as c:
        yield c


def make_app(
    client: httpx.Client, target: PetsTarget, *suites: dict[str, Any]
) -> tuple[str, list[str]]:
    app = client.post(
        "/apps", json={"name": f"pets-{secrets.token_hex(3)}", "endpoint": target.url}
    )
    assert app.status_code == 201, app.text
    app_id = app.json()["data"]["id"]
    ids = []
    for suite in suites:
        created = client.post(f"/apps/{app_id}/test-suites", json=suite)
        assert created.status_code == 201, created.text
        ids.append(created.json()["data"]["id"])
    return app_id, ids


def wait_for_job(client: httpx.Client, job_id: str, timeout: float = 30) -> dict[str, Any]:
    """Poll with a deadline until the job is terminal; the job."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/jobs/{job_id}")
        assert response.status_code == 200, response.text  # e.g. a 429 from the limiter
        job = response.json()["data"]
        if job["job_status"] in TERMINAL:
            return job
        assert time.monotonic() < deadline, f"job still {job['job_status']}"
        time.sleep(0.05)


def read_events(client: httpx.Client, job_id: str, **params: Any) -> list[dict[str, Any]]:
    with client.stream("GET", f"/jobs/{job_id}/events", params=params, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        return [json.loads(line) for line in response.iter_lines() if line]
