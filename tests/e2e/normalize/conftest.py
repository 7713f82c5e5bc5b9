"""The API with worker threads in the deployment under test (from tests/e2e/jobs), a target
whose contract the tests change, and helpers to run suites and normalize runs."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from orchestrator.services import keys as key_service
from tests.e2e.jobs.conftest import client, serve, wait_for_job  # noqa: F401  (fixtures used here)
from tests.e2e.normalize.target import ChangingTarget
from tests.support.api_server import Api


@pytest.fixture(scope="module")
def changing() -> Iterator[ChangingTarget]:
    server = ChangingTarget().start()
    yield server
    server.stop()


@pytest.fixture
def target(changing: ChangingTarget) -> Iterator[ChangingTarget]:
    """The changing target, back to its original contract for each test."""
    changing.reset()
    yield changing
    changing.reset()


def other_org_client(api: Api) -> httpx.Client:
    """A client with an admin key of a new, unrelated organization."""
    with Session(api.runtime.engine) as session:
        key = key_service.create_for_org_name(
            session, f"other-{secrets.token_hex(4)}", "ci", ["admin"], None
        ).key
    return api.client(key)


def make_app(http: httpx.Client, url: str, *suites: dict[str, Any]) -> tuple[str, list[str]]:
    """An app on ``url`` with ``suites``; its id and the suites' ids."""
    app = http.post("/apps", json={"name": f"norm-{secrets.token_hex(3)}", "endpoint": url})
    assert app.status_code == 201, app.text
    app_id = app.json()["data"]["id"]
    ids = []
    for suite in suites:
        created = http.post(f"/apps/{app_id}/test-suites", json=suite)
        assert created.status_code == 201, created.text
        ids.append(created.json()["data"]["id"])
    return app_id, ids


def run(http: httpx.Client, app_id: str) -> dict[str, Any]:
    """Run every suite of the app; the finished job."""
    response = http.post(f"/apps/{app_id}/test-suites/run", json={})
    assert response.status_code == 202, response.text
    return wait_for_job(http, response.json()["data"]["job_id"])


def normalize(http: httpx.Client, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST a normalize path (202 expected); the finished job."""
    response = http.post(path, json=body) if body is not None else http.post(path)
    assert response.status_code == 202, response.text
    return wait_for_job(http, response.json()["data"]["job_id"])
