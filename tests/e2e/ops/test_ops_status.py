"""GET /ops/status: what an operator watches, from a read key."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from storage import worker_heartbeats
from storage.worker_heartbeats import WorkerHeartbeat
from tests.support.api_server import Api
from tests.support.factories import client_for, create_app_with_suites, create_key, health_suite
from tests.support.pets_target import PetsTarget

ClientFor = Callable[..., httpx.Client]


@pytest.fixture
def client_of() -> Iterator[ClientFor]:
    """``client_of(api, scopes="admin")``: a client with a key of a new organization."""
    opened: list[httpx.Client] = []

    def make(api: Api, scopes: str = "admin") -> httpx.Client:
        opened.append(client_for(api, create_key(api.runtime, scopes=scopes)))
        return opened[-1]

    yield make
    for client in opened:
        client.close()


def app_with_suite(client: httpx.Client, target: PetsTarget, steps: int = 1) -> str:
    return create_app_with_suites(client, target.url, health_suite(steps=steps))[0]


def ops_status(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/ops/status")
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def by_kind(status: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {
        q["job_type"]: {"queued": q["queued"], "running": q["running"]} for q in status["queue"]
    }


def test_a_serving_api_lists_its_worker_pool_alive_with_its_threads(
    serve: Api, client_of: ClientFor
) -> None:
    status = ops_status(client_of(serve, "read"))
    alive = [w for w in status["workers"] if w["alive"]]
    assert len(alive) == status["workers_alive"] == 1
    assert alive[0]["threads"] == status["threads_alive"] == serve.runtime.settings.worker_threads
    assert alive[0]["mode"] == ("worker" if serve.runtime.settings.scaled else "embedded")


def test_an_api_without_workers_has_none_alive(queue_only: Api, client_of: ClientFor) -> None:
    status = ops_status(client_of(queue_only, "read"))
    assert status["workers_alive"] == 0
    assert status["threads_alive"] == 0


def test_queued_jobs_are_counted_per_kind_with_the_oldest_wait(
    queue_only: Api, client_of: ClientFor, target: PetsTarget
) -> None:
    client = client_of(queue_only)
    app_id = app_with_suite(client, target)
    submitted = time.time()
    for _ in range(2):
        run = client.post(f"/apps/{app_id}/test-suites/run", json={})
        assert run.status_code == 202, run.text
    status = ops_status(client)
    assert by_kind(status)["RUN"] == {"queued": 2, "running": 0}
    assert by_kind(status)["LOAD_TEST"] == {"queued": 0, "running": 0}
    assert status["queued_jobs"] == 2
    assert 0 <= status["oldest_queued_age_s"] <= time.time() - submitted


def test_an_organization_sees_only_its_own_queue(
    queue_only: Api, client_of: ClientFor, target: PetsTarget
) -> None:
    busy = client_of(queue_only)
    app_id = app_with_suite(busy, target)
    assert busy.post(f"/apps/{app_id}/test-suites/run", json={}).status_code == 202
    status = ops_status(client_of(queue_only, "read"))
    assert status["queued_jobs"] == 0
    assert status["oldest_queued_age_s"] is None


def test_a_job_on_a_worker_is_counted_as_running(
    serve: Api, client_of: ClientFor, target: PetsTarget
) -> None:
    client = client_of(serve)
    app_id = app_with_suite(client, target, steps=400)
    target.slow_ms = 20
    try:
        job_id = client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
        deadline = time.monotonic() + 20
        while client.get(f"/jobs/{job_id}").json()["data"]["job_status"] != "RUNNING":
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)
        status = ops_status(client)
        assert by_kind(status)["RUN"]["running"] == 1
        assert status["running_jobs"] == 1
    finally:
        target.slow_ms = 0
        client.post(f"/jobs/{job_id}/stop")


def test_a_worker_that_stopped_beating_is_listed_as_lost_then_dropped(
    queue_only: Api, client_of: ClientFor
) -> None:
    now = time.time()
    lost = heartbeat_row("lost-worker", last_seen_at=now - 60)
    gone = heartbeat_row("gone-worker", last_seen_at=now - 3600)
    with Session(queue_only.runtime.engine) as session:
        for row in (lost, gone):
            worker_heartbeats.beat(session, row)
        session.commit()
    try:
        workers = {w["worker_id"]: w for w in ops_status(client_of(queue_only, "read"))["workers"]}
        assert workers["lost-worker"]["alive"] is False
        assert "gone-worker" not in workers
    finally:
        with Session(queue_only.runtime.engine) as session:
            for row in (lost, gone):
                worker_heartbeats.remove(session, row.worker_id)
            session.commit()


def heartbeat_row(worker_id: str, last_seen_at: float) -> WorkerHeartbeat:
    return WorkerHeartbeat(
        worker_id=worker_id,
        hostname="elsewhere",
        pid=1,
        mode="worker",
        threads=4,
        started_at=last_seen_at - 10,
        last_seen_at=last_seen_at,
    )


def test_without_a_key_the_status_is_refused(queue_only: Api) -> None:
    with queue_only.client() as anonymous:
        response = anonymous.get("/ops/status")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTHENTICATION_REQUIRED"
