"""Generated suites against a real server: every flow, positive and negative case made
from a document that describes the server truthfully must pass when the runner runs it.

The target is a strict FastAPI pets API (tests/support/strict_pets_app.py) on a free
loopback port; the documents are its own (FastAPI, OpenAPI 3.1) and hand-written 3.0
and Swagger 2.0 descriptions of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actors.generate import GenerationResult, generate_suites
from runner import SuiteResult, TargetClient, run_suite
from tests.support.live_server import LiveServer
from tests.support.strict_pets_app import create_app

DATA = Path(__file__).parents[2] / "data" / "openapi"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = LiveServer(create_app()).start()
    yield live
    live.stop()


def _documents() -> dict[str, Any]:
    return {
        "fastapi-3.1": create_app().openapi(),
        "handwritten-3.0": (DATA / "pets-crud.yaml").read_text(),
        "handwritten-swagger-2.0": (DATA / "pets-crud-swagger2.yaml").read_text(),
    }


def _failures(results: list[tuple[str, SuiteResult]]) -> list[str]:
    out = []
    for name, result in results:
        for step in result.steps:
            if not step.passed:
                why = step.error or "; ".join(
                    a.reason or "" for a in step.assertions if not a.passed
                )
                status = step.response.status if step.response else None
                out.append(f"{name} / {step.name}: {status} {why}"[:400])
    return out


def _run(result: GenerationResult, server: LiveServer, kinds: set[str]) -> list[str]:
    results = []
    with TargetClient() as client:
        for generated in result.candidates:
            # A fallback is tried only when the case before it failed; here none does.
            if generated.kind in kinds and not generated.fallback:
                outcome = run_suite(generated.suite, base_url=server.url, client=client)
                results.append((generated.suite.name, outcome))
    assert results, "no suite of the wanted kinds was generated"
    return _failures(results)


@pytest.mark.parametrize("name", sorted(_documents()))
def test_every_flow_and_positive_case_passes_on_the_healthy_api(
    name: str, server: LiveServer
) -> None:
    result = generate_suites(_documents()[name], max_test_suites=200, max_candidates=200)

    assert _run(result, server, {"flow", "positive"}) == []


@pytest.mark.parametrize("name", sorted(_documents()))
def test_every_negative_case_passes_on_the_strict_api(name: str, server: LiveServer) -> None:
    result = generate_suites(_documents()[name], max_test_suites=200, max_candidates=200)

    assert _run(result, server, {"negative"}) == []


def test_crud_flow_covers_create_read_update_delete_and_read_is_gone(server: LiveServer) -> None:
    result = generate_suites(create_app().openapi(), max_test_suites=200)
    flow = next(
        g for g in result.candidates if g.kind == "flow" and "/pets/{petId}" in g.suite.name
    )

    steps = [(s.request.method, s.request.path) for s in flow.suite.steps]

    assert steps == [
        ("POST", "/pets"),
        ("GET", "/pets/{{petId}}"),
        ("PUT", "/pets/{{petId}}"),
        ("GET", "/pets/{{petId}}"),
        ("DELETE", "/pets/{{petId}}"),
        ("GET", "/pets/{{petId}}"),
    ]
    assert flow.suite.steps[-1].assertions[0].expected == 404  # type: ignore[union-attr]


def test_an_api_that_forgets_updates_fails_the_generated_flow() -> None:
    live = LiveServer(create_app(forget_updates=True)).start()
    try:
        result = generate_suites(create_app().openapi(), max_test_suites=200)
        failures = _run(result, live, {"flow"})
    finally:
        live.stop()

    assert any("read after update" in failure for failure in failures), failures
