"""A nested query costs a bounded number of SQL statements whatever the number of
parents: the loaders fetch each level in one batch (counted with SQLAlchemy's
``before_cursor_execute`` event, for this request's id alone).

Authentication's statements are left out of the count: whether a request pays them
depends on the clock (the key's 2-second cache entry, its once-a-minute ``last_used_at``
write), not on the query, and a slow machine crosses those lines between two requests."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from orchestrator.context import request_id
from tests.e2e.graphql.conftest import gql
from tests.support.api_server import Api
from tests.support.factories import client_for, create_app_with_suites, create_key, health_suite
from tests.support.jobs import run_suites
from tests.support.pets_target import PetsTarget

DASHBOARD = """query($apps: Int!) { apps(first: $apps) { nodes { name
  testRuns(first: 3) { nodes { status job { jobStatus }
    suiteReports(first: 20) { nodes { suiteName steps(failedOnly: true) { name
      assertions { expected actual reason } } } } } } } } }"""
# apps + count, runs + counts, jobs, reports + counts: 7. Anything above means a level
# is not batched.
MAX_STATEMENTS = 7
# A statement on a table authentication reads or writes (the key, its organization, the
# key's last use).
AUTHENTICATION = re.compile(r"\b(from|update|join)\s+(api_keys|organizations)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def busy_org(serve: Api, target: PetsTarget) -> Iterator[httpx.Client]:
    """An organization with 6 apps, each with 2 suites and 2 finished runs."""
    with client_for(serve, create_key(serve.runtime)) as client:
        for _ in range(6):
            app_id, _ = create_app_with_suites(
                client, target.url, health_suite("a"), health_suite("b")
            )
            for _ in range(2):
                run_suites(client, app_id)
        yield client


def statements_of(
    api: Api, client: httpx.Client, query: str, variables: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """``(SQL statements the request ran, its answer)``."""
    rid = f"req-count-{secrets.token_hex(6)}"
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The request's id is in the context of every thread that works for it.
        if request_id() == rid and not AUTHENTICATION.search(statement):
            seen.append(statement)

    event.listen(api.runtime.engine, "before_cursor_execute", count)
    try:
        status, body = gql(client, query, variables, **{"X-Request-ID": rid})
    finally:
        event.remove(api.runtime.engine, "before_cursor_execute", count)
    assert status == 200 and "errors" not in body, body
    return len(seen), body


def test_the_nested_dashboard_query_is_a_few_statements(serve: Api, busy_org: httpx.Client) -> None:
    statements, body = statements_of(serve, busy_org, DASHBOARD, {"apps": 6})
    apps = body["data"]["apps"]["nodes"]
    assert len(apps) == 6
    assert all(len(a["testRuns"]["nodes"]) == 2 for a in apps)
    assert all(len(r["suiteReports"]["nodes"]) == 2 for a in apps for r in a["testRuns"]["nodes"])
    assert 0 < statements <= MAX_STATEMENTS


def test_statements_do_not_grow_with_the_number_of_parents(
    serve: Api, busy_org: httpx.Client
) -> None:
    one, _ = statements_of(serve, busy_org, DASHBOARD, {"apps": 1})
    six, _ = statements_of(serve, busy_org, DASHBOARD, {"apps": 6})
    assert six <= one
