"""Job events reach a real receiver on loopback, signed; failed attempts are retried with
growing delays; a receiver that hangs is timed out; a job never waits for its webhooks."""

from __future__ import annotations

import time

import httpx
from sqlmodel import Session

from actors.webhooks.signing import verify
from storage.webhook_models import WebhookSubscription
from tests.e2e.webhooks.conftest import (
    RETRY_BASE_S,
    TIMEOUT_S,
    deliveries,
    subscribe,
    wait_for_delivery,
)
from tests.support.api_server import Api
from tests.support.factories import create_app_with_suites, health_suite
from tests.support.jobs import run_suites, wait_for_job
from tests.support.pets_target import PetsTarget
from tests.support.webhook_receiver import WebhookReceiver


def _failing_suite() -> dict:
    suite = health_suite("fails")
    suite["steps"][0]["assertions"] = [{"type": "status_code", "expected": 418}]
    return suite


def test_a_runs_job_completed_arrives_signed_and_verifies(
    client: httpx.Client, receiver: WebhookReceiver, target: PetsTarget
) -> None:
    hook = subscribe(client, receiver.url, ["job.completed"])
    app_id, _ = create_app_with_suites(client, target.url, health_suite())
    job = run_suites(client, app_id)
    [got] = receiver.wait_for(1)
    assert got.headers["gauntlet-event"] == "job.completed"
    assert got.headers["content-type"] == "application/json"
    assert verify(got.headers["gauntlet-signature"], got.body, hook["secret"])
    assert not verify(got.headers["gauntlet-signature"], got.body + b" ", hook["secret"])
    body = got.json()
    assert set(body) == {"id", "type", "created_at", "data"}
    assert body["type"] == "job.completed" and got.headers["gauntlet-webhook-id"] == body["id"]
    data = body["data"]
    assert (data["job_id"], data["job_type"], data["app_id"]) == (job["job_id"], "RUN", app_id)
    assert data["job_status"] == "COMPLETED"
    assert data["job_url"] == f"https://gauntlet.example.com/client/v1/jobs/{job['job_id']}"
    assert data["event"]["result"]["test_run_id"] == job["result"]["test_run_id"]
    stream = client.get(f"/jobs/{job['job_id']}/events", params={"follow": "false"}).text
    assert f'"seq":{data["seq"]},"job_id":"{job["job_id"]}","type":"job.completed"' in stream


def test_job_glob_delivers_the_lifecycle_in_seq_order_with_each_seq(
    client: httpx.Client, receiver: WebhookReceiver, target: PetsTarget
) -> None:
    subscribe(client, receiver.url, ["job.*"])
    app_id, _ = create_app_with_suites(client, target.url, health_suite(steps=3))
    run_suites(client, app_id)
    got = receiver.wait_for(3)
    by_type = {r.json()["type"]: r.json()["data"]["seq"] for r in got}
    assert set(by_type) == {"job.queued", "job.started", "job.completed"}
    assert by_type["job.queued"] == 1 < by_type["job.started"] < by_type["job.completed"]


def test_run_completed_carries_the_counts_and_the_report_url(
    client: httpx.Client, receiver: WebhookReceiver, target: PetsTarget
) -> None:
    subscribe(client, receiver.url, ["run.completed"])
    app_id, _ = create_app_with_suites(client, target.url, health_suite(), _failing_suite())
    job = run_suites(client, app_id)
    assert job["job_status"] == "FAILED"
    [got] = receiver.wait_for(1)
    assert got.json()["type"] == "run.completed"
    data = got.json()["data"]
    run_id = job["result"]["test_run_id"]
    assert data["test_run_id"] == run_id and data["status"] == "FAILED"
    assert data["suites"] == {"total": 2, "passed": 1, "failed": 1}
    assert data["steps"] == {"total": 2, "passed": 1, "failed": 1}
    assert data["report_url"] == (
        f"https://gauntlet.example.com/client/v1/apps/{app_id}/test-runs/{run_id}"
    )
    assert client.get(data["report_url"].removeprefix("https://gauntlet.example.com/client/v1"))


def test_a_webhook_of_one_app_hears_nothing_of_another(
    client: httpx.Client, receiver: WebhookReceiver, target: PetsTarget
) -> None:
    watched, _ = create_app_with_suites(client, target.url, health_suite())
    other, _ = create_app_with_suites(client, target.url, health_suite())
    subscribe(client, receiver.url, ["job.completed"], app_id=watched)
    run_suites(client, other)
    job = run_suites(client, watched)
    [got] = receiver.wait_for(1)
    assert got.json()["data"]["job_id"] == job["job_id"]
    assert len(receiver.received) == 1


def test_500_twice_then_200_takes_three_attempts_with_growing_delays(
    client: httpx.Client, target: PetsTarget
) -> None:
    receiver = WebhookReceiver(script=[500, 500]).start()
    try:
        hook = subscribe(client, receiver.url, ["job.completed"])
        app_id, _ = create_app_with_suites(client, target.url, health_suite())
        run_suites(client, app_id)
        got = receiver.wait_for(3)
        detail = wait_for_delivery(client, hook["id"], "SUCCEEDED")
    finally:
        receiver.stop()
    assert len({r.headers["gauntlet-webhook-id"] for r in got}) == 1
    assert [r.headers["gauntlet-delivery-attempt"] for r in got] == ["1", "2", "3"]
    first_gap, second_gap = got[1].at - got[0].at, got[2].at - got[1].at
    # Back-off: base * 2.5^(n-1), ±20 % jitter.
    assert first_gap >= RETRY_BASE_S * 0.8
    assert second_gap > first_gap
    assert detail["attempts"] == 3 and detail["status_code"] == 200
    assert [a["status_code"] for a in detail["attempt_history"]] == [500, 500, 200]
    assert detail["attempt_history"][0]["error"].startswith("HTTP 500")
    assert all(verify(r.headers["gauntlet-signature"], r.body, hook["secret"]) for r in got)


def test_a_receiver_that_hangs_is_timed_out_and_retried(
    client: httpx.Client, target: PetsTarget
) -> None:
    receiver = WebhookReceiver(script=["hang"], hang_s=30).start()
    try:
        hook = subscribe(client, receiver.url, ["job.completed"])
        app_id, _ = create_app_with_suites(client, target.url, health_suite())
        run_suites(client, app_id)
        receiver.wait_for(2, timeout=TIMEOUT_S * 10)
        detail = wait_for_delivery(client, hook["id"], "SUCCEEDED")
    finally:
        receiver.stop()
    timed_out = detail["attempt_history"][0]
    assert timed_out["status_code"] is None
    assert timed_out["error"].startswith("timeout")
    assert timed_out["latency_ms"] >= TIMEOUT_S * 1000 * 0.9
    assert detail["attempts"] == 2


def test_a_job_never_waits_for_its_webhooks(client: httpx.Client, target: PetsTarget) -> None:
    receiver = WebhookReceiver(default="hang", hang_s=30).start()
    try:
        subscribe(client, receiver.url, ["job.*"])
        app_id, _ = create_app_with_suites(client, target.url, health_suite())
        job_id = client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
        receiver.wait_for(1)  # job.queued: hanging on the receiver's side
        assert wait_for_job(client, job_id)["job_status"] == "COMPLETED"
    finally:
        receiver.stop()


def test_a_redirect_is_not_followed_and_counts_as_a_failed_attempt(
    client: httpx.Client, receiver: WebhookReceiver
) -> None:
    redirecting = WebhookReceiver(default=("redirect", receiver.url)).start()
    try:
        hook = subscribe(client, redirecting.url, ["job.*"])
        client.post(f"/webhooks/{hook['id']}/ping")
        redirecting.wait_for(1)
        found = _wait_for_error(client, hook["id"])
    finally:
        redirecting.stop()
    assert found["status_code"] == 302
    assert "redirects are not followed" in found["error"]
    assert receiver.received == []


def _wait_for_error(client: httpx.Client, webhook_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = deliveries(client, webhook_id)
        if found and found[0]["error"]:
            return found[0]
        assert time.monotonic() < deadline, found
        time.sleep(0.05)


def test_ping_reaches_the_receiver_and_is_listed(
    client: httpx.Client, receiver: WebhookReceiver
) -> None:
    hook = subscribe(client, receiver.url, ["job.completed"])
    response = client.post(f"/webhooks/{hook['id']}/ping")
    assert response.status_code == 202
    assert response.json()["data"]["status"] == "PENDING"
    [got] = receiver.wait_for(1)
    assert got.json()["type"] == "webhook.ping"
    assert got.json()["data"]["webhook_id"] == hook["id"]
    detail = wait_for_delivery(client, hook["id"], "SUCCEEDED")
    assert detail["event_type"] == "webhook.ping" and detail["latency_ms"] > 0
    assert detail["payload"] == got.json()


def test_redeliver_sends_the_same_event_again_as_a_new_delivery(
    client: httpx.Client, receiver: WebhookReceiver
) -> None:
    hook = subscribe(client, receiver.url, ["job.completed"])
    client.post(f"/webhooks/{hook['id']}/ping")
    first = wait_for_delivery(client, hook["id"], "SUCCEEDED")
    response = client.post(f"/webhooks/{hook['id']}/deliveries/{first['id']}/redeliver")
    assert response.status_code == 202
    again = response.json()["data"]
    assert again["redelivery_of"] == first["id"] and again["id"] != first["id"]
    one, two = receiver.wait_for(2)
    assert one.headers["gauntlet-webhook-id"] == two.headers["gauntlet-webhook-id"]
    assert one.body == two.body


def test_redeliver_on_a_disabled_webhook_is_a_409(
    client: httpx.Client, receiver: WebhookReceiver
) -> None:
    hook = subscribe(client, receiver.url, ["job.completed"])
    client.post(f"/webhooks/{hook['id']}/ping")
    first = wait_for_delivery(client, hook["id"], "SUCCEEDED")
    client.patch(f"/webhooks/{hook['id']}", json={"enabled": False})
    response = client.post(f"/webhooks/{hook['id']}/deliveries/{first['id']}/redeliver")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CONFLICT"


def test_rotation_signs_with_both_secrets_during_the_grace_period(
    client: httpx.Client, receiver: WebhookReceiver
) -> None:
    hook = subscribe(client, receiver.url, ["job.completed"])
    rotated = client.patch(
        f"/webhooks/{hook['id']}", json={"rotate_secret": True, "secret_grace_seconds": 3600}
    ).json()["data"]
    assert rotated["secret"] and rotated["secret"] != hook["secret"]
    assert rotated["previous_secret_expires_at"] > time.time() + 3500
    client.post(f"/webhooks/{hook['id']}/ping")
    [got] = receiver.wait_for(1)
    signature = got.headers["gauntlet-signature"]
    assert signature.count("v1=") == 2
    assert verify(signature, got.body, rotated["secret"])
    assert verify(signature, got.body, hook["secret"])


def test_after_a_rotation_without_grace_only_the_new_secret_signs(
    client: httpx.Client, receiver: WebhookReceiver
) -> None:
    hook = subscribe(client, receiver.url, ["job.completed"])
    rotated = client.patch(
        f"/webhooks/{hook['id']}", json={"rotate_secret": True, "secret_grace_seconds": 0}
    ).json()["data"]
    client.post(f"/webhooks/{hook['id']}/ping")
    [got] = receiver.wait_for(1)
    assert got.headers["gauntlet-signature"].count("v1=") == 1
    assert verify(got.headers["gauntlet-signature"], got.body, rotated["secret"])
    assert not verify(got.headers["gauntlet-signature"], got.body, hook["secret"])


def test_a_webhook_failing_for_a_day_is_disabled_and_says_why(
    serve: Api, client: httpx.Client
) -> None:
    receiver = WebhookReceiver(default=503).start()
    try:
        hook = subscribe(client, receiver.url, ["job.completed"])
        with Session(serve.runtime.engine) as session:  # as if failing since yesterday
            row = session.get(WebhookSubscription, hook["id"])
            assert row is not None
            row.failing_since = time.time() - 86_400 - 60
            session.add(row)
            session.commit()
        client.post(f"/webhooks/{hook['id']}/ping")
        detail = wait_for_delivery(client, hook["id"], "FAILED")
    finally:
        receiver.stop()
    shown = client.get(f"/webhooks/{hook['id']}").json()["data"]
    assert shown["enabled"] is False
    assert "failing for 24 h" in shown["disabled_reason"]
    assert "HTTP 503" in shown["disabled_reason"]
    assert detail["attempts"] == 1


def test_a_success_ends_the_failure_streak(client: httpx.Client, receiver: WebhookReceiver) -> None:
    receiver.script = [500]
    hook = subscribe(client, receiver.url, ["job.completed"])
    client.post(f"/webhooks/{hook['id']}/ping")
    wait_for_delivery(client, hook["id"], "SUCCEEDED")
    shown = client.get(f"/webhooks/{hook['id']}").json()["data"]
    assert shown["failing_since"] is None and shown["last_success_at"] is not None
