"""The GraphQL API answers with the same values as the REST routes for the same objects
(field names in camelCase; GraphQL's ``id`` is REST's ``job_id`` for a job)."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.graphql.conftest import World, gql


def snake(value: Any) -> Any:
    """A GraphQL answer with REST's snake_case keys."""
    if isinstance(value, dict):
        return {re.sub(r"(?<!^)([A-Z])", r"_\1", k).lower(): snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake(v) for v in value]
    return value


def rest(world: World, path: str) -> Any:
    response = world.a.client.get(path)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def query(world: World, text: str, **variables: Any) -> Any:
    status, body = gql(world.a.client, text, variables)
    assert status == 200 and "errors" not in body, body
    return snake(body["data"])


def same_fields(graphql: dict[str, Any], rest_item: dict[str, Any]) -> None:
    """Every field GraphQL answered holds REST's value, and GraphQL answered them all."""
    assert set(graphql) == set(rest_item), set(graphql) ^ set(rest_item)
    for key, value in graphql.items():
        assert value == rest_item[key], key


APP = "id name endpoint createdAt updatedAt schema schemaSummary { specVersion title version operationCount } auth { type name username hint }"
RUN = "id appId jobId status baseUrl totalSuites passedSuites failedSuites totalSteps passedSteps failedSteps createdAt finishedAt durationMs"
REPORT = "id runId suiteId suiteName suiteVersion status totalSteps passedSteps failedSteps startedAt durationMs"
STEPS = """steps { index name passed extracted extractionFailures error notes errorKind startedAt durationMs
  request { method url headers body bodySize }
  response { status headers body bodyCut size truncated elapsedMs }
  assertions { type target op expected actual passed reason skippedAsNoise } }"""
JOB = "id jobType jobStatus appId createdAt startedAt finishedAt progress params result error"


def test_me_matches_users_me(world: World) -> None:
    data = query(
        world,
        "{ me { keyId keyName organization { id name } scopes grantedScopes expiresAt appIds } }",
    )
    same_fields(data["me"], rest(world, "/users/me"))


def test_app_matches_get_app(world: World) -> None:
    _, raw = gql(
        world.a.client, f"query($id: ID!) {{ app(id: $id) {{ {APP} }} }}", {"id": world.a.app_id}
    )
    expected = rest(world, f"/apps/{world.a.app_id}")
    # The OpenAPI document is JSON as stored: its own keys stay as they are.
    assert raw["data"]["app"].pop("schema") == expected.pop("schema")
    same_fields(snake(raw["data"]["app"]), expected)


def test_apps_match_the_apps_list(world: World) -> None:
    fields = APP.replace(" schema ", " ")
    data = query(world, f"{{ apps {{ total_count: totalCount nodes {{ {fields} }} }} }}")
    listed = rest(world, "/apps")
    assert data["apps"]["nodes"] == listed


def test_suites_match_the_suites_list(world: World) -> None:
    text = "query($id: ID!) { app(id: $id) { testSuites { nodes { id appId name labels stepCount version createdAt updatedAt } } } }"
    data = query(world, text, id=world.a.app_id)
    assert data["app"]["test_suites"]["nodes"] == rest(world, f"/apps/{world.a.app_id}/test-suites")


def test_suite_definition_matches_get_suite(world: World) -> None:
    suite_id = world.a.suite_ids[1]
    text = "query($app: ID!, $id: ID!) { app(id: $app) { testSuite(id: $id) { definition } } }"
    _, raw = gql(world.a.client, text, {"app": world.a.app_id, "id": suite_id})
    definition = raw["data"]["app"]["testSuite"]["definition"]
    full = rest(world, f"/apps/{world.a.app_id}/test-suites/{suite_id}")
    for record_field in ("id", "app_id", "version", "step_count", "created_at", "updated_at"):
        full.pop(record_field)
    assert definition == full


def test_run_matches_get_run(world: World) -> None:
    text = f"query($app: ID!, $id: ID!) {{ app(id: $app) {{ testRun(id: $id) {{ {RUN} }} }} }}"
    data = query(world, text, app=world.a.app_id, id=world.a.run_id)
    same_fields(
        data["app"]["test_run"], rest(world, f"/apps/{world.a.app_id}/test-runs/{world.a.run_id}")
    )


def test_reports_match_the_reports_list_and_each_report(world: World) -> None:
    text = f"query($app: ID!, $id: ID!) {{ app(id: $app) {{ testRun(id: $id) {{ suiteReports {{ nodes {{ {REPORT} {STEPS} }} }} }} }} }}"
    data = query(world, text, app=world.a.app_id, id=world.a.run_id)
    base = f"/apps/{world.a.app_id}/test-runs/{world.a.run_id}/suite-reports"
    reports = data["app"]["test_run"]["suite_reports"]["nodes"]
    assert [{k: v for k, v in r.items() if k != "steps"} for r in reports] == rest(world, base)
    for report in reports:
        same_fields(report, rest(world, f"{base}/{report['id']}"))


def test_job_matches_get_job(world: World) -> None:
    job_id = world.a.run_job["job_id"]
    data = query(world, f"query($id: ID!) {{ job(id: $id) {{ {JOB} }} }}", id=job_id)
    job = data["job"]
    assert job.pop("id") == job_id
    expected = rest(world, f"/jobs/{job_id}")
    expected.pop("job_id")
    same_fields(job, expected)


def test_job_events_match_the_stored_stream(world: World) -> None:
    job_id = world.a.run_job["job_id"]
    data = query(
        world,
        "query($id: ID!) { job(id: $id) { events(limit: 1000) { seq jobId type status timestamp data } } }",
        id=job_id,
    )
    with world.a.client.stream(
        "GET", f"/jobs/{job_id}/events", params={"follow": "false"}
    ) as response:
        import json

        streamed = [json.loads(line) for line in response.iter_lines() if line]
    assert data["job"]["events"] == streamed


def test_load_test_matches_get_load_test(world: World) -> None:
    stats = "method name requests failures errorRate rps avgBytes minMs avgMs p50Ms p90Ms p95Ms p99Ms maxMs"
    text = f"""query($app: ID!, $id: ID!) {{ app(id: $app) {{ loadTest(id: $id) {{
      id appId jobId status params error createdAt finishedAt
      report {{ profile virtualUsers durationSecs workers startedAt finishedAt elapsedS stoppedEarly
        totals {{ {stats} }} endpoints {{ {stats} }}
        timeline {{ t users requests failures rps avgMs p50Ms p95Ms p99Ms }}
        errors {{ method name message occurrences }} skipped {{ method name reason count }}
        thresholds {{ metric op value endpoint actual passed }} thresholdsPassed
            maxErrorRate passed reasons }} }} }} }}"""
    data = query(world, text, app=world.a.app_id, id=world.a.load_test_id)
    same_fields(
        data["app"]["load_test"],
        rest(world, f"/apps/{world.a.app_id}/load-tests/{world.a.load_test_id}"),
    )


def test_generation_matches_the_history(world: World) -> None:
    entry = """jobId appId jobStatus createdAt startedAt finishedAt error specVersion pathPrefix testSuiteIds
      parameters { baseUrl schemaSource maxTestSuites ignoreEndpoints timeout seed basePath }
      counts { operations operationsWithSuites operationsSkipped cases candidates tried kept contradictsSpec dropped }"""
    job_id = world.a.generate_job["job_id"]
    text = f"""query($app: ID!, $job: ID!) {{ app(id: $app) {{
      generationHistory {{ nodes {{ {entry} }} }}
      generation(jobId: $job) {{ {entry} decisions operations skipped suites droppedSuites }} }} }}"""
    data = query(world, text, app=world.a.app_id, job=job_id)["app"]
    assert data["generation_history"]["nodes"] == rest(
        world, f"/apps/{world.a.app_id}/generation-history"
    )
    detail = rest(world, f"/apps/{world.a.app_id}/generation-history/{job_id}")
    graphql_detail = data["generation"]
    # JSON-valued fields keep REST's own (snake_case) keys inside: compare them as sent.
    _, raw = gql(
        world.a.client,
        f'query {{ app(id: "{world.a.app_id}") {{ generation(jobId: "{job_id}") {{ decisions operations skipped suites droppedSuites }} }} }}',
    )
    for key, raw_key in (
        ("decisions", "decisions"),
        ("operations", "operations"),
        ("skipped", "skipped"),
        ("suites", "suites"),
        ("dropped_suites", "droppedSuites"),
    ):
        assert raw["data"]["app"]["generation"][raw_key] == detail[key]
        graphql_detail.pop(key)
        detail.pop(key)
    same_fields(graphql_detail, detail)


def test_schema_coverage_matches_the_coverage_route(world: World) -> None:
    ref = "method path"
    text = f"""query($app: ID!) {{ app(id: $app) {{ schemaCoverage {{
      percentage totalOperations basis testRunId testSuites
      covered {{ {ref} }} partlyCovered {{ {ref} }} uncovered {{ {ref} }}
      operations {{ method path status documented exercised missing observedStatuses undocumentedStatuses unreachedStatuses steps }}
      unmatchedCalls {{ method path status }} }} }} }}"""
    data = query(world, text, app=world.a.app_id)
    same_fields(
        data["app"]["schema_coverage"], rest(world, f"/apps/{world.a.app_id}/schema-coverage")
    )
