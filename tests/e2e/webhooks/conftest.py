"""Webhooks end to end: ``gauntlet serve`` (API and worker threads, in the deployment
under test) with retries, timeouts and leases made short, and receivers on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from runner import DEFAULT_DENIED
from tests.support.api_server import Api, deployment_settings, serving
from tests.support.factories import admin_client
from tests.support.webhook_receiver import WebhookReceiver

# Short enough for tests, in the same proportions as the defaults.
RETRY_BASE_S = 0.3
TIMEOUT_S = 1.0


@pytest.fixture(scope="module")
def serve(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    settings = deployment_settings(
        request,
        tmp_path_factory.mktemp("webhooks"),
        job_lease_seconds=3,
        rate_limit_per_minute=100_000,
        rate_limit_burst=100_000,
        webhook_retry_base_seconds=RETRY_BASE_S,
        webhook_timeout_seconds=TIMEOUT_S,
        webhook_lease_seconds=3,
        webhook_cache_seconds=0,
        public_url="https://gauntlet.example.com",
        denied_target_hosts=[*DEFAULT_DENIED, "10.0.0.0/8", "*.internal"],
    )
    with serving(settings, embedded_workers=True) as api:
        yield api


@pytest.fixture
def client(serve: Api) -> Iterator[httpx.Client]:
    """An admin client of a new organization."""
    with admin_client(serve) as c:
        yield c


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


def subscribe(client: httpx.Client, url: str, events: list[str], **fields: object) -> dict:
    """A new webhook (asserting the 201); its data, secret included."""
    response = client.post("/webhooks", json={"url": url, "events": events, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


def deliveries(client: httpx.Client, webhook_id: str) -> list[dict]:
    response = client.get(f"/webhooks/{webhook_id}/deliveries", params={"limit": 100})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def wait_for_delivery(
    client: httpx.Client, webhook_id: str, status: str, timeout: float = 30
) -> dict:
    """Poll with a deadline until the newest delivery of the webhook has ``status``; its
    detail (attempt history and body)."""
    deadline = time.monotonic() + timeout
    while True:
        found = deliveries(client, webhook_id)
        if found and found[0]["status"] == status:
            detail = client.get(f"/webhooks/{webhook_id}/deliveries/{found[0]['id']}")
            return dict(detail.json()["data"])
        assert time.monotonic() < deadline, f"deliveries: {found}"
        time.sleep(0.05)
