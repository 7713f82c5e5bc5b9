"""/livez and /readyz tell an orchestrator the truth: /healthz used to answer 200 while
Redis was down and while the disk was full.

/livez answers whatever the dependencies do (restarting the process would not help);
/readyz (and its alias /healthz) answers 503 naming the failing check.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from core.settings import Settings
from orchestrator.app import create_app
from orchestrator.runtime import build_runtime
from tests.support.live_server import LiveServer
from tests.support.outages import stoppable_redis


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    runtime = build_runtime(settings)
    server = LiveServer(create_app(settings, runtime)).start()
    try:
        yield server.url
    finally:
        server.stop()
        runtime.close()


def failing(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 503, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE"
    assert "Traceback" not in response.text
    return {detail["field"]: detail["message"] for detail in error["details"]}


def test_a_healthy_embedded_server_is_alive_and_ready(tmp_path: Path) -> None:
    with serving(Settings(data_dir=tmp_path)) as url:
        live = httpx.get(f"{url}/livez")
        ready = httpx.get(f"{url}/readyz")
        health = httpx.get(f"{url}/healthz")

    assert live.status_code == 200 and live.json()["data"]["status"] == "alive"
    assert ready.status_code == 200, ready.text
    checks = {check["name"]: check for check in ready.json()["data"]["checks"]}
    assert set(checks) == {"database", "disk"}
    assert all(check["ok"] for check in checks.values())
    assert health.status_code == 200
    assert health.json()["data"]["deployment"] == "embedded"


def test_a_full_disk_makes_the_server_unready_but_alive(tmp_path: Path) -> None:
    # More free space than any disk has: the data directory counts as full.
    settings = Settings(data_dir=tmp_path, ready_min_free_mb=1_000_000_000)
    with serving(settings) as url:
        live = httpx.get(f"{url}/livez")
        ready = httpx.get(f"{url}/readyz")
        health = httpx.get(f"{url}/healthz")

    assert live.status_code == 200
    problems = failing(ready)
    assert set(problems) == {"disk"}
    assert "disk full" in problems["disk"]
    assert "disk" in ready.json()["error"]["message"]
    assert set(failing(health)) == {"disk"}


def test_redis_down_makes_the_server_unready_but_alive(tmp_path: Path) -> None:
    with stoppable_redis() as redis_server:
        settings = Settings(data_dir=tmp_path, redis_url=redis_server.url)
        with serving(settings) as url:
            before = httpx.get(f"{url}/readyz")
            redis_server.stop()
            live = httpx.get(f"{url}/livez")
            ready = httpx.get(f"{url}/readyz")
            redis_server.start()
            after = httpx.get(f"{url}/readyz")

    assert before.status_code == 200, before.text
    assert {c["name"] for c in before.json()["data"]["checks"]} == {"database", "redis", "disk"}
    assert live.status_code == 200
    problems = failing(ready)
    assert set(problems) == {"redis"}
    assert "unreachable" in problems["redis"]
    assert int(ready.headers["retry-after"]) >= 1
    assert after.status_code == 200, after.text
