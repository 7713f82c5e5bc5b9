"""Plans and quotas: a submission over a quota is refused before anything exists
(429 QUOTA_EXCEEDED, Retry-After until the period resets), quotas reset with the period
(the service's clock is moved, not slept through), and each organization has its own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.e2e.api.conftest import PETSTORE
from tests.e2e.api.test_envelope import assert_error
from tests.e2e.governance.conftest import (
    DEFAULT_APPS,
    DEFAULT_PLAN,
    DEFAULT_RUNS,
    SetPlan,
    app_with_suite,
)
from tests.support.api_server import Api
from tests.support.clock import ManualClock, utc
from tests.support.factories import create_app, create_key, new_org

# One minute before February: a quota refused now resets 60 s later.
LAST_MINUTE_OF_JANUARY = utc(2031, 1, 31, 23, 59, 0)


def run(client: httpx.Client, app_id: str) -> httpx.Response:
    return client.post(f"/apps/{app_id}/test-suites/run", json={})


def job_count(client: httpx.Client) -> int:
    return int(client.get("/jobs").json()["meta"]["pagination"]["total_count"])


def used(client: httpx.Client, quota: str) -> int:
    quotas = client.get("/company/usage").json()["data"]["quotas"]
    return int(next(q["used"] for q in quotas if q["quota"] == quota))


def test_run_over_the_quota_is_429_and_creates_nothing(
    admin: httpx.Client, org: str, set_plan: SetPlan, clock: ManualClock
) -> None:
    clock.set(LAST_MINUTE_OF_JANUARY)
    set_plan(org, runs_per_month=2)
    app_id = app_with_suite(admin)
    assert [run(admin, app_id).status_code for _ in range(2)] == [202, 202]
    refused = run(admin, app_id)
    body = assert_error(refused, 429, "QUOTA_EXCEEDED")
    assert refused.headers["Retry-After"] == "60"
    assert "runs_per_month" in body["error"]["message"]
    assert job_count(admin) == 2
    assert used(admin, "runs_per_month") == 2


def test_validate_counts_as_a_run(admin: httpx.Client, org: str, set_plan: SetPlan) -> None:
    set_plan(org, runs_per_month=1)
    app_id = app_with_suite(admin)
    suite_id = admin.get(f"/apps/{app_id}/test-suites").json()["data"][0]["id"]
    assert run(admin, app_id).status_code == 202
    validate = admin.post(f"/apps/{app_id}/test-suites/{suite_id}/validate", json={})
    assert_error(validate, 429, "QUOTA_EXCEEDED")


def test_quota_resets_when_the_period_turns(
    admin: httpx.Client, org: str, set_plan: SetPlan, clock: ManualClock
) -> None:
    clock.set(LAST_MINUTE_OF_JANUARY)
    set_plan(org, runs_per_month=1)
    app_id = app_with_suite(admin)
    assert run(admin, app_id).status_code == 202
    assert_error(run(admin, app_id), 429, "QUOTA_EXCEEDED")
    clock.advance(59)
    assert_error(run(admin, app_id), 429, "QUOTA_EXCEEDED")
    clock.advance(1)  # February 1st, 00:00:00 UTC
    assert run(admin, app_id).status_code == 202
    usage = admin.get("/company/usage").json()["data"]
    assert usage["period_start"] == int(utc(2031, 2, 1))
    assert usage["period_end"] == int(utc(2031, 3, 1))
    assert usage["runs"] == 1


def test_two_organizations_live_by_their_own_plans(gov: Api, set_plan: SetPlan) -> None:
    small, large = new_org(), new_org()
    set_plan(small, name="starter", runs_per_month=1)
    set_plan(large, name="team", runs_per_month=3)
    with (
        gov.client(create_key(gov.runtime, small)) as small_client,
        gov.client(create_key(gov.runtime, large)) as large_client,
    ):
        small_app, large_app = app_with_suite(small_client), app_with_suite(large_client)
        assert [run(small_client, small_app).status_code for _ in range(2)] == [202, 429]
        codes = [run(large_client, large_app).status_code for _ in range(4)]
        assert codes == [202, 202, 202, 429]
        plans = [
            c.get("/company/subscription").json()["data"] for c in (small_client, large_client)
        ]
    assert [(p["plan"], p["quotas"]["runs_per_month"], p["customized"]) for p in plans] == [
        ("starter", 1, True),
        ("team", 3, True),
    ]


def test_organizations_without_overrides_get_the_default_plan(admin: httpx.Client) -> None:
    subscription = admin.get("/company/subscription").json()["data"]
    assert subscription["plan"] == DEFAULT_PLAN and subscription["customized"] is False
    assert subscription["quotas"]["runs_per_month"] == DEFAULT_RUNS


def test_generation_quota_is_its_own(admin: httpx.Client, org: str, set_plan: SetPlan) -> None:
    set_plan(org, generations_per_month=1, runs_per_month=5)
    app_id = app_with_suite(admin, schema=PETSTORE)
    body = {"base_url": "http://127.0.0.1:9"}
    assert admin.post(f"/apps/{app_id}/test-suites/generate", json=body).status_code == 202
    refused = admin.post(f"/apps/{app_id}/test-suites/generate", json=body)
    assert_error(refused, 429, "QUOTA_EXCEEDED")
    assert run(admin, app_id).status_code == 202


def test_load_tests_are_counted_in_virtual_user_seconds(
    admin: httpx.Client, org: str, set_plan: SetPlan
) -> None:
    set_plan(org, load_test_vu_seconds_per_month=100)
    app_id = app_with_suite(admin)
    path = f"/apps/{app_id}/load-tests"
    assert admin.post(path, json={"virtual_users": 10, "duration_secs": 10}).status_code == 202
    refused = admin.post(path, json={"virtual_users": 1, "duration_secs": 1})
    assert_error(refused, 429, "QUOTA_EXCEEDED")
    assert admin.get(path).json()["meta"]["pagination"]["total_count"] == 1
    assert used(admin, "load_test_vu_seconds_per_month") == 100


def test_a_first_load_test_over_the_monthly_quota_is_refused(
    admin: httpx.Client, org: str, set_plan: SetPlan
) -> None:
    # Nothing counted yet this month: the charge would create the counter over the quota.
    set_plan(org, load_test_vu_seconds_per_month=100)
    app_id = app_with_suite(admin)
    path = f"/apps/{app_id}/load-tests"
    refused = admin.post(path, json={"virtual_users": 11, "duration_secs": 10})
    assert_error(refused, 429, "QUOTA_EXCEEDED")
    assert admin.get(path).json()["meta"]["pagination"]["total_count"] == 0
    assert used(admin, "load_test_vu_seconds_per_month") == 0
    assert admin.post(path, json={"virtual_users": 10, "duration_secs": 10}).status_code == 202


def test_load_test_larger_than_the_plan_runs_at_once_is_400(
    admin: httpx.Client, org: str, set_plan: SetPlan
) -> None:
    set_plan(org, concurrent_virtual_users=20)
    app_id = app_with_suite(admin)
    refused = admin.post(
        f"/apps/{app_id}/load-tests", json={"virtual_users": 21, "duration_secs": 5}
    )
    body = assert_error(refused, 400, "VALIDATION_ERROR")
    assert body["error"]["details"][0]["field"] == "virtual_users"
    assert job_count(admin) == 0


def test_apps_quota_refuses_without_retry_after_until_an_app_is_deleted(
    admin: httpx.Client, org: str, set_plan: SetPlan
) -> None:
    set_plan(org, apps=1)
    first = create_app(admin, "http://127.0.0.1:9")
    refused = admin.post("/apps", json={"name": "second", "endpoint": "http://127.0.0.1:9"})
    assert_error(refused, 429, "QUOTA_EXCEEDED")
    assert "Retry-After" not in refused.headers
    assert admin.delete(f"/apps/{first}").status_code == 200
    create_app(admin, "http://127.0.0.1:9", name="second")


def test_racing_submissions_never_pass_the_quota(
    admin: httpx.Client, org: str, set_plan: SetPlan
) -> None:
    set_plan(org, runs_per_month=3)
    app_id = app_with_suite(admin)
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda _: run(admin, app_id).status_code, range(12)))
    assert sorted(codes) == [202] * 3 + [429] * 9
    assert job_count(admin) == 3


def test_racing_app_creations_never_pass_the_apps_quota(
    admin: httpx.Client, org: str, set_plan: SetPlan
) -> None:
    set_plan(org, apps=2)
    endpoint = "http://127.0.0.1:9"
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(
            pool.map(
                lambda i: admin.post("/apps", json={"name": f"a{i}", "endpoint": endpoint}),
                range(6),
            )
        )
    assert sorted(r.status_code for r in codes) == [201, 201, 429, 429, 429, 429]


def test_unlimited_override_lifts_a_default_quota(
    admin: httpx.Client, org: str, set_plan: SetPlan
) -> None:
    set_plan(org, runs_per_month=None)
    subscription = admin.get("/company/subscription").json()["data"]
    assert subscription["plan"] == DEFAULT_PLAN and subscription["customized"] is True
    assert subscription["quotas"]["runs_per_month"] is None
    assert subscription["quotas"]["apps"] == DEFAULT_APPS
