"""runner.assertions: every assertion type and operator, with the reason text."""

from __future__ import annotations

from typing import Any

import pytest

from runner import evaluate
from tests.runner.factories import assertion, observed

PET: dict[str, Any] = {
    "name": "rex",
    "age": 3,
    "weight": 4.5,
    "whole": 1.0,
    "good": True,
    "nothing": None,
    "tags": ["a", "b"],
    "owner": {"id": 1, "name": "ann"},
    "items": [{"id": 1, "price": 5}, {"id": 2, "price": 15}],
    "empty": [],
}


def judge(path: str, op: str, expected: Any = None, document: Any = PET, **more: Any) -> Any:
    fields: dict[str, Any] = {"type": "json_path", "path": path, "op": op}
    if op not in ("exists", "not_exists"):
        fields["expected"] = expected
    return evaluate(assertion(**fields), observed(json_body=document), **more)


# (path, op, expected) that hold on PET.
HOLDS = [
    ("$.name", "eq", "rex"),
    ("$.age", "eq", 3.0),
    ("$.owner", "eq", {"name": "ann", "id": 1}),
    ("$.name", "ne", "max"),
    ("$.good", "ne", 1),
    ("$.age", "lt", 4),
    ("$.age", "lte", 3),
    ("$.weight", "gt", 4),
    ("$.weight", "gte", 4.5),
    ("$.name", "contains", "ex"),
    ("$.tags", "contains", "a"),
    ("$.owner", "contains", "id"),
    ("$.owner", "contains", {"name": "ann"}),
    ("$.items", "contains", {"price": 15}),
    ("$.name", "not_contains", "z"),
    ("$.tags", "not_contains", "z"),
    ("$.name", "matches", "^r.x$"),
    ("$.age", "matches", r"^\d+$"),
    ("$.name", "exists", None),
    ("$.nothing", "exists", None),
    ("$.missing", "not_exists", None),
    ("$.age", "type", "integer"),
    ("$.age", "type", "number"),
    ("$.whole", "type", "integer"),
    ("$.weight", "type", "number"),
    ("$.good", "type", "boolean"),
    ("$.nothing", "type", "null"),
    ("$.tags", "type", "array"),
    ("$.owner", "type", "object"),
    ("$.name", "in", ["max", "rex"]),
    ("$.items[*].id", "type", "integer"),
    ("$.items[-1].price", "eq", 15),
]


@pytest.mark.parametrize(("path", "op", "expected"), HOLDS, ids=lambda v: str(v))
def test_operator_holds(path: str, op: str, expected: Any) -> None:
    result = judge(path, op, expected)

    assert result.passed, result.reason
    assert result.reason is None


# (path, op, expected, the reason given) that fail on PET.
FAILS = [
    ("$.name", "eq", "max", "$.name: expected 'max', got 'rex'"),
    ("$.good", "eq", 1, "$.good: expected 1, got true"),
    ("$.name", "ne", "rex", "$.name: expected anything but 'rex', got it"),
    ("$.age", "lt", 3, "$.age: expected < 3, got 3"),
    ("$.age", "lte", 2, "$.age: expected <= 2, got 3"),
    ("$.age", "gt", 3, "$.age: expected > 3, got 3"),
    ("$.age", "gte", 4, "$.age: expected >= 4, got 3"),
    ("$.name", "gt", 1, "$.name: expected a number > 1, got 'rex'"),
    ("$.good", "gte", 0, "$.good: expected a number >= 0, got true"),
    ("$.tags", "contains", "z", '$.tags: expected to contain \'z\', got ["a","b"]'),
    ("$.age", "contains", 3, "$.age: expected a string, array or object, got integer (3)"),
    ("$.name", "not_contains", "ex", "$.name: expected not to contain 'ex', got 'rex'"),
    ("$.name", "matches", "^m", "$.name: expected to match /^m/, got 'rex'"),
    ("$.missing", "exists", None, "$.missing is missing"),
    ("$.name", "not_exists", None, "$.name: expected to be absent, got 'rex'"),
    ("$.weight", "type", "integer", "$.weight: expected type integer, got number (4.5)"),
    ("$.good", "type", "integer", "$.good: expected type integer, got boolean (true)"),
    ("$.age", "type", "string", "$.age: expected type string, got integer (3)"),
    ("$.name", "in", ["max", "ace"], '$.name: expected one of ["max","ace"], got \'rex\''),
    ("$.missing", "eq", 1, "$.missing is missing"),
]


@pytest.mark.parametrize(("path", "op", "expected", "reason"), FAILS, ids=lambda v: str(v))
def test_operator_fails_with_a_plain_reason(path: str, op: str, expected: Any, reason: str) -> None:
    result = judge(path, op, expected)

    assert not result.passed
    assert result.reason == reason


def test_a_result_records_target_op_expected_and_actual() -> None:
    result = judge("$.name", "eq", "max")

    assert (result.type, result.target, result.op) == ("json_path", "$.name", "eq")
    assert (result.expected, result.actual) == ("max", "rex")


def test_eq_on_a_wildcard_path_needs_every_match_to_equal() -> None:
    result = judge("$.items[*].id", "eq", 1)

    assert not result.passed
    assert result.reason == "$.items[1].id: expected 1, got 2"
    assert result.actual == [1, 2]


def test_an_ordering_operator_on_a_wildcard_path_reports_the_first_failing_match() -> None:
    assert judge("$.items[*].price", "lt", 10).reason == "$.items[1].price: expected < 10, got 15"


def test_a_wildcard_path_that_matches_nothing_fails() -> None:
    assert judge("$.empty[*].id", "type", "integer").reason == "$.empty[*].id matched nothing"


def test_a_huge_actual_value_is_bounded_in_the_result() -> None:
    result = judge("$.big", "eq", [], document={"big": list(range(5000))})

    assert isinstance(result.actual, str)
    assert len(result.actual) < 2100
    assert "characters in all" in result.actual


def test_json_path_on_a_non_json_response_says_what_came_instead() -> None:
    html = observed(body=b"<html>" + b"x" * 1194, headers={"Content-Type": "text/html; utf-8"})

    result = evaluate(assertion(type="json_path", path="$.id", op="exists"), html)

    assert result.reason == "response is not JSON (text/html, 1.2 kB) so $.id cannot be read"


def test_json_path_on_a_truncated_response_blames_the_size_cap() -> None:
    cut = observed(body=b'{"id": [1, 2', truncated=True)

    result = evaluate(assertion(type="json_path", path="$.id", op="exists"), cut)

    assert "cut at the size cap" in (result.reason or "")


def test_json_path_on_an_empty_body_says_so() -> None:
    result = evaluate(assertion(type="json_path", path="$.id", op="exists"), observed(204))

    assert result.reason == "response body is empty so $.id cannot be read"


def test_status_code_passes_on_the_expected_code() -> None:
    assert evaluate(assertion(type="status_code", expected=201), observed(201)).passed


def test_status_code_failure_names_both_codes() -> None:
    result = evaluate(assertion(type="status_code", expected=201), observed(500))

    assert result.reason == "expected status 201, got 500"
    assert (result.expected, result.actual) == (201, 500)


def test_status_code_accepts_a_class() -> None:
    assert evaluate(assertion(type="status_code", expected="2xx"), observed(204)).passed
    result = evaluate(assertion(type="status_code", expected="2xx"), observed(404))
    assert result.reason == "expected status 2xx, got 404"


def test_status_code_accepts_a_list_of_codes_and_classes() -> None:
    spec = assertion(type="status_code", expected=[200, "3xx"])

    assert evaluate(spec, observed(302)).passed
    assert evaluate(spec, observed(500)).reason == "expected status one of 200, 3xx, got 500"


def test_header_assertion_ignores_the_case_of_the_name() -> None:
    response = observed(headers={"Content-Type": "application/json"})
    spec = assertion(type="header", name="CONTENT-TYPE", op="contains", expected="json")

    result = evaluate(spec, response)

    assert result.passed
    assert result.target == "content-type"


def test_a_missing_header_fails_with_its_name() -> None:
    result = evaluate(assertion(type="header", name="x-trace", op="eq", expected="a"), observed())

    assert result.reason == "header x-trace is missing"


def test_header_values_compare_as_numbers_when_the_expectation_is_a_number() -> None:
    response = observed(headers={"content-length": "15"})

    assert evaluate(assertion(type="header", name="content-length", expected=15), response).passed
    spec = assertion(type="header", name="content-length", op="lt", expected=10)
    assert evaluate(spec, response).reason == "header content-length: expected < 10, got '15'"


def test_header_not_exists_passes_when_absent() -> None:
    assert evaluate(assertion(type="header", name="x-debug", op="not_exists"), observed()).passed


def test_body_assertion_works_on_the_raw_text() -> None:
    response = observed(body=b"pong", headers={"content-type": "text/plain"})

    assert evaluate(assertion(type="body", op="eq", expected="pong"), response).passed
    spec = assertion(type="body", op="matches", expected="^pi")
    assert evaluate(spec, response).reason == "body: expected to match /^pi/, got 'pong'"


def test_body_assertion_on_an_empty_body_says_it_is_empty() -> None:
    result = evaluate(assertion(type="body", op="contains", expected="x"), observed(204))

    assert result.reason == "body: the response body is empty"


SCHEMA = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}


def test_schema_assertion_passes_on_a_conforming_body() -> None:
    spec = assertion(type="schema", schema=SCHEMA)

    assert evaluate(spec, observed(json_body={"id": 1, "name": "rex"})).passed


def test_schema_violation_is_reported_with_its_path() -> None:
    spec = assertion(type="schema", schema=SCHEMA)

    result = evaluate(spec, observed(json_body={"id": "one", "name": "rex"}))

    assert result.reason == "schema violation: $.id: 'one' is not of type 'integer'"


def test_schema_reports_only_the_first_few_violations() -> None:
    schema = {"type": "array", "items": {"type": "integer"}}

    result = evaluate(assertion(type="schema", schema=schema), observed(json_body=list("abcde")))

    assert result.reason is not None
    assert result.reason.startswith("schema violations: $[0]: 'a' is not of type 'integer'")
    assert result.reason.endswith("(and 2 more)")
    assert len(result.actual) == 3


def test_schema_draft_2020_12_keywords_are_understood() -> None:
    schema = {"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "integer"}}
    spec = assertion(type="schema", schema=schema)

    assert evaluate(spec, observed(json_body=["a", 1, 2])).passed
    assert not evaluate(spec, observed(json_body=["a", "b"])).passed


def test_schema_on_a_non_json_response_fails_with_the_reason() -> None:
    html = observed(body=b"<p>hi</p>", headers={"content-type": "text/html"})

    result = evaluate(assertion(type="schema", schema=SCHEMA), html)

    assert result.reason == (
        "response is not JSON (text/html, 9 B) so it cannot be checked against the schema"
    )


def test_latency_within_budget_passes() -> None:
    spec = assertion(type="latency_ms", op="lte", expected=500)

    assert evaluate(spec, observed(elapsed_ms=120)).passed


def test_latency_over_budget_fails_with_both_numbers() -> None:
    spec = assertion(type="latency_ms", op="lte", expected=500)

    result = evaluate(spec, observed(elapsed_ms=812))

    assert result.reason == "expected latency <= 500 ms, took 812 ms"


def test_a_json_path_under_noise_passes_marked_as_skipped() -> None:
    result = judge("$.name", "eq", "max", noise=["$.name"])

    assert result.passed and result.skipped_as_noise


def test_a_wildcard_noise_path_covers_each_element() -> None:
    result = judge("$.items[1].price", "eq", 0, noise=["$.items[*].price"])

    assert result.skipped_as_noise


def test_a_path_beneath_a_noise_path_is_noise_too() -> None:
    assert judge("$.owner.name", "eq", "bob", noise=["$.owner"]).skipped_as_noise


def test_a_path_outside_the_noise_is_still_compared() -> None:
    result = judge("$.name", "eq", "max", noise=["$.owner", "$.items[*].id"])

    assert not result.passed and not result.skipped_as_noise


def test_existence_is_still_checked_under_noise() -> None:
    result = judge("$.missing", "exists", noise=["$.missing"])

    assert not result.passed and not result.skipped_as_noise


def test_eq_on_an_object_ignores_its_noisy_members() -> None:
    result = judge("$.owner", "eq", {"id": 99, "name": "ann"}, noise=["$.owner.id"])

    assert result.passed and not result.skipped_as_noise


def test_a_header_under_noise_is_skipped() -> None:
    spec = assertion(type="header", name="Date", op="eq", expected="yesterday")

    result = evaluate(spec, observed(headers={"date": "today"}), noise=["header:date"])

    assert result.passed and result.skipped_as_noise


def test_schema_violations_under_noise_are_ignored() -> None:
    spec = assertion(type="schema", schema=SCHEMA)

    result = evaluate(spec, observed(json_body={"id": "x", "name": "rex"}), noise=["$.id"])

    assert result.passed
