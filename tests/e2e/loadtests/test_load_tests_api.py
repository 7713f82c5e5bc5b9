"""Load tests through the API: a real Locust driver process against a loopback target."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.factories import create_app_with_suites, crud_suite, health_suite
from tests.support.jobs import read_events, wait_for_job
from tests.support.live_server import free_port
from tests.support.pets_target import PetsTarget

pytestmark = pytest.mark.slow


def start(client: httpx.Client, app_id: str, **body: object) -> dict:
    response = client.post(
        f"/apps/{app_id}/load-tests", json={"virtual_users": 2, "duration_secs": 3} | body
    )
    assert response.status_code == 202, response.text
    return dict(response.json()["data"])


def test_load_test_streams_stats_and_keeps_a_report(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, _ = create_app_with_suites(client, target.url, crud_suite(), health_suite())
    accepted = start(client, app_id, profile="ramp")
    events = read_events(client, accepted["job_id"])
    stats = [e for e in events if e["type"] == "load.stats"]
    assert len(stats) >= 2 and stats[-1]["data"]["requests"] > 0
    assert events[-1]["type"] == "job.completed"
    job = wait_for_job(client, accepted["job_id"])
    assert (
        job["job_type"] == "LOAD_TEST" and job["result"]["load_test_id"] == accepted["load_test_id"]
    )
    load = client.get(f"/apps/{app_id}/load-tests/{accepted['load_test_id']}").json()["data"]
    assert load["status"] == "COMPLETED"
    report = load["report"]
    assert report["totals"]["requests"] > 0 and report["totals"]["failures"] == 0
    assert {e["name"] for e in report["endpoints"]} >= {"/pets", "/pets/{{petId}}", "/health"}
    assert report["timeline"] and all(point["t"] > 0 for point in report["timeline"])
    for key in ("min_ms", "avg_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms"):
        assert key in report["totals"]
    listed = client.get(f"/apps/{app_id}/load-tests").json()
    assert [lt["id"] for lt in listed["data"]] == [accepted["load_test_id"]]
    with client.stream(
        "GET", f"/apps/{app_id}/load-tests/{accepted['load_test_id']}/events"
    ) as response:
        assert sum(1 for line in response.iter_lines() if '"load.stats"' in line) == len(stats)


def test_crossed_threshold_fails_the_job(client: httpx.Client, target: PetsTarget) -> None:
    app_id, _ = create_app_with_suites(client, target.url, health_suite())
    accepted = start(
        client, app_id, duration_secs=2, thresholds=[{"metric": "rps", "op": "lt", "value": 0.5}]
    )
    job = wait_for_job(client, accepted["job_id"])
    assert job["job_status"] == "FAILED" and "threshold" in job["error"]
    report = client.get(f"/apps/{app_id}/load-tests/{accepted['load_test_id']}").json()["data"][
        "report"
    ]
    assert report["thresholds_passed"] is False and report["thresholds"][0]["passed"] is False


def test_a_load_test_against_a_target_that_is_down_fails_and_says_why(
    client: httpx.Client,
) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    app_id, _ = create_app_with_suites(client, down, health_suite())
    accepted = start(client, app_id, duration_secs=2)
    job = wait_for_job(client, accepted["job_id"])
    assert job["job_status"] == "FAILED"
    assert "requests failed" in job["error"] and "max_error_rate" in job["error"]
    report = client.get(f"/apps/{app_id}/load-tests/{accepted['load_test_id']}").json()["data"][
        "report"
    ]
    assert report["passed"] is False and report["thresholds"] == []
    assert report["reasons"] == [job["error"]]


def test_max_error_rate_one_lets_a_failing_load_test_complete(client: httpx.Client) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    app_id, _ = create_app_with_suites(client, down, health_suite())
    accepted = start(client, app_id, duration_secs=1, max_error_rate=1)
    assert wait_for_job(client, accepted["job_id"])["job_status"] == "COMPLETED"


def test_workers_asked_for_carry_the_users(client: httpx.Client, target: PetsTarget) -> None:
    app_id, _ = create_app_with_suites(client, target.url, health_suite())
    accepted = start(client, app_id, virtual_users=3, duration_secs=2, workers=3)
    assert wait_for_job(client, accepted["job_id"])["job_status"] == "COMPLETED"
    load = client.get(f"/apps/{app_id}/load-tests/{accepted['load_test_id']}").json()["data"]
    assert load["report"]["workers"] == 3 and load["params"]["workers"] == 3


def test_stop_ends_the_load_within_two_seconds_keeping_stats(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, _ = create_app_with_suites(client, target.url, health_suite())
    accepted = start(client, app_id, duration_secs=60)
    with client.stream("GET", f"/jobs/{accepted['job_id']}/events") as response:
        for line in response.iter_lines():
            if '"load.stats"' in line:
                break
    asked = time.monotonic()
    stopped = client.post(f"/apps/{app_id}/load-tests/{accepted['load_test_id']}/stop")
    assert stopped.status_code == 200
    job = wait_for_job(client, accepted["job_id"], timeout=10)
    assert time.monotonic() - asked < 2.5
    assert job["job_status"] == "STOPPED"
    load = client.get(f"/apps/{app_id}/load-tests/{accepted['load_test_id']}").json()["data"]
    assert load["status"] == "STOPPED" and load["report"]["stopped_early"] is True
    assert load["report"]["totals"]["requests"] > 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"virtual_users": 0}, "virtual_users"),
        ({"virtual_users": 1_000_000}, "virtual_users"),
        ({"duration_secs": -5}, "duration_secs"),
        ({"duration_secs": 10**9}, "duration_secs"),
        ({"profile": "tsunami"}, "profile"),
        ({"spawn_rate": 0}, "spawn_rate"),
        ({"thresholds": [{"metric": "vibes", "value": 1}]}, "thresholds[0].metric"),
        ({"base_url": "ftp://x"}, "base_url"),
        ({"workers": 0}, "workers"),
        ({"workers": 65}, "workers"),
        ({"max_error_rate": 1.01}, "max_error_rate"),
    ],
)
def test_bad_load_test_is_400_and_starts_nothing(
    client: httpx.Client, target: PetsTarget, body: dict, field: str
) -> None:
    app_id, _ = create_app_with_suites(client, target.url, health_suite())
    response = client.post(
        f"/apps/{app_id}/load-tests", json={"virtual_users": 2, "duration_secs": 3} | body
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"][0]["field"] == field
    assert client.get("/jobs").json()["meta"]["pagination"]["total_count"] == 0


def test_app_without_suites_is_400(client: httpx.Client, target: PetsTarget) -> None:
    app_id, _ = create_app_with_suites(client, target.url)
    response = client.post(
        f"/apps/{app_id}/load-tests", json={"virtual_users": 2, "duration_secs": 3}
    )
    assert response.status_code == 400
    assert "no test suites" in response.json()["error"]["message"]


def test_a_driver_that_dies_fails_the_job_with_a_reason(
    client: httpx.Client, target: PetsTarget
) -> None:
    import os
    import signal

    import psutil

    app_id, _ = create_app_with_suites(client, target.url, health_suite())
    accepted = start(client, app_id, duration_secs=60)
    with client.stream("GET", f"/jobs/{accepted['job_id']}/events") as response:
        for line in response.iter_lines():
            if '"load.stats"' in line:
                break
    # Direct children only: a driver's local workers are forks with the same command line.
    drivers = [
        p
        for p in psutil.Process(os.getpid()).children()
        if "loadgen.driver" in " ".join(p.cmdline())
    ]
    assert len(drivers) == 1
    drivers[0].send_signal(signal.SIGKILL)
    job = wait_for_job(client, accepted["job_id"], timeout=30)
    assert job["job_status"] == "FAILED"
    assert "load driver" in job["error"]
    load = client.get(f"/apps/{app_id}/load-tests/{accepted['load_test_id']}").json()["data"]
    assert load["status"] == "FAILED" and load["error"]
