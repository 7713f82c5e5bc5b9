"""Embedded recovery: the in-memory broker's messages die with the process, the rows do
not. A restarted `gauntlet serve` sends every delivery the last process left PENDING,
and makes again the attempt a process was in the middle of."""

from __future__ import annotations

import time
from pathlib import Path

from sqlmodel import Session, select

from core.settings import Settings
from orchestrator.app import create_app
from orchestrator.runtime import build_runtime
from storage.webhook_models import WebhookDelivery
from tests.e2e.webhooks.conftest import subscribe, wait_for_delivery
from tests.support.factories import client_for, create_key
from tests.support.live_server import LiveServer
from tests.support.webhook_receiver import WebhookReceiver


def test_a_restarted_embedded_server_sends_what_the_last_one_left(
    tmp_path: Path, receiver: WebhookReceiver
) -> None:
    # Always embedded: this is its recovery (scaled: test_scaled_delivery.py).
    settings = Settings(
        data_dir=tmp_path,
        rate_limit_per_minute=100_000,
        rate_limit_burst=100_000,
        webhook_timeout_seconds=1,
        webhook_lease_seconds=300,
    )
    runtime = build_runtime(settings)
    key = create_key(runtime)
    # First life: the API alone, no delivery threads: pings are accepted, never sent.
    first = LiveServer(create_app(settings, runtime)).start()
    with client_for(first.url, key) as client:
        hook = subscribe(client, receiver.url, ["job.*"])
        waiting, interrupted = (
            client.post(f"/webhooks/{hook['id']}/ping").json()["data"]["id"] for _ in range(2)
        )
    first.stop()
    with Session(runtime.engine) as session:  # as if a worker died mid-attempt, lease valid
        row = session.exec(select(WebhookDelivery).where(WebhookDelivery.id == interrupted)).one()
        row.status, row.attempts = "DELIVERING", 1
        row.lease_owner, row.lease_expires_at = "dead:1:x", time.time() + 300
        session.add(row)
        session.commit()
    runtime.close()
    assert receiver.received == []
    # Second life: `gauntlet serve`, with delivery threads.
    runtime = build_runtime(settings)
    second = LiveServer(create_app(settings, runtime, embedded_workers=True)).start()
    try:
        with client_for(second.url, key) as client:
            receiver.wait_for(2)
            wait_for_delivery(client, hook["id"], "SUCCEEDED")
            listed = client.get(f"/webhooks/{hook['id']}/deliveries").json()["data"]
            redone = client.get(f"/webhooks/{hook['id']}/deliveries/{interrupted}").json()
    finally:
        second.stop()
        runtime.close()
    assert {d["id"]: d["status"] for d in listed} == {
        waiting: "SUCCEEDED",
        interrupted: "SUCCEEDED",
    }
    history = redone["data"]["attempt_history"]
    assert [a["status_code"] for a in history] == [None, 200]
    assert history[0]["error"] == "the worker stopped during this attempt"
