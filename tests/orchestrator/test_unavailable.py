"""A dependency that cannot be reached answers 503 SERVICE_UNAVAILABLE with Retry-After,
in the error envelope, wherever it is found: in the guard (the rate limiter's Redis) or
inside a route (the event store's Redis) — never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from orchestrator.app import create_app
from orchestrator.ratelimit import RedisRateLimiter
from orchestrator.runtime import Runtime, build_runtime
from orchestrator.services import keys as key_service
from storage.db import session_scope
from storage.events import RedisEventStore
from tests.support.live_server import LiveServer, free_port


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = build_runtime(Settings(data_dir=tmp_path))
    yield runtime
    runtime.close()


@pytest.fixture
def nobody_listens() -> str:
    """A Redis URL on a loopback port where nothing listens."""
    return f"redis://127.0.0.1:{free_port()}/0"


def serve(runtime: Runtime) -> tuple[LiveServer, str]:
    with session_scope(runtime.engine) as session:
        key = key_service.create_for_org_name(session, "acme", "ci", ["admin"], None).key
    return LiveServer(create_app(runtime.settings, runtime)).start(), key


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert "Redis" in body["error"]["message"] or "unavailable" in body["error"]["message"]
    assert body["meta"]["request_id"] == response.headers["x-request-id"]
    assert int(response.headers["retry-after"]) >= 1
    assert "Traceback" not in response.text


def test_an_unreachable_rate_limiter_answers_503(runtime: Runtime, nobody_listens: str) -> None:
    runtime.limiter = RedisRateLimiter(100, 100, nobody_listens, socket_timeout_s=0.5)
    server, key = serve(runtime)
    try:
        response = httpx.get(
            f"{server.url}/client/v1/apps", headers={"Authorization": f"Bearer {key}"}
        )
    finally:
        server.stop()
        runtime.limiter.close()

    assert_unavailable(response)


def test_an_unreachable_event_store_answers_503(runtime: Runtime, nobody_listens: str) -> None:
    sql_events = runtime.events
    runtime.events = RedisEventStore(nobody_listens, key_prefix="unreachable:")
    server, key = serve(runtime)
    try:
        response = httpx.get(
            f"{server.url}/client/v1/events?follow=false",
            headers={"Authorization": f"Bearer {key}"},
        )
    finally:
        server.stop()
        runtime.events.close()
        runtime.events = sql_events

    assert_unavailable(response)
