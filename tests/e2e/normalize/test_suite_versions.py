"""Suite version history: normalize and PUT add versions, any version can be read and
rolled back to; organizations stay walled; bad input is a 400."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import Session, col, select

from storage.suite_versions import SuiteVersion
from tests.support.api_server import Api
from tests.support.factories import admin_client, baseline_suite, create_app_with_suites
from tests.support.jobs import run_suites, submit
from tests.support.pets_target import PetsTarget


def normalized_app(client: httpx.Client, target: PetsTarget) -> tuple[str, str, str]:
    """An app whose suite was normalized once (version 2); app, suite and run ids."""
    app_id, (suite_id,) = create_app_with_suites(client, target.url, baseline_suite())
    target.create_status = 200
    run_id = run_suites(client, app_id)["result"]["test_run_id"]
    job = submit(client, f"/apps/{app_id}/test-runs/{run_id}/normalize")
    assert job["job_status"] == "COMPLETED"
    return app_id, suite_id, job["job_id"]


def test_a_new_suite_lists_its_one_version(client: httpx.Client, target: PetsTarget) -> None:
    app_id, (suite_id,) = create_app_with_suites(client, target.url, baseline_suite())
    page = client.get(f"/apps/{app_id}/test-suites/{suite_id}/versions").json()
    assert page["meta"]["pagination"] == {
        "has_next_page": False,
        "next_cursor": None,
        "total_count": 1,
    }
    assert (
        page["data"][0] | {"version": 1, "current": True, "reason": "created", "job_id": None}
        == page["data"][0]
    )


def test_normalize_adds_a_version_made_by_its_job(client: httpx.Client, target: PetsTarget) -> None:
    app_id, suite_id, job_id = normalized_app(client, target)
    versions = client.get(f"/apps/{app_id}/test-suites/{suite_id}/versions").json()["data"]
    assert [(v["version"], v["current"], v["job_id"]) for v in versions] == [
        (2, True, job_id),
        (1, False, None),
    ]
    assert versions[0]["reason"].startswith("normalized to test run run_")
    old = client.get(f"/apps/{app_id}/test-suites/{suite_id}/versions/1").json()["data"]
    assert old["suite"]["steps"][0]["assertions"][0] == {"type": "status_code", "expected": 201}
    new = client.get(f"/apps/{app_id}/test-suites/{suite_id}/versions/2").json()["data"]
    assert new["suite"]["steps"][0]["assertions"][0] == {"type": "status_code", "expected": 200}


def test_rollback_restores_an_old_version_as_a_new_one(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, suite_id, _ = normalized_app(client, target)
    response = client.post(f"/apps/{app_id}/test-suites/{suite_id}/versions/1/rollback")
    assert response.status_code == 200, response.text
    suite = response.json()["data"]
    assert suite["version"] == 3
    assert suite["steps"][0]["assertions"][0] == {"type": "status_code", "expected": 201}
    assert client.get(f"/apps/{app_id}/test-suites/{suite_id}").json()["data"]["version"] == 3
    versions = client.get(f"/apps/{app_id}/test-suites/{suite_id}/versions").json()["data"]
    assert (versions[0]["version"], versions[0]["reason"]) == (3, "rollback to version 1")
    # The old contract is expected again, so a run against the changed target fails.
    assert run_suites(client, app_id)["job_status"] == "FAILED"
    target.create_status = 201
    assert run_suites(client, app_id)["job_status"] == "COMPLETED"


def test_put_records_the_version_it_replaces_and_the_new_one(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, (suite_id,) = create_app_with_suites(client, target.url, baseline_suite())
    assert (
        client.put(
            f"/apps/{app_id}/test-suites/{suite_id}", json=baseline_suite("renamed")
        ).status_code
        == 200
    )
    versions = client.get(f"/apps/{app_id}/test-suites/{suite_id}/versions").json()["data"]
    assert [(v["version"], v["name"], v["reason"]) for v in versions] == [
        (2, "renamed", "updated"),
        (1, "pets baseline", "created"),
    ]


def test_versions_page_by_offset(client: httpx.Client, target: PetsTarget) -> None:
    app_id, (suite_id,) = create_app_with_suites(client, target.url, baseline_suite())
    for i in range(3):
        client.put(f"/apps/{app_id}/test-suites/{suite_id}", json=baseline_suite(f"v{i + 2}"))
    path = f"/apps/{app_id}/test-suites/{suite_id}/versions"
    first = client.get(path, params={"limit": 3}).json()
    second = client.get(path, params={"limit": 3, "offset": 3}).json()
    assert [v["version"] for v in first["data"]] == [4, 3, 2]
    assert first["meta"]["pagination"]["has_next_page"] is True
    assert [v["version"] for v in second["data"]] == [1]
    assert second["meta"]["pagination"] == {
        "has_next_page": False,
        "next_cursor": None,
        "total_count": 4,
    }


def test_rollback_to_the_current_version_is_a_conflict(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, (suite_id,) = create_app_with_suites(client, target.url, baseline_suite())
    response = client.post(f"/apps/{app_id}/test-suites/{suite_id}/versions/1/rollback")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CONFLICT"


def test_unknown_versions_runs_and_reports_are_404(
    client: httpx.Client, target: PetsTarget
) -> None:
    app_id, (suite_id,) = create_app_with_suites(client, target.url, baseline_suite())
    run_id = run_suites(client, app_id)["result"]["test_run_id"]
    for method, path in [
        ("GET", f"/apps/{app_id}/test-suites/{suite_id}/versions/9"),
        ("POST", f"/apps/{app_id}/test-suites/{suite_id}/versions/9/rollback"),
        ("GET", f"/apps/{app_id}/test-suites/ts_nope/versions"),
        ("POST", f"/apps/{app_id}/test-runs/run_nope/normalize"),
        ("POST", f"/apps/{app_id}/test-runs/{run_id}/suite-reports/rep_nope/normalize"),
    ]:
        response = client.request(method, path)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["code"] == "RESOURCE_NOT_FOUND"


def test_another_organization_sees_nothing(
    serve: Api, client: httpx.Client, target: PetsTarget
) -> None:
    app_id, suite_id, _ = normalized_app(client, target)
    run_id = client.get(f"/apps/{app_id}/test-runs").json()["data"][0]["id"]
    with admin_client(serve) as other:
        for method, path in [
            ("GET", f"/apps/{app_id}/test-suites/{suite_id}/versions"),
            ("GET", f"/apps/{app_id}/test-suites/{suite_id}/versions/1"),
            ("POST", f"/apps/{app_id}/test-suites/{suite_id}/versions/1/rollback"),
            ("POST", f"/apps/{app_id}/test-runs/{run_id}/normalize"),
        ]:
            response = other.request(method, path)
            assert response.status_code == 404, (path, response.text)
    assert client.get(f"/apps/{app_id}/test-suites/{suite_id}").json()["data"]["version"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"noise_samples": 1}, "noise_samples"),
        ({"noise_samples": 11}, "noise_samples"),
        ({"noise_samples": "many"}, "noise_samples"),
        ({"resend_unsafe": "maybe"}, "resend_unsafe"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_bad_normalize_bodies_are_400(
    client: httpx.Client, target: PetsTarget, body: dict[str, object], field: str
) -> None:
    app_id, _ = create_app_with_suites(client, target.url, baseline_suite())
    run_id = run_suites(client, app_id)["result"]["test_run_id"]
    response = client.post(f"/apps/{app_id}/test-runs/{run_id}/normalize", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"][0]["field"] == field


def test_bad_version_paths_and_pages_are_400(client: httpx.Client, target: PetsTarget) -> None:
    app_id, (suite_id,) = create_app_with_suites(client, target.url, baseline_suite())
    base = f"/apps/{app_id}/test-suites/{suite_id}/versions"
    for response in [
        client.get(f"{base}/first"),
        client.get(f"{base}/0"),
        client.get(base, params={"limit": 101}),
        client.get(base, params={"offset": -1}),
        client.post(
            f"/apps/{app_id}/test-runs/x/normalize",
            content=b"{not json",
            headers={"content-type": "application/json"},
        ),
    ]:
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_normalize_needs_the_write_scope(
    serve: Api, client: httpx.Client, target: PetsTarget
) -> None:
    app_id, _ = create_app_with_suites(client, target.url, baseline_suite())
    run_id = run_suites(client, app_id)["result"]["test_run_id"]
    key = client.post("/api-keys", json={"name": "reader", "scopes": ["read"]}).json()["data"][
        "key"
    ]
    with serve.client(key) as reader:
        response = reader.post(f"/apps/{app_id}/test-runs/{run_id}/normalize")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "INSUFFICIENT_SCOPE"


def test_history_goes_with_its_suite_and_its_app(
    serve: Api, client: httpx.Client, target: PetsTarget
) -> None:
    app_id, suite_id, _ = normalized_app(client, target)
    other_app, other_suite, _ = normalized_app(client, target)
    assert client.delete(f"/apps/{app_id}/test-suites/{suite_id}").status_code == 200
    assert client.delete(f"/apps/{other_app}").status_code == 200
    with Session(serve.runtime.engine) as session:
        left = session.exec(
            select(SuiteVersion).where(col(SuiteVersion.suite_id).in_([suite_id, other_suite]))
        ).all()
    assert left == []
