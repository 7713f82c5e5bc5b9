"""The per-kind summaries: generate.completed with kept/dropped counts and
load_test.completed with the threshold verdicts, each carrying the terminal event's seq."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.webhooks.conftest import subscribe
from tests.support import strict_pets_app
from tests.support.factories import create_app, create_app_with_suites, health_suite
from tests.support.jobs import generate, wait_for_job
from tests.support.live_server import LiveServer
from tests.support.pets_target import PetsTarget
from tests.support.webhook_receiver import WebhookReceiver


@pytest.fixture(scope="module")
def pets() -> Iterator[LiveServer]:
    server = LiveServer(strict_pets_app.create_app()).start()
    yield server
    server.stop()


def test_generate_completed_carries_the_kept_and_dropped_counts(
    client: httpx.Client, receiver: WebhookReceiver, pets: LiveServer
) -> None:
    subscribe(client, receiver.url, ["generate.completed", "job.completed"])
    app_id = create_app(client, pets.url, schema=strict_pets_app.openapi_document())
    job = generate(client, app_id, base_url=pets.url, max_test_suites=3)
    got = {r.json()["type"]: r.json() for r in receiver.wait_for(2)}
    summary = got["generate.completed"]["data"]
    assert (summary["kept"], summary["dropped"]) == (job["result"]["kept"], 0)
    assert summary["test_suite_ids"] == job["result"]["test_suite_ids"]
    assert summary["history_url"].endswith(f"/apps/{app_id}/generation-history/{job['job_id']}")
    assert summary["seq"] == got["job.completed"]["data"]["seq"]
    assert got["generate.completed"]["id"] != got["job.completed"]["id"]


@pytest.mark.slow
def test_load_test_completed_carries_the_threshold_verdicts(
    client: httpx.Client, receiver: WebhookReceiver, target: PetsTarget
) -> None:
    subscribe(client, receiver.url, ["load_test.completed"])
    app_id, _ = create_app_with_suites(client, target.url, health_suite())
    response = client.post(
        f"/apps/{app_id}/load-tests",
        json={
            "virtual_users": 2,
            "duration_secs": 2,
            "thresholds": [
                {"metric": "p95_ms", "op": "lte", "value": 5000},
                {"metric": "rps", "op": "lt", "value": 0.5},
            ],
        },
    )
    assert response.status_code == 202, response.text
    accepted = response.json()["data"]
    job = wait_for_job(client, accepted["job_id"], timeout=60)
    assert job["job_status"] == "FAILED"
    [got] = receiver.wait_for(1)
    data = got.json()["data"]
    assert data["load_test_id"] == accepted["load_test_id"]
    assert data["job_status"] == "FAILED" and data["thresholds_passed"] is False
    assert [(t["metric"], t["passed"]) for t in data["thresholds"]] == [
        ("p95_ms", True),
        ("rps", False),
    ]
    assert data["requests"] > 0
    assert data["report_url"].endswith(f"/apps/{app_id}/load-tests/{accepted['load_test_id']}")
