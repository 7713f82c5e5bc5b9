"""Locust's distributed mode on loopback: the driver as master, two worker processes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from loadgen.config import StatsLine
from loadgen.process import LoadDriver, LoadDriverError
from loadgen.worker import run_worker
from tests.loadgen.factories import load_config
from tests.support.live_server import free_port
from tests.support.pets_target import PetsTarget

pytestmark = pytest.mark.slow


def start_worker(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "loadgen.worker", "--master", "127.0.0.1"]
    return subprocess.Popen(
        [*command, "--master-port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_two_workers_carry_the_users_and_the_master_reports(
    target: PetsTarget,
) -> None:
    url = target.url
    port = free_port()
    config = load_config(
        url, virtual_users=4, duration_secs=3, expect_workers=2, master_bind_port=port
    )
    with LoadDriver(config) as driver:
        workers = [start_worker(port) for _ in range(2)]
        try:
            stats = [line for line in driver.lines() if isinstance(line, StatsLine)]
            report = driver.wait(timeout=30)
            # The master ends the test; its workers leave with it.
            assert [w.wait(timeout=15) for w in workers] == [0, 0]
        finally:
            for worker in workers:
                worker.kill()
                worker.wait()
    assert report.workers == 2 and stats[-1].workers == 2 and stats[-1].users == 4
    assert report.totals.failures == 0 and report.skipped == []
    assert [e.key for e in report.endpoints] == ["POST /pets", "GET /pets/{{petId}}"]
    # Every request the workers made is in the master's figures (give or take the ones
    # in flight when the test ended).
    assert report.totals.requests == pytest.approx(target.hits(), abs=8)
    assert sum(p.requests for p in report.timeline) == report.totals.requests


def test_a_master_without_its_workers_gives_up_with_a_clear_error(
    target: PetsTarget,
) -> None:
    url = target.url
    port = free_port()
    config = load_config(url, expect_workers=2, master_bind_port=port, workers_timeout_s=1)
    with LoadDriver(config) as driver:
        assert list(driver.lines())[-1].type == "error"
        with pytest.raises(LoadDriverError) as caught:
            driver.wait(timeout=15)
    assert caught.value.exit_code == 3
    assert f"only 0 of 2 Locust workers connected to 127.0.0.1:{port}" in caught.value.message
    assert "gauntlet loadgen-worker" in caught.value.message
    assert target.hits() == 0


def test_a_worker_without_a_master_gives_up() -> None:
    command = [sys.executable, "-m", "loadgen.worker", "--master", "127.0.0.1"]
    done = subprocess.run(
        [*command, "--master-port", str(free_port()), "--connect-timeout", "1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert "loadgen.worker.unreachable" in done.stderr


def test_run_worker_returns_the_workers_exit_status() -> None:
    assert run_worker("127.0.0.1", free_port(), connect_timeout_s=1) == 1
