"""Normalizing runs end to end: a target changes its contract, the run fails, normalize
accepts the new baseline (with noise), and the next run passes."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.factories import baseline_suite, create_app_with_suites
from tests.support.jobs import read_events, run_suites, submit
from tests.support.pets_target import PetsTarget


def lines(job: dict[str, Any], kind: str | None = None) -> list[str]:
    return [c["line"] for c in job["result"]["changes"] if kind is None or c["kind"] == kind]


def changed_contract(target: PetsTarget) -> None:
    target.rename_name = True
    target.create_status = 200
    target.timestamps = True


def test_normalize_accepts_a_changed_api_and_the_next_run_passes(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, (suite_id,) = create_app_with_suites(client, target.url, baseline_suite())
    assert run_suites(client, app_id)["job_status"] == "COMPLETED"
    changed_contract(target)
    failed = run_suites(client, app_id)
    assert failed["job_status"] == "FAILED"
    run_id = failed["result"]["test_run_id"]

    job = submit(client, f"/apps/{app_id}/test-runs/{run_id}/normalize")

    assert job["job_status"] == "COMPLETED", job
    assert job["job_type"] == "NORMALIZE"
    changed = lines(job, "changed")
    assert "pets baseline / create / status: status 201 → status 200" in changed
    assert (
        "pets baseline / create / $.name: eq 'rex' → $.title eq 'rex' ($.name renamed to $.title)"
        in changed
    )
    assert any(line.startswith("pets baseline / read / $: eq {") for line in changed)
    schema = next(line for line in changed if "/ read / schema:" in line)
    assert "no longer requires 'name'" in schema and "'title'" in schema
    assert (
        job["result"]["suites"][0] | {"status": "updated", "new_version": 2}
        == job["result"]["suites"][0]
    )
    assert job["result"]["counts"]["refused"] == 0
    assert run_suites(client, app_id)["job_status"] == "COMPLETED"
    suite = client.get(f"/apps/{app_id}/test-suites/{suite_id}").json()["data"]
    assert suite["version"] == 2
    # Passing assertions are untouched.
    read = suite["steps"][1]
    assert read["assertions"][2] == {
        "type": "json_path",
        "path": "$.kind",
        "op": "eq",
        "expected": "dog",
    }
    assert read["assertions"][4] == baseline_suite()["steps"][1]["assertions"][4]


def test_the_added_timestamp_is_marked_as_noise_and_left_out_of_expectations(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, (suite_id,) = create_app_with_suites(client, target.url, baseline_suite())
    target.timestamps = True
    run_id = run_suites(client, app_id)["result"]["test_run_id"]

    job = submit(client, f"/apps/{app_id}/test-runs/{run_id}/normalize")

    assert lines(job, "noise") == [
        "pets baseline / read / $.updatedAt: noise += $.updatedAt (differs between identical calls)",
        'pets baseline / read / $: eq {"id":7,"name":"rex","kind":"dog"} kept; it passes once the noise is ignored',
    ]
    read = client.get(f"/apps/{app_id}/test-suites/{suite_id}").json()["data"]["steps"][1]
    assert read["noise"] == ["$.updatedAt"], "headers no assertion checks are not listed"
    assert read["assertions"][1]["expected"] == {"id": 7, "name": "rex", "kind": "dog"}
    assert read["assertions"][3]["schema"]["properties"]["updatedAt"] == {"type": "string"}
    assert "GET /pets/7" in target.requests, "the read was re-sent to compare identical calls"
    assert target.requests.count("POST /pets") == 1, "unsafe requests are not re-sent by default"
    assert run_suites(client, app_id)["job_status"] == "COMPLETED"


def test_normalize_reports_each_change_as_an_event(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, _ = create_app_with_suites(client, target.url, baseline_suite())
    target.create_status = 200
    run_id = run_suites(client, app_id)["result"]["test_run_id"]
    job = submit(client, f"/apps/{app_id}/test-runs/{run_id}/normalize")
    events = read_events(client, job["job_id"])
    changes = [e["data"] for e in events if e["type"] == "normalize.change"]
    assert [c["line"] for c in changes] == lines(job)
    assert (
        changes[0]
        | {
            "target": "status",
            "old": {"type": "status_code", "expected": 201},
            "new": {"type": "status_code", "expected": 200},
        }
        == changes[0]
    )
    suite_event = next(e for e in events if e["type"] == "normalize.suite")
    assert suite_event["data"]["status"] == "updated"
    assert events[-1]["type"] == "job.completed"


def test_one_report_can_be_normalized_alone(client: httpx.Client, target: PetsTarget) -> None:
    app_id, (first, second) = create_app_with_suites(
        client, target.url, baseline_suite("a"), baseline_suite("b")
    )
    target.create_status = 200
    run_id = run_suites(client, app_id)["result"]["test_run_id"]
    reports = client.get(f"/apps/{app_id}/test-runs/{run_id}/suite-reports").json()["data"]
    report_a = next(r["id"] for r in reports if r["suite_id"] == first)

    job = submit(
        client, f"/apps/{app_id}/test-runs/{run_id}/suite-reports/{report_a}/normalize", {}
    )

    assert [s["suite_id"] for s in job["result"]["suites"]] == [first]
    assert client.get(f"/apps/{app_id}/test-suites/{first}").json()["data"]["version"] == 2
    assert client.get(f"/apps/{app_id}/test-suites/{second}").json()["data"]["version"] == 1


def test_a_server_error_is_refused_as_a_baseline_and_the_suite_kept(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, (suite_id,) = create_app_with_suites(client, target.url, baseline_suite())
    target.read_status = 503
    run_id = run_suites(client, app_id)["result"]["test_run_id"]

    job = submit(client, f"/apps/{app_id}/test-runs/{run_id}/normalize")

    assert job["job_status"] == "COMPLETED"
    assert lines(job, "refused")[0] == (
        "pets baseline / read / status: refused: the target answered 503, a server error; "
        "that is no baseline (kept status 200)"
    )
    # Nothing of the step follows the error page: every failed assertion is refused.
    assert job["result"]["counts"] == {"suites_updated": 0, "changed": 0, "noise": 0, "refused": 4}
    assert job["result"]["suites"][0]["status"] == "unchanged"
    suite = client.get(f"/apps/{app_id}/test-suites/{suite_id}").json()["data"]
    assert suite["version"] == 1
    assert suite["steps"][1]["assertions"] == baseline_suite()["steps"][1]["assertions"]


def test_a_suite_edited_since_the_run_is_skipped(client: httpx.Client, target: PetsTarget) -> None:
    app_id, (suite_id,) = create_app_with_suites(client, target.url, baseline_suite())
    target.create_status = 200
    run_id = run_suites(client, app_id)["result"]["test_run_id"]
    assert (
        client.put(
            f"/apps/{app_id}/test-suites/{suite_id}", json=baseline_suite("edited")
        ).status_code
        == 200
    )

    job = submit(client, f"/apps/{app_id}/test-runs/{run_id}/normalize")

    summary = job["result"]["suites"][0]
    assert (
        summary["status"] == "skipped"
        and "version 1 ran, it is now at version 2" in summary["reason"]
    )
    assert client.get(f"/apps/{app_id}/test-suites/{suite_id}").json()["data"]["name"] == "edited"


def test_resend_unsafe_also_re_sends_writes(client: httpx.Client, target: PetsTarget) -> None:
    app_id, _ = create_app_with_suites(client, target.url, baseline_suite())
    target.create_status = 200
    run_id = run_suites(client, app_id)["result"]["test_run_id"]
    before = target.requests.count("POST /pets")
    submit(
        client,
        f"/apps/{app_id}/test-runs/{run_id}/normalize",
        {"resend_unsafe": True, "noise_samples": 3},
    )
    assert target.requests.count("POST /pets") == before + 3
