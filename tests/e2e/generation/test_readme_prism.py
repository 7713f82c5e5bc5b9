"""The README's walk-through against Prism serving the README's own example document
(examples/openapi.yaml): the example suite runs, generation keeps suites, and a run of
everything right after passes. Needs node and npm (Prism is installed into the npm cache
when missing); skipped without them, except in CI."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.factories import create_app as make_app
from tests.support.jobs import generate, run_suites
from tests.support.prism import PrismServer, prism_for_tests

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "openapi.yaml"


@pytest.fixture(scope="module")
def prism() -> Iterator[PrismServer]:
    yield from prism_for_tests(EXAMPLE)


def readme_suite() -> dict[str, Any]:
    """The suite under "Suite format" in the README (the walk-through's suite.json)."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Suite format.*?```json\n(.*?)```", readme, re.S)
    assert block is not None
    return dict(json.loads(block.group(1)))


def test_the_readme_suite_passes_against_the_example_document(
    client: httpx.Client, prism: PrismServer
) -> None:
    app_id = make_app(client, prism.url, auth={"type": "bearer", "token": "target-token"})
    assert client.post(f"/apps/{app_id}/test-suites", json=readme_suite()).status_code == 201

    assert run_suites(client, app_id, base_url=prism.url, timeout=60)["job_status"] == "COMPLETED"


def test_generation_from_the_example_document_keeps_suites_that_pass_right_after(
    client: httpx.Client, prism: PrismServer
) -> None:
    app_id = make_app(client, prism.url, auth={"type": "bearer", "token": "target-token"})
    put = client.put(f"/apps/{app_id}", json={"schema": EXAMPLE.read_text()})
    assert put.status_code == 200, put.text

    job = generate(client, app_id, base_url=prism.url, max_test_suites=30)

    assert job["job_status"] == "COMPLETED", job
    assert job["result"]["path_prefix"] == ""  # Prism serves at its root, not below /v1
    history = client.get(f"/apps/{app_id}/generation-history/{job['job_id']}").json()["data"]
    kept = {o["operation"] for o in history["operations"] if o["status"] == "kept"}
    assert kept == {"GET /pets", "POST /pets", "GET /pets/{petId}", "PUT /pets/{petId}",
                    "DELETE /pets/{petId}"}  # fmt: skip
    assert {d["topic"] for d in history["decisions"]} >= {"base_path", "auth"}
    assert client.get(f"/apps/{app_id}/schema-coverage").json()["data"]["percentage"] > 0
    assert run_suites(client, app_id, base_url=prism.url, timeout=60)["job_status"] == "COMPLETED"
