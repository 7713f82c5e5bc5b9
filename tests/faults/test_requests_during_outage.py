"""Requests that change jobs while the event store's Redis is down answer what happened.
A submit gets 503 and no job exists (a retrying client cannot end up with two); once
Redis is back, the same request makes one job that starts with its ``job.queued`` event.
A cancel is made in the database: it answers 200 with the job CANCELLED."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from orchestrator.app import create_app
from orchestrator.runtime import Runtime, build_runtime
from orchestrator.services import keys as key_service
from storage.db import session_scope
from storage.events import RedisEventStore
from tests.support import services
from tests.support.factories import client_for, create_app_with_suites, health_suite
from tests.support.live_server import LiveServer


@pytest.fixture
def served(runtime: Runtime) -> Iterator[httpx.Client]:
    with session_scope(runtime.engine) as session:
        key = key_service.create_for_org_name(session, "acme", "ci", ["admin"], None).key
    server = LiveServer(create_app(runtime.settings, runtime)).start()
    try:
        with client_for(server.url, key) as client:
            yield client
    finally:
        server.stop()


@pytest.fixture
def runtime(tmp_path: Path, private_redis: services.PrivateServer) -> Iterator[Runtime]:
    """The embedded runtime with its job events in ``private_redis``, the only Redis it
    uses: the rate limiter stays in memory, so the event store is what fails."""
    runtime = build_runtime(Settings(data_dir=tmp_path))
    sql_events = runtime.events
    runtime.events = RedisEventStore(private_redis.url, key_prefix="submit:")
    yield runtime
    runtime.events.close()
    runtime.events = sql_events
    runtime.close()


def test_a_submit_that_cannot_record_its_job_creates_nothing(
    runtime: Runtime, served: httpx.Client, private_redis: services.PrivateServer
) -> None:
    client = served
    app_id, _ = create_app_with_suites(client, "http://127.0.0.1:9", health_suite())
    services.kill_now(private_redis)
    for _ in range(3):  # a client retrying
        refused = client.post(f"/apps/{app_id}/test-suites/run", json={})
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert client.get("/jobs").json()["data"] == []

    services.restart_redis(private_redis, keep_data=True)
    accepted = client.post(f"/apps/{app_id}/test-suites/run", json={})
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["data"]["job_id"]
    assert [job["job_id"] for job in client.get("/jobs").json()["data"]] == [job_id]
    events = runtime.events.read(job_id)
    assert [(e.seq, e.type) for e in events[:1]] == [(1, "job.queued")]


def test_a_cancel_that_cannot_record_its_event_still_answers_cancelled(
    served: httpx.Client, private_redis: services.PrivateServer
) -> None:
    client = served
    app_id, _ = create_app_with_suites(client, "http://127.0.0.1:9", health_suite())
    job_id = client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
    services.kill_now(private_redis)
    stopped = client.post(f"/jobs/{job_id}/stop")
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["data"]["job_status"] == "CANCELLED"
    assert client.get(f"/jobs/{job_id}").json()["data"]["job_status"] == "CANCELLED"
