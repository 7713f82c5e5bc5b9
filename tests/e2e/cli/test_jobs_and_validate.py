"""``gauntlet jobs list|show|stop|events`` and ``gauntlet validate``."""

from __future__ import annotations

import json
import time

import httpx

from tests.e2e.cli.conftest import Cli, assert_exit, lines
from tests.e2e.cli.suites import failing_suite, labelled, slow_suite
from tests.support.factories import create_app_with_suites, health_suite
from tests.support.jobs import run_suites, wait_for_job
from tests.support.pets_target import PetsTarget


def test_jobs_list_is_a_table_with_a_header_and_json_for_machines(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, health_suite())
    jobs = [run_suites(http, app)["job_id"] for _ in range(3)]

    table = cli("jobs", "list", "--app", app)
    as_json = cli("jobs", "list", "--app", app, "--json", "--limit", "2")

    assert_exit(table, 0)
    rows = lines(table.stdout)
    assert rows[0].split() == ["JOB", "TYPE", "STATUS", "APP", "CREATED", "PROGRESS"]
    assert [row.split()[0] for row in rows[1:]] == jobs[::-1]
    assert all(row.split()[1:3] == ["RUN", "COMPLETED"] for row in rows[1:])
    assert_exit(as_json, 0)
    assert [j["job_id"] for j in json.loads(as_json.stdout)] == jobs[::-1][:2]


def test_jobs_show_and_events_of_a_finished_job(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, failing_suite())
    job_id = run_suites(http, app)["job_id"]

    shown = cli("jobs", "show", job_id)
    stored = cli("jobs", "events", job_id, "--no-follow", "--json")
    followed = cli("jobs", "events", job_id, "--after", "2")

    assert_exit(shown, 0)
    assert f"job_id: {job_id}" in shown.stdout and "job_status: FAILED" in shown.stdout
    assert "error: 1 of 1 suites failed" in shown.stdout
    assert_exit(stored, 0)
    events = [json.loads(line) for line in lines(stored.stdout)]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["type"] == "job.failed"
    step = next(e for e in events if e["type"] == "step.completed")
    assert step["data"]["failures"][0] == {
        "type": "status_code",
        "expected": 201,
        "actual": 200,
        "reason": "expected status 201, got 200",
    }
    assert_exit(followed, 1)  # following ends as the job did: tests failed
    assert lines(followed.stdout)[0].split()[0] == "3"


def test_jobs_stop_stops_a_running_job(cli: Cli, http: httpx.Client, target: PetsTarget) -> None:
    app, _ = create_app_with_suites(http, target.url, slow_suite(steps=40, ms=250))
    job_id = http.post(f"/apps/{app}/test-suites/run", json={}).json()["data"]["job_id"]
    deadline = time.monotonic() + 30
    while http.get(f"/jobs/{job_id}").json()["data"]["job_status"] == "QUEUED":
        assert time.monotonic() < deadline
        time.sleep(0.05)

    result = cli("jobs", "stop", job_id)

    assert_exit(result, 0)
    assert result.stdout.startswith(f"{job_id}: ")
    assert wait_for_job(http, job_id)["job_status"] == "STOPPED"
    again = cli("jobs", "stop", job_id)
    assert_exit(again, 2)
    assert "409 CONFLICT" in again.stderr


def test_jobs_of_another_organization_are_not_found(cli: Cli) -> None:
    result = cli("jobs", "show", "job_doesnotexist")
    assert_exit(result, 2)
    assert result.stderr.startswith("error: 404 RESOURCE_NOT_FOUND: ")


def test_validate_explains_failing_steps_and_exits_1(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, (good, bad) = create_app_with_suites(http, target.url, health_suite(), failing_suite())

    passed = cli("validate", "--app", app, "--suite", good)
    failed = cli("validate", "--app", app, "--suite", bad)

    assert_exit(passed, 0)
    assert f"VALID health ({good}): every step passed" in passed.stdout
    assert_exit(failed, 1)
    assert f"INVALID health is 201 ({bad}): 1 of 1 step(s) failed" in failed.stdout
    assert "  step 001 health:" in failed.stdout
    explanation = failed.stdout[failed.stdout.index("step 001 health:") :]
    assert "201" in explanation and "200" in explanation


def test_validate_by_label_validates_each_labelled_suite(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, ids = create_app_with_suites(
        http,
        target.url,
        labelled(health_suite("a"), "smoke"),
        labelled(health_suite("b"), "smoke"),
        failing_suite("c"),
    )

    result = cli("validate", "--app", app, "--label", "smoke")

    assert_exit(result, 0)
    assert f"VALID a ({ids[0]})" in result.stdout and f"VALID b ({ids[1]})" in result.stdout
    assert ids[2] not in result.stdout
    neither = cli("validate", "--app", app)
    assert_exit(neither, 2)
    assert "give --suite or --label" in neither.stderr
