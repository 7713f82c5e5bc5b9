"""The scaled deployment for real: `gauntlet api` and two `gauntlet worker` processes on a
private Redis and PostgreSQL. A worker killed with SIGKILL mid-job loses nothing: every
job still ends COMPLETED exactly once with gap-free events; SIGTERM hands jobs back."""

from __future__ import annotations

import ctypes
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.factories import create_app_with_suites, health_suite
from tests.support.jobs import wait_for_job
from tests.support.pets_target import PetsTarget
from tests.support.processes import Processes
from tests.support.services import create_database

GAUNTLET = [sys.executable, "-m", "orchestrator.cli"]
# tgkill(2)'s syscall number: signals one thread of a process.
SYS_TGKILL = {"x86_64": 234, "aarch64": 131}[platform.machine()]


class Cluster(Processes):
    """The API process on ``redis_url`` and a fresh PostgreSQL database; tests start the
    workers they kill."""

    def __init__(self, tmp_path: Path, redis_url: str, postgres_url: str) -> None:
        database = create_database(postgres_url, f"gauntlet_cluster_{secrets.token_hex(4)}")
        super().__init__(
            tmp_path,
            GAUNTLET_DATABASE_URL=database,
            GAUNTLET_REDIS_URL=redis_url,
            GAUNTLET_REDIS_NAMESPACE=f"c{secrets.token_hex(4)}",
            GAUNTLET_JOB_LEASE_SECONDS="3",
            GAUNTLET_WORKER_THREADS="2",
        )

    def start(self) -> str:
        """The API up; an admin key to reach it with."""
        key = self.create_key()
        self.serve("api")
        return key

    def wait_exit(self, name: str, process: subprocess.Popen[bytes], timeout: float) -> int:
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name} still runs {timeout} s after SIGTERM:\n{self.log(name)}")


@pytest.fixture
def cluster(tmp_path: Path, redis_url: str, postgres_url: str) -> Iterator[Cluster]:
    running = Cluster(tmp_path, redis_url, postgres_url)
    yield running
    running.stop()


def _events(client: httpx.Client, job_id: str) -> list[dict]:
    with client.stream("GET", f"/jobs/{job_id}/events", params={"follow": "false"}) as response:
        return [json.loads(line) for line in response.iter_lines() if line]


def _wait_until_running_on(client: httpx.Client, job_ids: list[str], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while (
        sum(client.get(f"/jobs/{j}").json()["data"]["job_status"] == "RUNNING" for j in job_ids) < 2
    ):
        assert time.monotonic() < deadline, "jobs did not start"
        time.sleep(0.05)


def _start_runs(
    client: httpx.Client, target: PetsTarget, *, steps: int, count: int
) -> tuple[str, list[str]]:
    """An app with one ``steps``-step suite, ``count`` runs of it, two of them RUNNING."""
    app_id, _ = create_app_with_suites(client, target.url, health_suite(steps=steps))
    jobs = [
        client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
        for _ in range(count)
    ]
    _wait_until_running_on(client, jobs)
    return app_id, jobs


def test_sigkill_of_a_worker_loses_no_job(cluster: Cluster, target: PetsTarget) -> None:
    key = cluster.start()
    first = cluster.spawn("worker1", "worker")
    target.slow_ms = 100
    try:
        with cluster.client(key) as client:
            # Running on the first worker: the only one yet.
            app_id, jobs = _start_runs(client, target, steps=15, count=6)
            cluster.spawn("worker2", "worker")
            first.send_signal(signal.SIGKILL)
            finished = [wait_for_job(client, job_id, timeout=90) for job_id in jobs]
            assert [job["job_status"] for job in finished] == ["COMPLETED"] * 6
            for job_id in jobs:
                events = _events(client, job_id)
                assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
                terminal = [
                    e for e in events if e["type"] in ("job.completed", "job.failed", "job.stopped")
                ]
                assert [e["type"] for e in terminal] == ["job.completed"]
                runs = client.get(f"/apps/{app_id}/test-runs", params={"limit": 100}).json()["data"]
                assert sum(run["job_id"] == job_id for run in runs) == 1
            assert any(job["job_status"] for job in finished)
            restarted = [
                j for j in jobs if any(e["type"] == "job.restarted" for e in _events(client, j))
            ]
            assert restarted, "the killed worker held no job; the test proved nothing"
    finally:
        target.slow_ms = 0


def _signal_a_side_thread(pid: int, signum: int) -> None:
    """Deliver ``signum`` to a thread other than the main one, as the kernel may do with a
    plain kill: the main thread must still wake up for it."""
    threads = sorted(int(tid) for tid in os.listdir(f"/proc/{pid}/task") if int(tid) != pid)
    assert threads, "the worker runs no thread besides its main one"
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(SYS_TGKILL, pid, threads[0], signum) != 0:
        raise OSError(ctypes.get_errno(), "tgkill failed")


@pytest.mark.parametrize("to_a_side_thread", [False, True], ids=["to-process", "to-side-thread"])
def test_sigterm_hands_running_jobs_back_within_the_grace(
    cluster: Cluster, target: PetsTarget, to_a_side_thread: bool
) -> None:
    key = cluster.start()
    first = cluster.spawn("worker1", "worker")
    target.slow_ms = 100
    try:
        with cluster.client(key) as client:
            _, jobs = _start_runs(client, target, steps=20, count=2)
            if to_a_side_thread:
                _signal_a_side_thread(first.pid, signal.SIGTERM)
            else:
                first.send_signal(signal.SIGTERM)
            assert cluster.wait_exit("worker1", first, timeout=15) == 0, cluster.log("worker1")
            states = [client.get(f"/jobs/{j}").json()["data"]["job_status"] for j in jobs]
            assert states == ["QUEUED", "QUEUED"]
            cluster.spawn("worker2", "worker")
            assert [wait_for_job(client, j, timeout=60)["job_status"] for j in jobs] == [
                "COMPLETED"
            ] * 2
    finally:
        target.slow_ms = 0
