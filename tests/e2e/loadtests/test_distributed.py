"""Beyond one machine: with GAUNTLET_LOAD_WORKERS set, the load test's driver is a Locust
master and `gauntlet loadgen-worker` processes carry the users (two, on loopback)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from tests.support.api_server import serving
from tests.support.factories import admin_client, create_app_with_suites, health_suite
from tests.support.jobs import wait_for_job
from tests.support.live_server import free_port
from tests.support.pets_target import PetsTarget

pytestmark = pytest.mark.slow


@pytest.fixture
def distributed(tmp_path: Path) -> Iterator[tuple[httpx.Client, int]]:
    port = free_port()
    # The job is polled every 50 ms for as long as the workers take to join: no limit.
    settings = Settings(
        data_dir=tmp_path,
        load_workers=2,
        load_master_port=port,
        rate_limit_per_minute=100_000,
        rate_limit_burst=100_000,
    )
    with serving(settings, embedded_workers=True) as api, admin_client(api, timeout=60) as client:
        yield client, port


def test_two_loadgen_workers_carry_the_users(
    distributed: tuple[httpx.Client, int], target: PetsTarget, tmp_path: Path
) -> None:
    client, port = distributed
    app_id, _ = create_app_with_suites(client, target.url, health_suite())
    accepted = client.post(
        f"/apps/{app_id}/load-tests", json={"virtual_users": 4, "duration_secs": 3}
    ).json()["data"]
    workers = []
    for i in range(2):
        with (tmp_path / f"w{i}.log").open("wb") as log:
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "orchestrator.cli",
                        "loadgen-worker",
                        "--master",
                        "127.0.0.1",
                        "--master-port",
                        str(port),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        job = wait_for_job(client, accepted["job_id"], timeout=60)
        assert job["job_status"] == "COMPLETED", job
        report = client.get(f"/apps/{app_id}/load-tests/{accepted['load_test_id']}").json()["data"][
            "report"
        ]
        assert report["workers"] == 2 and report["totals"]["requests"] > 0
        for worker in workers:
            assert worker.wait(timeout=30) == 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
            worker.wait()
