"""Every query, run by two organizations over their own data: each sees its own rows,
and another organization's ids answer RESOURCE_NOT_FOUND exactly like missing ones."""

from __future__ import annotations

import pytest

from tests.e2e.graphql.conftest import Org, World, codes, gql

EVERYTHING = """
query {
  me { keyId organization { id name } }
  apps(first: 10) { totalCount nodes {
    id
    testSuites(first: 10) { nodes { id appId } }
    testRuns(first: 5) { nodes { id appId job { id appId } suiteReports(first: 10) {
      nodes { id runId steps { name } } } } }
    loadTests(first: 5) { nodes { id appId job { id } } }
    generationHistory(first: 5) { nodes { jobId appId job { id } } }
  } }
  jobs(first: 20) { totalCount nodes { id appId app { id } events(limit: 5) { jobId } } }
}
"""


def ids_in(value: object) -> set[str]:
    """Every string under an ``id``-like key of a GraphQL answer."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("id", "appId", "runId", "jobId") and isinstance(item, str):
                found.add(item)
            else:
                found |= ids_in(item)
    elif isinstance(value, list):
        for item in value:
            found |= ids_in(item)
    return found


def own_ids(org: Org) -> set[str]:
    return {
        org.app_id,
        org.bare_app_id,
        *org.suite_ids,
        org.run_id,
        *org.report_ids,
        org.run_job["job_id"],
        org.generate_job["job_id"],
        org.load_test_id,
        org.load_job["job_id"],
    }


@pytest.mark.parametrize("who", ["a", "b"])
def test_each_organization_sees_only_its_own_rows(world: World, who: str) -> None:
    me, other = (world.a, world.b) if who == "a" else (world.b, world.a)
    status, body = gql(me.client, EVERYTHING)
    assert status == 200, body
    assert "errors" not in body
    seen = ids_in(body["data"])
    assert own_ids(me) <= seen
    assert seen.isdisjoint(own_ids(other))
    assert body["data"]["me"]["organization"]["name"] == me.name
    assert body["data"]["apps"]["totalCount"] == 2


# (query, variables built from the other organization's ids, path of the null field)
FOREIGN_LOOKUPS = {
    "app": ("query($id: ID!) { app(id: $id) { id } }", lambda me, o: {"id": o.app_id}, ["app"]),
    "job": (
        "query($id: ID!) { job(id: $id) { id } }",
        lambda me, o: {"id": o.run_job["job_id"]},
        ["job"],
    ),
    "testSuite": (
        "query($app: ID!, $id: ID!) { app(id: $app) { testSuite(id: $id) { id } } }",
        lambda me, o: {"app": me.app_id, "id": o.suite_ids[0]},
        ["app", "testSuite"],
    ),
    "testRun": (
        "query($app: ID!, $id: ID!) { app(id: $app) { testRun(id: $id) { id } } }",
        lambda me, o: {"app": me.app_id, "id": o.run_id},
        ["app", "testRun"],
    ),
    "suiteReport": (
        "query($app: ID!, $run: ID!, $id: ID!) { app(id: $app) { testRun(id: $run) {"
        " suiteReport(id: $id) { id } } } }",
        lambda me, o: {"app": me.app_id, "run": me.run_id, "id": o.report_ids[0]},
        ["app", "testRun", "suiteReport"],
    ),
    "loadTest": (
        "query($app: ID!, $id: ID!) { app(id: $app) { loadTest(id: $id) { id } } }",
        lambda me, o: {"app": me.app_id, "id": o.load_test_id},
        ["app", "loadTest"],
    ),
    "generation": (
        "query($app: ID!, $id: ID!) { app(id: $app) { generation(jobId: $id) { jobId } } }",
        lambda me, o: {"app": me.app_id, "id": o.generate_job["job_id"]},
        ["app", "generation"],
    ),
}


@pytest.mark.parametrize("lookup", sorted(FOREIGN_LOOKUPS))
def test_another_organizations_object_is_not_found(world: World, lookup: str) -> None:
    query, variables, path = FOREIGN_LOOKUPS[lookup]
    status, body = gql(world.a.client, query, variables(world.a, world.b))
    assert status == 200
    assert codes(body) == ["RESOURCE_NOT_FOUND"]
    assert body["errors"][0]["path"] == path
    node = body["data"]
    for key in path[:-1]:
        node = node[key]
    assert node[path[-1]] is None


@pytest.mark.parametrize("lookup", sorted(FOREIGN_LOOKUPS))
def test_a_foreign_id_reads_exactly_like_a_missing_one(world: World, lookup: str) -> None:
    query, variables, _ = FOREIGN_LOOKUPS[lookup]
    foreign = variables(world.a, world.b)
    missing = {k: (v if v in own_ids(world.a) else "nope_0000") for k, v in foreign.items()}
    _, body_foreign = gql(world.a.client, query, foreign)
    _, body_missing = gql(world.a.client, query, missing)
    assert body_foreign["data"] == body_missing["data"]
    assert codes(body_foreign) == codes(body_missing)


def test_jobs_filtered_by_another_organizations_app_are_empty(world: World) -> None:
    query = "query($app: ID!) { jobs(filter: {appId: $app}) { totalCount nodes { id } } }"
    _, body = gql(world.a.client, query, {"app": world.b.app_id})
    assert body["data"]["jobs"] == {"totalCount": 0, "nodes": []}


def test_jobs_filter_keeps_the_asked_types_and_statuses(world: World) -> None:
    query = """query { jobs(filter: {types: [RUN, GENERATE], statuses: [COMPLETED, FAILED]})
      { nodes { id jobType jobStatus } } }"""
    _, body = gql(world.a.client, query)
    nodes = body["data"]["jobs"]["nodes"]
    assert {n["id"] for n in nodes} == {world.a.run_job["job_id"], world.a.generate_job["job_id"]}
    assert all(n["jobType"] in ("RUN", "GENERATE") for n in nodes)


def test_job_events_resume_after_a_seq(world: World) -> None:
    query = (
        "query($id: ID!, $after: Int!) { job(id: $id) { events(after: $after, limit: 2) { seq } } }"
    )
    _, first = gql(world.a.client, query, {"id": world.a.run_job["job_id"], "after": 0})
    _, then = gql(world.a.client, query, {"id": world.a.run_job["job_id"], "after": 2})
    assert [e["seq"] for e in first["data"]["job"]["events"]] == [1, 2]
    assert [e["seq"] for e in then["data"]["job"]["events"]] == [3, 4]


def test_failing_steps_alone_when_asked(world: World) -> None:
    query = """query($app: ID!, $run: ID!) { app(id: $app) { testRun(id: $run) {
      suiteReports { nodes { suiteName steps(failedOnly: true) { name passed
        assertions { type expected actual passed } } } } } } }"""
    _, body = gql(world.a.client, query, {"app": world.a.app_id, "run": world.a.run_id})
    reports = {
        r["suiteName"]: r["steps"] for r in body["data"]["app"]["testRun"]["suiteReports"]["nodes"]
    }
    assert reports["health"] == []
    assert [s["name"] for s in reports["failing"]] == ["wrong status"]
    assertion = reports["failing"][0]["assertions"][0]
    assert (assertion["expected"], assertion["actual"], assertion["passed"]) == (418, 200, False)


def test_pages_follow_their_end_cursor(world: World) -> None:
    query = "query($after: String) { apps(first: 1, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } } }"
    _, first = gql(world.a.client, query, {"after": None})
    page = first["data"]["apps"]
    _, second = gql(world.a.client, query, {"after": page["pageInfo"]["endCursor"]})
    assert page["pageInfo"]["hasNextPage"] is True
    assert second["data"]["apps"]["pageInfo"]["hasNextPage"] is False
    ids = [page["nodes"][0]["id"], second["data"]["apps"]["nodes"][0]["id"]]
    assert sorted(ids) == sorted([world.a.app_id, world.a.bare_app_id])


def test_suite_cursors_are_those_of_the_rest_api(world: World) -> None:
    rest = world.a.client.get(f"/apps/{world.a.app_id}/test-suites", params={"page_size": 1}).json()
    query = "query($app: ID!, $after: String) { app(id: $app) { testSuites(first: 1, after: $after) { nodes { id } } } }"
    _, body = gql(
        world.a.client,
        query,
        {"app": world.a.app_id, "after": rest["meta"]["pagination"]["next_cursor"]},
    )
    rest_next = world.a.client.get(
        f"/apps/{world.a.app_id}/test-suites",
        params={"page_size": 1, "after": rest["meta"]["pagination"]["next_cursor"]},
    ).json()
    assert body["data"]["app"]["testSuites"]["nodes"][0]["id"] == rest_next["data"][0]["id"]


def test_schema_coverage_without_a_document_is_a_validation_error(world: World) -> None:
    query = "query($app: ID!) { app(id: $app) { name schemaCoverage { percentage } } }"
    status, body = gql(world.a.client, query, {"app": world.a.bare_app_id})
    assert status == 200
    assert codes(body) == ["VALIDATION_ERROR"]
    assert body["data"]["app"]["schemaCoverage"] is None
    assert body["data"]["app"]["name"]
