"""Running suites as jobs, end to end: 202 at once, a worker runs, reports stay."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import httpx

from tests.support.factories import create_app_with_suites, crud_suite, health_suite
from tests.support.jobs import read_events, wait_for_job
from tests.support.pets_target import PetsTarget


def failing_suite() -> dict:
    suite = health_suite("will fail")
    suite["steps"][0]["assertions"] = [{"type": "status_code", "expected": 201}]
    return suite


def test_run_answers_202_and_completes_when_every_test_passes(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, _ = create_app_with_suites(client, target.url, crud_suite(), health_suite())
    started = time.monotonic()
    response = client.post(f"/apps/{app_id}/test-suites/run", json={"base_url": target.url})
    assert response.status_code == 202 and time.monotonic() - started < 2
    job = wait_for_job(client, response.json()["data"]["job_id"])
    assert job["job_status"] == "COMPLETED", job
    assert job["result"]["suites"] == {"total": 2, "passed": 2, "failed": 0}
    assert job["progress"] == 1 and job["started_at"] and job["finished_at"]


def test_a_failing_test_makes_the_job_failed_with_a_reason(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, _ = create_app_with_suites(client, target.url, crud_suite(), failing_suite())
    job_id = client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
    job = wait_for_job(client, job_id)
    assert job["job_status"] == "FAILED"
    assert job["error"] == "1 of 2 suites failed"


def test_reports_hold_each_step_as_sent_and_received(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, (suite_id,) = create_app_with_suites(client, target.url, crud_suite())
    job = wait_for_job(
        client, client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
    )
    run_id = job["result"]["test_run_id"]
    run = client.get(f"/apps/{app_id}/test-runs/{run_id}").json()["data"]
    assert (run["status"], run["passed_steps"], run["total_steps"]) == ("PASSED", 4, 4)
    assert [r["id"] for r in client.get(f"/apps/{app_id}/test-runs").json()["data"]] == [run_id]
    reports = client.get(f"/apps/{app_id}/test-runs/{run_id}/suite-reports").json()
    assert reports["meta"]["pagination"]["total_count"] == 1
    summary = reports["data"][0]
    assert summary["suite_id"] == suite_id and summary["status"] == "PASSED"
    report = client.get(f"/apps/{app_id}/test-runs/{run_id}/suite-reports/{summary['id']}").json()[
        "data"
    ]
    create = report["steps"][0]
    assert create["request"]["method"] == "POST" and create["request"]["url"].endswith("/pets")
    assert create["response"]["status"] == 201
    assert create["assertions"][1]["expected"] == "rex" and create["assertions"][1]["passed"]
    assert report["steps"][1]["request"]["url"].endswith(
        f"/pets/{create['response']['body'].split(':')[1].split(',')[0].strip()}"
    )


def test_junit_export_lists_failures(client: httpx.Client, target: PetsTarget) -> None:
    app_id, _ = create_app_with_suites(client, target.url, crud_suite(), failing_suite())
    job = wait_for_job(
        client, client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
    )
    response = client.get(
        f"/apps/{app_id}/test-runs/{job['result']['test_run_id']}", params={"format": "junit"}
    )
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.get("tests") == "5" and root.get("failures") == "1"
    failure = root.find(".//failure")
    assert failure is not None and "expected status 201" in (failure.get("message") or "")


def test_run_with_listed_suites_runs_only_those(client: httpx.Client, target: PetsTarget) -> None:
    app_id, (first, _second) = create_app_with_suites(
        client, target.url, health_suite("a"), failing_suite()
    )
    job_id = client.post(
        f"/apps/{app_id}/test-suites/run", json={"test_suite_ids": [first]}
    ).json()["data"]["job_id"]
    assert wait_for_job(client, job_id)["job_status"] == "COMPLETED"


def test_bad_run_requests_are_400(client: httpx.Client, target: PetsTarget) -> None:
    app_id, _ = create_app_with_suites(client, target.url, health_suite())
    empty_app, _ = create_app_with_suites(client, target.url)
    for path, body, field in [
        (f"/apps/{app_id}/test-suites/run", {"base_url": "not a url"}, "base_url"),
        (f"/apps/{app_id}/test-suites/run", {"base_url": "http://169.254.169.254/"}, "base_url"),
        (f"/apps/{app_id}/test-suites/run", {"test_suite_ids": ["ts_nope"]}, "test_suite_ids"),
        (f"/apps/{empty_app}/test-suites/run", {}, "test_suite_ids"),
    ]:
        response = client.post(path, json=body)
        assert response.status_code == 400, response.text
        assert response.json()["error"]["details"][0]["field"] == field
    assert client.get("/jobs").json()["meta"]["pagination"]["total_count"] == 0


def test_unreachable_target_fails_steps_not_the_worker(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, _ = create_app_with_suites(client, target.url, health_suite())
    job_id = client.post(
        f"/apps/{app_id}/test-suites/run", json={"base_url": "http://127.0.0.1:9"}
    ).json()["data"]["job_id"]
    job = wait_for_job(client, job_id)
    assert job["job_status"] == "FAILED"
    events = read_events(client, job_id)
    step = next(e for e in events if e["type"] == "step.completed")
    assert "refused" in step["data"]["error"]
    # the worker is still alive: the next job runs
    job_id = client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
    assert wait_for_job(client, job_id)["job_status"] == "COMPLETED"


def test_validate_explains_each_failing_step(client: httpx.Client, target: PetsTarget) -> None:
    app_id, (suite_id,) = create_app_with_suites(client, target.url, failing_suite())
    job_id = client.post(f"/apps/{app_id}/test-suites/{suite_id}/validate", json={}).json()["data"][
        "job_id"
    ]
    assert wait_for_job(client, job_id)["job_type"] == "VALIDATE"
    result = client.get(f"/jobs/{job_id}/validation-result").json()["data"]
    assert result["valid"] is False and result["test_suite_id"] == suite_id
    failing = result["failing_steps"][0]
    assert failing["name"] == "health 0"
    assert any("201" in line and "200" in line for line in failing["explanations"])


def test_validation_result_of_a_run_job_is_404(client: httpx.Client, target: PetsTarget) -> None:
    app_id, _ = create_app_with_suites(client, target.url, health_suite())
    job_id = client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
    assert client.get(f"/jobs/{job_id}/validation-result").status_code == 404


def test_stop_running_job_ends_it_within_two_seconds_keeping_what_ran(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, _ = create_app_with_suites(client, target.url, health_suite("long", steps=200))
    target.slow_ms = 50
    try:
        job_id = client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
        deadline = time.monotonic() + 10
        while client.get(f"/jobs/{job_id}").json()["data"]["job_status"] != "RUNNING":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.3)
        asked = time.monotonic()
        assert client.post(f"/jobs/{job_id}/stop").json()["data"]["job_status"] == "RUNNING"
        job = wait_for_job(client, job_id, timeout=5)
        assert time.monotonic() - asked < 2
    finally:
        target.slow_ms = 0
    assert job["job_status"] == "STOPPED"
    run = client.get(f"/apps/{app_id}/test-runs/{job['result']['test_run_id']}").json()["data"]
    assert run["status"] == "STOPPED" and 0 < run["passed_steps"] < 200
    assert client.post(f"/jobs/{job_id}/stop").status_code == 409


def test_deleting_an_app_removes_its_runs_and_reports_but_keeps_job_history(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, _ = create_app_with_suites(client, target.url, health_suite())
    job_id = client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
    run_id = wait_for_job(client, job_id)["result"]["test_run_id"]
    assert client.delete(f"/apps/{app_id}").status_code == 200
    assert client.get(f"/apps/{app_id}/test-runs/{run_id}").status_code == 404
    job = client.get(f"/jobs/{job_id}").json()["data"]
    assert job["job_status"] == "COMPLETED" and job["app_id"] is None
    assert read_events(client, job_id)[-1]["type"] == "job.completed"
