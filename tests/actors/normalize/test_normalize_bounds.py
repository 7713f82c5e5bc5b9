"""Normalization under hostile schemas and patterns (issue 12, items 1 and 2): widening a
schema whose regex backtracks catastrophically, or whose reference leaves it, is refused
with that reason (never a hang, never a fetch), and a proposed 'matches' is judged with
the bounded engine."""

from __future__ import annotations

from typing import Any

import pytest

from actors.normalize.guard import refusal
from actors.normalize.schema_widen import CannotWiden, widen
from runner import JsonPathAssertion, Noise, bounded_regex

HOSTILE, TEXT = r"^(a|a)+$", "a" * 40 + "!"


@pytest.fixture(autouse=True)
def _short_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounded_regex, "MATCH_TIMEOUT_S", 0.02)


CASES: dict[str, tuple[dict[str, Any], Any, str]] = {
    "pattern": ({"type": "string", "pattern": HOSTILE}, TEXT, "timed out"),
    "pattern of a property": (
        {"properties": {"name": {"pattern": HOSTILE}}},
        {"name": TEXT},
        "timed out",
    ),
    "patternProperties": (
        {"patternProperties": {HOSTILE: {"type": "integer"}}},
        {TEXT: 1},
        "timed out",
    ),
    "additionalProperties": (
        {"additionalProperties": False, "patternProperties": {HOSTILE: {}}},
        {TEXT: 1},
        "timed out",
    ),
    "unevaluatedProperties": (
        {"unevaluatedProperties": False, "patternProperties": {HOSTILE: {}}},
        {TEXT: 1},
        "timed out",
    ),
    "oneOf branch": ({"oneOf": [{"pattern": HOSTILE}, {"type": "integer"}]}, TEXT, "timed out"),
    "$ref to a host": ({"$ref": "http://127.0.0.1:9/x.json"}, TEXT, "does not resolve"),
    "$ref to a file": ({"items": {"$ref": "file:///etc/passwd"}}, [TEXT], "does not resolve"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_widening_a_schema_that_cannot_be_applied_is_refused_with_the_reason(name: str) -> None:
    schema, document, why = CASES[name]
    with pytest.raises(CannotWiden, match=why) as caught:
        widen(schema, document)
    assert str(caught.value).startswith("the schema cannot be applied:")


def test_a_pattern_that_would_grow_past_the_limit_is_not_widened() -> None:
    schema = {"type": "string", "pattern": "^x$"}
    long_text = "y" * bounded_regex.MAX_PATTERN_LENGTH
    with pytest.raises(CannotWiden, match="the pattern cannot admit"):
        widen(schema, long_text)


def test_an_ordinary_pattern_still_widens_to_admit_the_observed_text() -> None:
    result = widen({"type": "string", "pattern": "^[0-9]+$"}, "n/a")
    assert result.schema["pattern"] == "(?:^[0-9]+$)|^n/a$"


def _matches(expected: str) -> JsonPathAssertion:
    return JsonPathAssertion(type="json_path", path="$.v", op="matches", expected=expected)


def test_a_proposed_pattern_matching_anything_is_still_refused() -> None:
    old = JsonPathAssertion(type="json_path", path="$.v", op="eq", expected="x")
    assert refusal(old, _matches(".*"), Noise()) == "the pattern /.*/ matches any text"
    assert refusal(old, _matches("^v[0-9]+$"), Noise()) is None
