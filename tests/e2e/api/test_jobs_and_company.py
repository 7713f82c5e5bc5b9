"""Jobs listing/stop and the organization's plan and usage."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlmodel import Session

from storage.models import Job
from tests.e2e.api.conftest import PETSTORE
from tests.e2e.api.test_envelope import assert_error
from tests.support.api_server import Api
from tests.support.factories import create_app, create_suite, health_suite, org_id_of


def add_job(api: Api, org: str, **fields: object) -> str:
    with Session(api.runtime.engine) as session:
        job = Job(org_id=org_id_of(api.runtime, org), **fields)
        session.add(job)
        session.commit()
        return job.id


def test_jobs_list_is_empty_until_jobs_exist(admin: httpx.Client) -> None:
    body = admin.get("/jobs").json()
    assert body["data"] == [] and body["meta"]["pagination"]["total_count"] == 0


def test_jobs_are_listed_newest_first_and_filtered(api: Api, admin: httpx.Client, org: str) -> None:
    now = time.time()
    old = add_job(api, org, type="RUN", app_id="app_a", created_at=now - 10)
    new = add_job(api, org, type="GENERATE", app_id="app_b", created_at=now, status="COMPLETED")
    assert [j["job_id"] for j in admin.get("/jobs").json()["data"]] == [new, old]
    assert [j["job_id"] for j in admin.get("/jobs", params={"type": "RUN"}).json()["data"]] == [old]
    assert [
        j["job_id"] for j in admin.get("/jobs", params={"status": "COMPLETED"}).json()["data"]
    ] == [new]
    assert [j["job_id"] for j in admin.get("/jobs", params={"app_id": "app_a"}).json()["data"]] == [
        old
    ]
    job = admin.get(f"/jobs/{old}").json()["data"]
    assert job["job_type"] == "RUN" and job["job_status"] == "QUEUED" and job["started_at"] is None


@pytest.mark.parametrize("params", [{"type": "DANCE"}, {"status": "DONE"}])
def test_unknown_job_filter_is_400(admin: httpx.Client, params: dict) -> None:
    assert_error(admin.get("/jobs", params=params), 400, "VALIDATION_ERROR")


def test_stop_queued_job_cancels_it_and_terminal_job_is_409(
    api: Api, admin: httpx.Client, org: str
) -> None:
    job_id = add_job(api, org, type="RUN")
    stopped = admin.post(f"/jobs/{job_id}/stop").json()["data"]
    assert stopped["job_status"] == "CANCELLED" and stopped["finished_at"] is not None
    assert_error(admin.post(f"/jobs/{job_id}/stop"), 409, "CONFLICT")


def test_subscription_comes_from_configuration(admin: httpx.Client) -> None:
    data = admin.get("/company/subscription").json()["data"]
    assert data["plan"] == "self-hosted"
    assert data["quotas"] == {
        "runs_per_month": None,
        "generations_per_month": None,
        "load_test_vu_seconds_per_month": None,
        "apps": None,
        "concurrent_jobs": None,
        "concurrent_virtual_users": None,
    }
    assert data["customized"] is False
    assert data["period_start"] < time.time() < data["period_end"]


def test_usage_counts_submissions_of_this_period(admin: httpx.Client) -> None:
    app_id = create_app(admin, "http://127.0.0.1:9", name="a", schema=PETSTORE)
    create_suite(admin, app_id, health_suite())
    for _ in range(2):
        assert admin.post(f"/apps/{app_id}/test-suites/run", json={}).status_code == 202
    generated = admin.post(
        f"/apps/{app_id}/test-suites/generate", json={"base_url": "http://127.0.0.1:9"}
    )
    assert generated.status_code == 202, generated.text
    usage = admin.get("/company/usage").json()["data"]
    assert (usage["runs"], usage["generations"], usage["apps"], usage["load_tests"]) == (2, 1, 1, 0)
    assert usage["test_suites"] == 1
    runs = next(q for q in usage["quotas"] if q["quota"] == "runs_per_month")
    assert runs == {
        "quota": "runs_per_month",
        "used": 2,
        "limit": None,
        "remaining": None,
        "resets_at": usage["period_end"],
    }
