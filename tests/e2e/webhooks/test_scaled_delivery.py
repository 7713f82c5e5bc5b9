"""Webhooks in the scaled deployment for real: `gauntlet api` and `gauntlet worker`
processes on a private Redis and PostgreSQL. A worker SIGKILLed in the middle of
deliveries loses none of them: another worker sends each again once its lease expires."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from actors.webhooks.signing import verify
from tests.e2e.jobs.test_scaled_workers import Cluster
from tests.support.factories import create_app_with_suites, health_suite
from tests.support.jobs import wait_for_job
from tests.support.pets_target import PetsTarget
from tests.support.webhook_receiver import WebhookReceiver

PINGS = 6


@pytest.fixture
def cluster(tmp_path: Path, redis_url: str, postgres_url: str) -> Iterator[Cluster]:
    running = Cluster(tmp_path, redis_url, postgres_url)
    running.env |= {
        "GAUNTLET_WEBHOOK_LEASE_SECONDS": "3",
        "GAUNTLET_WEBHOOK_TIMEOUT_SECONDS": "2",
        "GAUNTLET_WEBHOOK_RETRY_BASE_SECONDS": "0.5",
        "GAUNTLET_WEBHOOK_THREADS": "2",
    }
    yield running
    running.stop()


def test_sigkill_of_a_worker_mid_delivery_loses_no_delivery(
    cluster: Cluster, target: PetsTarget
) -> None:
    key = cluster.start()
    first = cluster.spawn("worker1", "worker")
    # The first two requests hang: both delivery threads of worker1 are mid-attempt
    # when it dies; everything after is answered at once.
    receiver = WebhookReceiver(script=["hang", "hang"], hang_s=60).start()
    try:
        with cluster.client(key) as client:
            created = client.post("/webhooks", json={"url": receiver.url, "events": ["job.*"]})
            hook = created.json()["data"]
            for _ in range(PINGS):
                assert client.post(f"/webhooks/{hook['id']}/ping").status_code == 202
            receiver.wait_for(2)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            cluster.spawn("worker2", "worker")
            app_id, _ = create_app_with_suites(client, target.url, health_suite())
            job_id = client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"][
                "job_id"
            ]
            assert wait_for_job(client, job_id, timeout=60)["job_status"] == "COMPLETED"
            expected = PINGS + 3  # and the run's job.queued, job.started, job.completed
            listed = _wait_all_succeeded(client, hook["id"], expected)
            killed = [
                client.get(f"/webhooks/{hook['id']}/deliveries/{d['id']}").json()["data"]
                for d in listed
                if d["attempts"] == 2
            ]
    finally:
        receiver.stop()
    answered = receiver.received[2:]
    assert {r.headers["gauntlet-webhook-id"] for r in answered} == {d["event_id"] for d in listed}
    assert all(verify(r.headers["gauntlet-signature"], r.body, hook["secret"]) for r in answered)
    # The two attempts under way when the worker died were made again, by the other one.
    assert len(killed) == 2
    for detail in killed:
        lost, made = detail["attempt_history"]
        assert lost["error"] == "the worker stopped during this attempt"
        assert made["status_code"] == 200


def _wait_all_succeeded(
    client: httpx.Client, webhook_id: str, count: int, timeout: float = 60
) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/webhooks/{webhook_id}/deliveries", params={"limit": 100})
        listed = response.json()["data"]
        if len(listed) == count and all(d["status"] == "SUCCEEDED" for d in listed):
            return list(listed)
        assert time.monotonic() < deadline, [(d["event_type"], d["status"]) for d in listed]
        time.sleep(0.1)
