"""Per-key token bucket, exact under concurrency, shared between API processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.api.conftest import MakeKey
from tests.support.api_server import Api, deployment_settings, serving
from tests.support.factories import create_key
from tests.support.live_server import free_port
from tests.support.services import create_database


def burst(url: str, key: str, count: int) -> list[httpx.Response]:
    """``count`` requests released at the same instant, one thread each."""
    barrier = threading.Barrier(count)
    responses: list[httpx.Response] = []
    lock = threading.Lock()

    def one() -> None:
        with httpx.Client(timeout=30) as client:
            barrier.wait()
            response = client.get(
                f"{url}/client/v1/users/me", headers={"Authorization": f"Bearer {key}"}
            )
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.fixture(scope="module")
def slow_refill_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """Burst 100 and a refill of 1 token a minute: over a test's few hundred milliseconds
    no token comes back, so the counts below are exact whatever the machine's speed."""
    settings = deployment_settings(
        request, tmp_path_factory.mktemp("ratelimit"), rate_limit_per_minute=1, rate_limit_burst=100
    )
    with serving(settings) as api:
        yield api


def test_burst_of_110_gives_exactly_100_ok_and_10_rate_limited(slow_refill_api: Api) -> None:
    responses = burst(slow_refill_api.url, create_key(slow_refill_api.runtime, scopes="read"), 110)
    assert Counter(r.status_code for r in responses) == {200: 100, 429: 10}
    for response in responses:
        if response.status_code == 429:
            assert response.json()["error"]["code"] == "RATE_LIMITED"
            assert int(response.headers["retry-after"]) >= 1
            assert response.headers["x-ratelimit-remaining"] == "0"
            assert int(response.headers["x-ratelimit-reset"]) >= 1


def test_default_limit_refuses_a_burst_beyond_100(api: Api, make_key: MakeKey, org: str) -> None:
    started = time.monotonic()
    responses = burst(api.url, make_key(org, "read"), 110)
    elapsed = time.monotonic() - started
    ok = sum(r.status_code == 200 for r in responses)
    # 100 a minute refills one token every 0.6 s while the burst is in flight.
    assert 100 <= ok <= 100 + int(elapsed / 0.6) + 1
    assert ok + sum(r.status_code == 429 for r in responses) == 110


def test_buckets_are_per_key(api: Api, make_key: MakeKey, org: str) -> None:
    first, second = make_key(org, "read"), make_key(org, "read")
    with api.client(first) as client:
        remaining = [
            int(client.get("/users/me").headers["x-ratelimit-remaining"]) for _ in range(3)
        ]
    assert remaining == [99, 98, 97]
    with api.client(second) as client:
        assert client.get("/users/me").headers["x-ratelimit-remaining"] == "99"


def _start_api_process(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "orchestrator.cli", "api", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "API process exited"
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url} did not become healthy")


def test_two_api_processes_share_one_budget_through_redis(
    redis_url: str, postgres_url: str, tmp_path: Path
) -> None:
    import secrets

    database = create_database(postgres_url, f"gauntlet_rl_{secrets.token_hex(4)}")
    env = os.environ | {
        "GAUNTLET_DATABASE_URL": database,
        "GAUNTLET_REDIS_URL": redis_url,
        "GAUNTLET_RATE_LIMIT_PER_MINUTE": "1",
        "GAUNTLET_DATA_DIR": str(tmp_path),
    }
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestrator.cli",
            "keys",
            "create",
            "--org",
            "shared",
            "--name",
            "k",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    key = created.stdout.strip().splitlines()[-1]
    ports = [free_port(), free_port()]
    processes = [_start_api_process(env, port, tmp_path / f"api{port}.log") for port in ports]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process in zip(urls, processes, strict=True):
            _wait_healthy(url, process)
        results: list[httpx.Response] = []
        threads = [
            threading.Thread(target=lambda u=url: results.extend(burst(u, key, 55))) for url in urls
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert Counter(r.status_code for r in results) == {200: 100, 429: 10}
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
