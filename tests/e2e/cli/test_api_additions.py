"""What the API gained for the client: the labels selector, the suite push route
(``POST …/test-suites/sync``), and step events that say why a step failed."""

from __future__ import annotations

import httpx

from tests.e2e.cli.suites import failing_suite, labelled
from tests.support.api_server import Api
from tests.support.factories import client_for, create_app_with_suites, create_key, health_suite
from tests.support.jobs import read_events, run_suites
from tests.support.pets_target import PetsTarget


def test_run_by_labels_resolves_the_suites_when_asked(
    http: httpx.Client, target: PetsTarget
) -> None:
    app, (a, b, _) = create_app_with_suites(
        http,
        target.url,
        labelled(health_suite("a"), "smoke"),
        labelled(health_suite("b"), "smoke", "x"),
        health_suite("c"),
    )

    job = run_suites(http, app, labels=["smoke", "nothing-has-it"])

    assert job["job_status"] == "COMPLETED"
    assert job["params"]["test_suite_ids"] == [a, b] and job["params"]["labels"] == [
        "smoke",
        "nothing-has-it",
    ]
    assert job["result"]["suites"]["total"] == 2


def test_bad_label_selections_are_400_on_labels(http: httpx.Client, target: PetsTarget) -> None:
    app, (a,) = create_app_with_suites(http, target.url, labelled(health_suite("a"), "smoke"))
    for body, message in [
        ({"labels": ["nope"]}, "no test suite of the app has the label(s) nope"),
        ({"labels": ["smoke"], "test_suite_ids": [a]}, "give test_suite_ids or labels, not both"),
        ({"labels": []}, None),
        ({"labels": [""]}, None),
    ]:
        response = http.post(f"/apps/{app}/test-suites/run", json=body)
        assert response.status_code == 400, response.text
        detail = response.json()["error"]["details"][0]
        assert detail["field"].startswith("labels")
        if message:
            assert detail["message"] == message


def test_step_events_carry_the_failed_assertions_within_bounds(
    http: httpx.Client, target: PetsTarget
) -> None:
    suite = failing_suite()
    suite["steps"][0]["assertions"] = [
        {"type": "json_path", "path": "$.ok", "op": "eq", "expected": "x" * 1000} for _ in range(8)
    ]
    app, _ = create_app_with_suites(http, target.url, suite)
    job = run_suites(http, app)

    step = next(e for e in read_events(http, job["job_id"]) if e["type"] == "step.completed")

    data = step["data"]
    assert data["passed"] is False and data["suite"] == "health is 201"
    assert len(data["failures"]) == 5 and data["failures_left_out"] == 3
    first = data["failures"][0]
    assert (first["type"], first["target"], first["op"], first["actual"]) == (
        "json_path",
        "$.ok",
        "eq",
        True,
    )
    assert first["expected"].startswith("x" * 200 + "…") and len(first["expected"]) < 250
    assert first["reason"].startswith("$.ok: expected")


def test_sync_pushes_in_one_transaction_and_dry_run_writes_nothing(
    http: httpx.Client, target: PetsTarget
) -> None:
    app, (kept,) = create_app_with_suites(http, target.url, health_suite("kept"))
    body = {"suites": [health_suite("kept"), failing_suite("new")], "dry_run": True}

    planned = http.post(f"/apps/{app}/test-suites/sync", json=body)

    assert planned.status_code == 200, planned.text
    result = planned.json()["data"]
    assert [(i["action"], i["name"], i["id"]) for i in result["items"]] == [
        ("unchanged", "kept", kept),
        ("create", "new", None),
    ]
    assert len(http.get(f"/apps/{app}/test-suites").json()["data"]) == 1
    applied = http.post(f"/apps/{app}/test-suites/sync", json={**body, "dry_run": False}).json()[
        "data"
    ]
    assert applied["created"] == 1 and applied["items"][1]["id"].startswith("ts_")
    assert len(http.get(f"/apps/{app}/test-suites").json()["data"]) == 2


def test_sync_refuses_bad_pushes_whole(http: httpx.Client, target: PetsTarget, serve: Api) -> None:
    app, _ = create_app_with_suites(http, target.url, health_suite("kept"))
    twins = {"suites": [health_suite("new"), failing_suite("b"), health_suite("new")]}
    response = http.post(f"/apps/{app}/test-suites/sync", json=twins)
    assert response.status_code == 400
    assert response.json()["error"]["details"][0] == {
        "field": "suites[2].name",
        "message": "'new' is also the name of suites[0]",
    }
    invalid = http.post(
        f"/apps/{app}/test-suites/sync", json={"suites": [{"name": "x", "steps": []}]}
    )
    assert invalid.status_code == 400
    assert invalid.json()["error"]["details"][0]["field"] == "suites[0].steps"
    assert [s["name"] for s in http.get(f"/apps/{app}/test-suites").json()["data"]] == ["kept"]
    with client_for(serve, create_key(serve.runtime, scopes="read")) as reader:
        assert reader.post(f"/apps/{app}/test-suites/sync", json={"suites": []}).status_code == 403
    with client_for(serve, create_key(serve.runtime)) as stranger:
        assert (
            stranger.post(f"/apps/{app}/test-suites/sync", json={"suites": []}).status_code == 404
        )
