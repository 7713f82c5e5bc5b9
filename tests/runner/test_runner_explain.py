"""runner.explain: plain-language explanations of failing steps (validate)."""

from __future__ import annotations

from runner import TargetClient, explain, run_suite
from tests.runner.factories import make_suite


def test_a_passing_step_needs_no_explanation(client: TargetClient, base_url: str) -> None:
    step = {"name": "ok", "request": {"path": "/status/200"}}

    result = run_suite(make_suite(step), base_url=base_url, client=client)

    assert explain(result.steps[0]) == []


def test_a_failed_assertion_is_explained_with_what_came_back(
    client: TargetClient, base_url: str
) -> None:
    step = {
        "name": "create",
        "request": {"path": "/status/500"},
        "assertions": [{"type": "status_code", "expected": 201}],
    }

    lines = explain(run_suite(make_suite(step), base_url=base_url, client=client).steps[0])

    assert lines[0] == "Assertion 1 (status code 201) failed: expected status 201, got 500."
    assert lines[1].startswith(f"GET {base_url}/status/500 answered 500 in ")
    assert lines[1].endswith('(application/json, 15 B): {"status": 500}')


def test_a_transport_failure_is_explained_with_a_hint(client: TargetClient, base_url: str) -> None:
    step = {"name": "hang", "request": {"path": "/hang"}}

    lines = explain(run_suite(make_suite(step), base_url=base_url, client=client).steps[0])

    assert lines[0].startswith(f"GET {base_url}/hang got no response: timed out waiting for")
    assert "too slow" in lines[1]


def test_an_unknown_variable_is_explained_with_where_to_define_it(
    client: TargetClient, base_url: str
) -> None:
    step = {"name": "read", "request": {"path": "/pets/{{petId}}"}}

    lines = explain(run_suite(make_suite(step), base_url=base_url, client=client).steps[0])

    assert lines == [
        "Step 1 ('read') was not sent: template error: unknown variable 'petId'.",
        "Define the variable in the suite's variables or the run environment, "
        "or extract it in an earlier step.",
    ]


def test_a_failed_extraction_is_explained(client: TargetClient, base_url: str) -> None:
    step = {"name": "html", "request": {"path": "/html"}, "extract": {"id": "$.id"}}

    lines = explain(run_suite(make_suite(step), base_url=base_url, client=client).steps[0])

    assert lines[0] == (
        "Variable id could not be extracted: response is not JSON (text/html, 1.2 kB) so "
        "$.id cannot be read; later steps that use it will fail."
    )
