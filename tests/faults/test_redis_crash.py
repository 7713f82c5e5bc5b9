"""The scaled deployment while its Redis crashes (SIGKILL) with jobs running: the API
answers 503 with Retry-After meanwhile, and nothing submitted during the outage exists;
afterwards every accepted job ends, exactly once, with every event in its log when Redis
kept its append-only file, and with logs and streams that say what was lost when it came
back empty."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.faults.conftest import Cluster
from tests.support import services
from tests.support.factories import create_app_with_suites, health_suite
from tests.support.jobs import read_events, wait_for_job
from tests.support.pets_target import PetsTarget

pytestmark = [pytest.mark.faults, pytest.mark.slow]

STEPS = 30
TERMINAL_TYPES = {"job.completed", "job.failed", "job.stopped", "job.cancelled"}


def _run(client: httpx.Client, app_id: str) -> httpx.Response:
    return client.post(f"/apps/{app_id}/test-suites/run", json={})


def _wait_until_running(client: httpx.Client, jobs: list[str], events_each: int) -> None:
    """Both worker threads busy, each job with ``events_each`` events stored at least."""
    deadline = time.monotonic() + 20
    while not all(
        client.get(f"/jobs/{job}").json()["data"]["job_status"] == "RUNNING"
        and len(read_events(client, job, follow="false")) >= events_each
        for job in jobs
    ):
        assert time.monotonic() < deadline, "the jobs did not get going"
        time.sleep(0.05)


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert int(response.headers["retry-after"]) > 0


def _runs(client: httpx.Client, app_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/apps/{app_id}/test-runs", params={"limit": 100})
    return list(response.json()["data"])


def _runs_per_job(client: httpx.Client, app_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for run in _runs(client, app_id):
        counts[run["job_id"]] = counts.get(run["job_id"], 0) + 1
    return counts


def test_a_crash_with_aof_loses_no_event_and_runs_no_job_twice(
    cluster: Cluster, client: httpx.Client, target: PetsTarget
) -> None:
    target.slow_ms = 30
    app_id, _ = create_app_with_suites(client, target.url, health_suite(steps=STEPS))
    jobs = [_run(client, app_id).json()["data"]["job_id"] for _ in range(3)]
    _wait_until_running(client, jobs[:2], events_each=5)  # the third one waits

    services.kill_now(cluster.redis)
    _assert_unavailable(client.get("/jobs"))
    _assert_unavailable(_run(client, app_id))  # and creates nothing (below)
    time.sleep(1.0)  # the running jobs go on meanwhile, into their buffers
    services.restart_redis(cluster.redis, keep_data=True)

    finished = [wait_for_job(client, job, timeout=25) for job in jobs]
    assert [job["job_status"] for job in finished] == ["COMPLETED"] * 3, cluster.log("worker")
    steps_run = {run["job_id"]: run["total_steps"] for run in _runs(client, app_id)}
    assert set(steps_run.values()) == {STEPS}
    for job in jobs:
        events = read_events(client, job, follow="false")
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        types = [e["type"] for e in events]
        assert types.count("step.completed") == steps_run[job], types
        assert [t for t in types if t in TERMINAL_TYPES] == ["job.completed"]
        assert "stream.reset" not in types
    assert _runs_per_job(client, app_id) == dict.fromkeys(jobs, 1)
    assert "events.append_failing" in cluster.logged("worker"), "no event met the outage"
    listed = client.get("/jobs", params={"limit": 100, "app_id": app_id}).json()["data"]
    assert sorted(job["job_id"] for job in listed) == sorted(jobs)


def test_a_redis_back_without_its_data_tells_followers_and_loses_no_job(
    cluster: Cluster, client: httpx.Client, target: PetsTarget
) -> None:
    target.slow_ms = 30
    app_id, _ = create_app_with_suites(client, target.url, health_suite(steps=STEPS))
    done = _run(client, app_id).json()["data"]["job_id"]
    wait_for_job(client, done, timeout=20)
    jobs = [_run(client, app_id).json()["data"]["job_id"] for _ in range(2)]
    _wait_until_running(client, jobs, events_each=5)
    seen = {job: read_events(client, job, follow="false")[-1]["seq"] for job in jobs}

    services.restart_redis(cluster.redis, keep_data=False)  # SIGKILL, back empty

    finished = [wait_for_job(client, job, timeout=25) for job in jobs]
    assert [job["job_status"] for job in finished] == ["COMPLETED"] * 2, cluster.log("worker")
    for job in jobs:
        # A follower resuming where it was is told first, then sees the job end.
        events: list[dict[str, Any]] = read_events(client, job, after=seen[job])
        assert events[0]["type"] == "stream.reset", events[:3]
        assert "earlier events" in events[0]["data"]["reason"]
        assert events[-1]["type"] == "job.completed"
        after_reset = [e["seq"] for e in events]
        assert after_reset == list(range(after_reset[0], after_reset[0] + len(events)))
    # A job that ended before the crash: its log is gone; the stream says so and
    # ends with the status its row keeps.
    ended = read_events(client, done, after=3)
    assert [(e["type"], e["status"]) for e in ended] == [("stream.ended", "COMPLETED")]
    assert _runs_per_job(client, app_id) == dict.fromkeys([done, *jobs], 1)
