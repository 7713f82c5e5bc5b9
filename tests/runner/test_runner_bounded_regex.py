"""User-supplied regexes run bounded: a catastrophic pattern is stopped with a reason that
says so, wherever it appears (``matches`` on a path, header or body; a JSON Schema
``pattern``, ``patternProperties`` and the keywords built on them)."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from runner import STORED_SUITE, RegexRefused, RegexTimeout, check_regex, evaluate, regex_search
from runner import bounded_regex as bounded
from runner.schemas import one_dialect, validator_for
from tests.runner.factories import assertion, observed

# (pattern, a text it backtracks on catastrophically), each a known ReDoS shape.
HOSTILE = {
    "alternation overlap": (r"^(a|a)+$", "a" * 40 + "!"),
    "alternation of prefixes": (r"^(aa|a)+$", "a" * 40 + "!"),
    "starred alternation": (r"^(?:a|a)*$", "a" * 40 + "!"),
    "nested lazy quantifier": (r"^(.*?a){25}$", "a" * 40 + "!"),
    "nested repeat of a star": (r"^(.*?,){30}P", "1," * 35),
}
ONE = HOSTILE["alternation overlap"]


@pytest.fixture(autouse=True)
def _short_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # The behaviour does not depend on the bound; a short one keeps the matrix fast.
    monkeypatch.setattr(bounded, "MATCH_TIMEOUT_S", 0.02)


@pytest.mark.parametrize(("pattern", "text"), HOSTILE.values(), ids=HOSTILE.keys())
def test_a_catastrophic_match_is_stopped_with_a_reason(pattern: str, text: str) -> None:
    with pytest.raises(RegexTimeout, match="timed out after"):
        regex_search(pattern, text)


def test_the_issue_example_is_a_plain_mismatch() -> None:
    # ^(a+)+$ froze the server through the standard library; this engine answers at once.
    assert regex_search(r"^(a+)+$", "a" * 27 + "b") is False
    assert regex_search(r"^(a+)+$", "a" * 27) is True


def test_a_budget_bounds_many_matches_together() -> None:
    pattern, text = ONE
    with bounded.budget(0.01), pytest.raises(RegexTimeout, match=r"after 0\.01 s"):
        regex_search(pattern, text)


def test_once_a_budget_is_spent_every_further_match_stops_at_once() -> None:
    pattern, text = ONE
    with bounded.budget(0.01):
        for _ in range(3):
            with pytest.raises(RegexTimeout, match=r"after 0\.01 s"):
                regex_search(pattern, text)
        with pytest.raises(RegexTimeout):
            regex_search("^a+$", "aaa")


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("(a{1000}){1000}", "unroll to 1,000,000"),
        ("(?:(?:a{100}){100})?", "unroll to 10,000"),
        ("(?:b{500,1000}){500,1000}", "unroll to 250,000"),
        ("a" * (bounded.MAX_PATTERN_LENGTH + 1), "longer than"),
        ("(unclosed", "missing"),
        ("(" * 500 + ")" * 500, "nested too deeply"),
    ],
    ids=["nested counts", "optional nested counts", "nested ranges", "too long", "syntax", "deep"],
)
def test_patterns_too_costly_to_compile_are_refused_before_compiling(
    pattern: str, why: str
) -> None:
    with pytest.raises(RegexRefused, match=why):
        check_regex(pattern)


def test_ordinary_patterns_are_usable() -> None:
    for pattern in (
        r"^\d{4}-\d{2}-\d{2}$",
        r"[0-9a-f]{64}",
        r"^(?:[a-z]+\.)+[a-z]{2,}$",
        ".{0,5000}",
    ):
        check_regex(pattern)
    assert regex_search(r"^\d{4}-\d{2}-\d{2}$", "2024-01-31")


# --- In assertions: the step fails, and its reason says the regex timed out. -----------


def _matches(where: str, pattern: str, text: str) -> tuple[dict[str, Any], Any]:
    if where == "json_path":
        spec = {"type": "json_path", "path": "$.v", "op": "matches", "expected": pattern}
        return spec, observed(json_body={"v": text})
    if where == "wildcard json_path":
        spec = {"type": "json_path", "path": "$[*]", "op": "matches", "expected": pattern}
        return spec, observed(json_body=[text] * 20)
    if where == "header":
        spec = {"type": "header", "name": "x-v", "op": "matches", "expected": pattern}
        return spec, observed(headers={"x-v": text})
    spec = {"type": "body", "op": "matches", "expected": pattern}
    return spec, observed(body=text.encode())


MATCHES = [("body", name) for name in HOSTILE] + [
    (where, "alternation overlap") for where in ("json_path", "wildcard json_path", "header")
]


@pytest.mark.parametrize(("where", "hostile"), MATCHES)
def test_a_catastrophic_matches_fails_its_assertion_saying_it_timed_out(
    where: str, hostile: str
) -> None:
    spec, response = _matches(where, *HOSTILE[hostile])
    result = evaluate(assertion(**spec), response)
    assert not result.passed
    assert result.reason is not None and "timed out" in result.reason


DRAFT7 = "http://json-schema.org/draft-07/schema#"
DRAFT2020 = "https://json-schema.org/draft/2020-12/schema"


def _schema_cases(pattern: str, text: str) -> dict[str, tuple[dict[str, Any], Any]]:
    return {
        "pattern": ({"type": "string", "pattern": pattern}, text),
        "pattern of a property": ({"properties": {"v": {"pattern": pattern}}}, {"v": text}),
        "pattern in items": ({"items": {"pattern": pattern}}, [text]),
        "propertyNames": ({"propertyNames": {"pattern": pattern}}, {text: 1}),
        "patternProperties": ({"patternProperties": {pattern: {}}}, {text: 1}),
        "additionalProperties": (
            {"additionalProperties": False, "patternProperties": {pattern: {}}},
            {text: 1},
        ),
        "unevaluatedProperties": (
            {"unevaluatedProperties": False, "patternProperties": {pattern: {}}},
            {text: 1},
        ),
        "behind a local $ref": (
            {"$ref": "#/$defs/p", "$defs": {"p": {"pattern": pattern}}},
            text,
        ),
        # jsonschema picks each subschema's validator class from its own $schema: these
        # would reach the stock class, whose pattern runs plain re, unbounded.
        "in a subschema declaring draft 7": (
            {"properties": {"v": {"$schema": DRAFT7, "pattern": pattern}}},
            {"v": text},
        ),
        "behind a $ref to a root declaring 2020-12": (
            {"$schema": DRAFT2020, "properties": {"v": {"$ref": "#"}}, "pattern": pattern},
            {"v": text},
        ),
    }


PLACES = list(_schema_cases("", ""))
SCHEMAS = [("pattern", name) for name in HOSTILE] + [
    (place, "alternation overlap") for place in PLACES if place != "pattern"
]


@pytest.mark.parametrize(("place", "hostile"), SCHEMAS)
def test_a_catastrophic_schema_pattern_fails_the_schema_check_saying_it_timed_out(
    place: str, hostile: str
) -> None:
    schema, document = _schema_cases(*HOSTILE[hostile])[place]
    result = evaluate(assertion(type="schema", schema=schema), observed(json_body=document))
    assert not result.passed
    assert result.reason is not None
    assert result.reason.startswith("schema cannot be checked: the regular expression")
    assert "timed out" in result.reason


@pytest.mark.parametrize("place", PLACES)
def test_each_regex_keyword_is_bounded_even_when_it_runs_first(place: str) -> None:
    # The validator directly (its keyword order is the schema's), so each keyword is the
    # one that meets the pattern first.
    schema, document = _schema_cases(*ONE)[place]
    with pytest.raises(RegexTimeout):
        list(validator_for(schema).iter_errors(document))


def test_dropping_dialects_keeps_names_and_values() -> None:
    schema = {
        "$schema": DRAFT7,
        "properties": {"$schema": {"const": {"$schema": DRAFT7}}},
        "items": [{"$schema": DRAFT7, "type": "string"}],
    }
    assert one_dialect(schema) == {
        "properties": {"$schema": {"const": {"$schema": DRAFT7}}},
        "items": [{"type": "string"}],
    }


@pytest.mark.parametrize("place", PLACES)
def test_bounded_keywords_judge_like_jsonschema_on_ordinary_patterns(place: str) -> None:
    for text in ("12", "x1"):
        schema, document = _schema_cases(r"^\d+$", text)[place]
        ours = [e.message for e in validator_for(schema).iter_errors(document)]
        theirs = [e.message for e in Draft202012Validator(schema).iter_errors(document)]
        assert ours == theirs


def test_a_suite_refuses_an_unusable_matches_pattern_naming_the_field() -> None:
    with pytest.raises(ValueError, match="invalid regular expression: its counted repeats"):
        assertion(type="body", op="matches", expected="(a{1000}){1000}")


def test_a_suite_refuses_an_unusable_schema_pattern() -> None:
    with pytest.raises(ValueError, match=r"pattern /\(a\{1000\}\)\{1000\}/ is not a usable"):
        assertion(type="schema", schema={"pattern": "(a{1000}){1000}"})
    with pytest.raises(ValueError, match="patternProperties"):
        assertion(type="schema", schema={"patternProperties": {"(": {}}})


def test_a_stored_suite_with_an_unusable_pattern_loads_and_its_step_says_why() -> None:
    from runner import Suite

    suite = Suite.model_validate(
        {
            "name": "old",
            "steps": [
                {
                    "name": "s",
                    "request": {"path": "/"},
                    "assertions": [{"type": "body", "op": "matches", "expected": "(a{99}){99}"}],
                }
            ],
        },
        context=STORED_SUITE,
    )
    result = evaluate(suite.steps[0].assertions[0], observed(body=b"a"))
    assert not result.passed
    assert result.reason is not None and "invalid regular expression" in result.reason
