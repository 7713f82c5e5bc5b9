"""GET /apps/{appId}/generation-history and …/{jobId}: parameters, counts, per-operation
outcome with reasons, created suites; offset pagination."""

from __future__ import annotations

import httpx

from tests.support import items_target
from tests.support.factories import create_app
from tests.support.jobs import generate
from tests.support.live_server import LiveServer


def test_history_records_parameters_counts_and_each_operations_outcome(
    client: httpx.Client, items: LiveServer
) -> None:
    app_id = create_app(client, items.url, **items_target.APP_FIELDS)
    job = generate(
        client,
        app_id,
        base_url=items.url,
        max_test_suites=4,
        ignore_endpoints=["/health"],
        timeout=5,
        seed=7,
    )

    listed = client.get(f"/apps/{app_id}/generation-history").json()
    assert listed["meta"]["pagination"]["total_count"] == 1
    entry = listed["data"][0]
    assert entry["job_id"] == job["job_id"] and entry["job_status"] == "COMPLETED"
    assert entry["parameters"] == {
        "base_url": items.url,
        "schema_source": "app",
        "max_test_suites": 4,
        "ignore_endpoints": ["/health"],
        "timeout": 5.0,
        "seed": 7,
        "base_path": None,
    }
    assert entry["spec_version"] == "3.0.3" and entry["path_prefix"] == "/v1"
    counts = entry["counts"]
    assert (counts["kept"], counts["dropped"], counts["tried"]) == (4, 1, 5)
    assert entry["test_suite_ids"] == job["result"]["test_suite_ids"]
    detail = client.get(f"/apps/{app_id}/generation-history/{job['job_id']}").json()["data"]
    operations = {o["operation"]: o for o in detail["operations"]}
    assert operations["GET /health"]["status"] == "ignored"
    assert operations["POST /items"]["status"] == "kept"
    assert operations["POST /items"]["contradicts_spec"] >= 1
    report = operations["GET /admin/report"]
    assert (report["status"], report["tried"], report["dropped"]) == ("dropped", 1, 1)
    assert any("answered 403" in reason for reason in report["reasons"])
    assert [s["test_suite_id"] for s in detail["suites"]] == entry["test_suite_ids"]
    assert [d["slug"] for d in detail["dropped_suites"]] == ["positive-get-admin-report"]
    decided = {d["topic"]: d for d in detail["decisions"]}
    assert "below /v1" in decided["base_path"]["decision"]
    assert any(line.startswith("GET /v1/") for line in decided["base_path"]["evidence"])
    assert "bearer token" in decided["auth"]["decision"]


def test_untried_operations_say_the_cap_was_reached(
    client: httpx.Client, items: LiveServer
) -> None:
    app_id = create_app(client, items.url, **items_target.APP_FIELDS)
    job = generate(client, app_id, base_url=items.url, max_test_suites=1)
    detail = client.get(f"/apps/{app_id}/generation-history/{job['job_id']}").json()["data"]
    untried = [o for o in detail["operations"] if o["status"] == "untried"]
    assert untried and all(
        "max_test_suites (1) was reached first" in o["reasons"][-1] for o in untried
    )


def test_history_pages_newest_first_by_offset(client: httpx.Client, items: LiveServer) -> None:
    app_id = create_app(client, items.url, **items_target.APP_FIELDS)
    first = generate(client, app_id, base_url=items.url, max_test_suites=1)
    second = generate(client, app_id, base_url=items.url, max_test_suites=1, seed=1)

    page = client.get(f"/apps/{app_id}/generation-history", params={"limit": 1}).json()
    assert [e["job_id"] for e in page["data"]] == [second["job_id"]]
    assert page["meta"]["pagination"]["has_next_page"] is True
    assert page["meta"]["pagination"]["total_count"] == 2
    rest = client.get(f"/apps/{app_id}/generation-history", params={"offset": 1}).json()
    assert [e["job_id"] for e in rest["data"]] == [first["job_id"]]
    assert rest["meta"]["pagination"]["has_next_page"] is False
    too_big = client.get(f"/apps/{app_id}/generation-history", params={"limit": 101})
    assert too_big.status_code == 400


def test_a_job_that_is_not_a_generation_of_the_app_is_404(
    client: httpx.Client, items: LiveServer
) -> None:
    app_id = create_app(client, items.url, **items_target.APP_FIELDS)
    other_app = create_app(client, items.url, **items_target.APP_FIELDS)
    job = generate(client, other_app, base_url=items.url, max_test_suites=1)
    run = client.post(f"/apps/{other_app}/test-suites/run", json={}).json()["data"]["job_id"]
    for path in (
        f"/apps/{app_id}/generation-history/{job['job_id']}",
        f"/apps/{other_app}/generation-history/{run}",
        f"/apps/{app_id}/generation-history/job_nope",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "RESOURCE_NOT_FOUND"
