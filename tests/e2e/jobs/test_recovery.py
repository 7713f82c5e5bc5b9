"""Crashes and duplicates: a redelivered message is harmless, and a restarted embedded
server takes back what the previous process left QUEUED or RUNNING."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from sqlmodel import Session, select

from core.settings import Settings
from orchestrator.app import create_app
from orchestrator.runtime import build_runtime
from storage.models import Job, TestRun
from tests.support.api_server import Api
from tests.support.factories import client_for, create_app_with_suites, create_key, health_suite
from tests.support.jobs import read_events, wait_for_job
from tests.support.live_server import LiveServer
from tests.support.pets_target import PetsTarget


def test_duplicate_messages_run_the_job_once(
    serve: Api, client: httpx.Client, target: PetsTarget
) -> None:
    target.slow_ms = 20
    try:
        app_id, _ = create_app_with_suites(client, target.url, health_suite(steps=5))
        job_id = client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
        for _ in range(3):
            serve.runtime.dispatcher.send(job_id, "RUN")
        job = wait_for_job(client, job_id)
    finally:
        target.slow_ms = 0
    assert job["job_status"] == "COMPLETED"
    assert [e["type"] for e in read_events(client, job_id)].count("job.started") == 1
    with Session(serve.runtime.engine) as session:
        assert len(session.exec(select(TestRun).where(TestRun.job_id == job_id)).all()) == 1
        assert session.get(Job, job_id).attempts == 1  # type: ignore[union-attr]


def test_restarted_embedded_server_recovers_queued_and_running_jobs(
    tmp_path: Path, target: PetsTarget
) -> None:
    # Always the embedded deployment: this is its recovery (scaled: test_scaled_workers).
    # Jobs are polled every 50 ms (wait_for_job): no rate limit in the way.
    settings = Settings(
        data_dir=tmp_path,
        job_lease_seconds=30,
        rate_limit_per_minute=100_000,
        rate_limit_burst=100_000,
    )
    runtime = build_runtime(settings)
    key = create_key(runtime)
    # First life: API only, no workers: jobs are accepted and stay QUEUED.
    first = LiveServer(create_app(settings, runtime)).start()
    with client_for(first.url, key) as client:
        app_id, _ = create_app_with_suites(client, target.url, health_suite())
        queued = client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
        running = client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
    first.stop()
    with Session(runtime.engine) as session:  # as if a worker died mid-job, lease still valid
        job = session.get(Job, running)
        assert job is not None
        job.status, job.lease_owner, job.lease_expires_at = "RUNNING", "dead:1:x", time.time() + 300
        job.attempts = 1
        session.add(job)
        session.commit()
    runtime.close()
    # Second life: `gauntlet serve` with worker threads.
    runtime = build_runtime(settings)
    second = LiveServer(create_app(settings, runtime, embedded_workers=True)).start()
    try:
        with client_for(second.url, key) as client:
            assert wait_for_job(client, queued)["job_status"] == "COMPLETED"
            recovered = wait_for_job(client, running)
            assert recovered["job_status"] == "COMPLETED"
            types = [e["type"] for e in read_events(client, running)]
            assert "job.restarted" in types and types[-1] == "job.completed"
    finally:
        second.stop()
        runtime.close()
