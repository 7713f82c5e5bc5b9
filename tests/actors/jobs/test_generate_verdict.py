"""The rules that decide, from one run, whether a generated suite is kept, kept marked
contradicts-spec, or dropped (actors/jobs/generate_verdict.py)."""

from __future__ import annotations

from typing import Any

from actors.jobs.generate_verdict import DocumentedResponses, judge
from runner import (
    AssertionResult,
    RecordedRequest,
    RecordedResponse,
    SchemaAssertion,
    StepResult,
    Suite,
    SuiteCounts,
    SuiteResult,
    status_matches,
)

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/pets": {
            "post": {"responses": {"201": {"description": "made"}, "422": {"description": "bad"}}}
        }
    },
}
RESPONSES = DocumentedResponses(DOCUMENT)


def suite(expected: int | str) -> Suite:
    return Suite.model_validate(
        {
            "name": "s",
            "steps": [
                {
                    "name": "create",
                    "request": {"method": "POST", "path": "/pets", "body": {}},
                    "assertions": [
                        {"type": "status_code", "expected": expected},
                        {"type": "schema", "schema": {"type": "object", "required": ["id"]}},
                    ],
                }
            ],
        }
    )


def ran(
    status: int, expected: int | str, *, schema_ok: bool, error: str | None = None
) -> SuiteResult:
    """The result of running :func:`suite` once: ``status`` received, body conforming
    to the schema or not, or no answer at all (``error``)."""
    status_ok = status_matches(status, expected)
    step = StepResult(
        index=0,
        name="create",
        passed=status_ok and schema_ok and error is None,
        request=RecordedRequest(method="POST", url="http://t/pets"),
        response=None if error else RecordedResponse(status=status),
        assertions=[]
        if error
        else [
            AssertionResult(
                type="status_code",
                expected=expected,
                actual=status,
                passed=status_ok,
                reason=None if status_ok else "wrong status",
            ),
            AssertionResult(
                type="schema",
                passed=schema_ok,
                reason=None if schema_ok else "'id' is a required property",
            ),
        ],
        error=error,
        started_at=0,
        duration_ms=1,
    )
    return SuiteResult(
        suite_name="s",
        passed=step.passed,
        steps=[step],
        counts=SuiteCounts(steps=1, passed=int(step.passed), failed=int(not step.passed)),
        started_at=0,
        duration_ms=1,
    )


def test_a_passing_suite_is_kept_as_it_is() -> None:
    judgement = judge(suite(201), ran(201, 201, schema_ok=True), RESPONSES, "positive")
    assert judgement.verdict == "kept" and judgement.suite == suite(201)


def test_an_undocumented_status_is_a_contradiction_and_the_suite_expects_it() -> None:
    judgement = judge(suite(201), ran(200, 201, schema_ok=False), RESPONSES, "positive")
    assert judgement.verdict == "contradicts_spec"
    assert judgement.suite is not None
    assert "contradicts-spec" in judgement.suite.labels
    assertions = judgement.suite.steps[0].assertions
    assert [a.type for a in assertions] == ["status_code"]  # the schema of 201 went with it
    assert assertions[0].expected == 200  # type: ignore[union-attr]
    assert "answered 200, a status its document does not list" in judgement.reasons[0]


def test_a_body_off_its_documented_schema_is_a_contradiction() -> None:
    judgement = judge(suite(201), ran(201, 201, schema_ok=False), RESPONSES, "positive")
    assert judgement.verdict == "contradicts_spec" and judgement.suite is not None
    assert [a.type for a in judgement.suite.steps[0].assertions] == ["status_code"]
    assert "does not match its documented schema" in (judgement.suite.description or "")


def test_a_documented_status_other_than_the_expected_one_drops_the_suite() -> None:
    judgement = judge(suite(201), ran(422, 201, schema_ok=True), RESPONSES, "positive")
    assert judgement.verdict == "dropped" and judgement.suite is None
    assert "probably not what the API wants" in judgement.reasons[0]


def test_a_lenient_api_drops_the_negative_case_saying_so() -> None:
    judgement = judge(suite("4xx"), ran(201, "4xx", schema_ok=True), RESPONSES, "negative")
    assert judgement.verdict == "dropped"
    assert "validates less strictly than documented" in judgement.reasons[0]


def test_an_undocumented_server_error_on_bad_input_is_kept_marked() -> None:
    judgement = judge(suite("4xx"), ran(500, "4xx", schema_ok=False), RESPONSES, "negative")
    assert judgement.verdict == "contradicts_spec" and judgement.suite is not None
    assert judgement.suite.steps[0].assertions[0].expected == 500  # type: ignore[union-attr]


def test_no_answer_drops_the_suite() -> None:
    result = ran(0, 201, schema_ok=False, error="connection refused by t")
    judgement = judge(suite(201), result, RESPONSES, "positive")
    assert judgement.verdict == "dropped"
    assert judgement.reasons == ["step 1 (create): connection refused by t"]


def test_a_negative_case_passing_on_a_404_is_dropped_not_kept() -> None:
    judgement = judge(suite("4xx"), ran(404, "4xx", schema_ok=True), RESPONSES, "negative")

    assert judgement.verdict == "dropped"
    assert "answered 404 (the route or the resource was not found)" in judgement.reasons[0]


def test_a_negative_case_is_dropped_when_no_valid_request_was_accepted() -> None:
    result = ran(422, "4xx", schema_ok=True)

    judgement = judge(suite("4xx"), result, RESPONSES, "negative", operation="POST /pets",
                      reached=lambda operation: None)  # fmt: skip
    kept = judge(suite("4xx"), result, RESPONSES, "negative", operation="POST /pets",
                 reached=lambda operation: "201 to 'create'")  # fmt: skip

    assert judgement.verdict == "dropped" and "was accepted in this job" in judgement.reasons[0]
    assert kept.verdict == "kept"


def test_an_undocumented_404_or_401_is_never_kept_as_a_contradiction() -> None:
    for status in (401, 404):
        judgement = judge(suite(201), ran(status, 201, schema_ok=False), RESPONSES, "positive")
        assert judgement.verdict == "dropped", status


def test_a_body_off_its_schema_in_one_place_keeps_the_rest_of_the_check() -> None:
    checked = suite(201)
    result = ran(201, 201, schema_ok=False)
    assert result.steps[0].response is not None
    result.steps[0].response.body = '{"id": 1, "name": 5}'
    schema = {"type": "object", "required": ["id", "tag"],
              "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}  # fmt: skip
    checked.steps[0].assertions[1] = SchemaAssertion.model_validate(
        {"type": "schema", "schema": schema}
    )

    judgement = judge(checked, result, RESPONSES, "positive")

    assert judgement.verdict == "contradicts_spec" and judgement.suite is not None
    step = judgement.suite.steps[0]
    kept = next(a for a in step.assertions if isinstance(a, SchemaAssertion))
    assert kept.schema_["required"] == ["id"] and step.noise == ["$.name"]
