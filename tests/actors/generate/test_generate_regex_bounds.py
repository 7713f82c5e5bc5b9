"""Generation under hostile OpenAPI patterns (issue 12, item 2): a pattern that backtracks
catastrophically is given up on with a reason instead of stalling the generator, one too
costly to compile is dropped, and every schema written into a suite is one the runner
accepts (no reference leaving it, every regex usable)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from actors.generate import generate_suites
from actors.generate.jsonschema import SchemaConverter
from actors.generate.refs import Resolver
from actors.generate.regex import RegexUnsupported, string_matching
from runner import SchemaAssertion, Suite, bounded_regex, schema_refusal, suite_to_dict

# \B after the a's never holds before '!', but the generator ignores anchors, so its
# candidate fails to match, and proving that takes exponential backtracking.
CATASTROPHIC = r"^(a|a){30,}\B!$"
TOO_COSTLY = "(a{1000}){1000}"


@pytest.fixture(autouse=True)
def _short_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounded_regex, "MATCH_TIMEOUT_S", 0.02)


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (CATASTROPHIC, "timed out"),
        (r"^(aa|a){40,}\B!$", "timed out"),
        (TOO_COSTLY, "unroll"),
        ("a" * (bounded_regex.MAX_PATTERN_LENGTH + 1), "longer than"),
    ],
    ids=["alternation overlap", "alternation of prefixes", "nested counts", "too long"],
)
def test_an_unusable_pattern_is_given_up_on_with_a_reason(pattern: str, why: str) -> None:
    with pytest.raises(RegexUnsupported, match=why):
        string_matching(pattern, random.Random(0))


def test_a_pattern_too_costly_to_compile_is_dropped_from_converted_schemas() -> None:
    converted = SchemaConverter(Resolver({}), is_31=True).convert(
        {"type": "string", "pattern": TOO_COSTLY}, "response"
    )
    assert converted == {"type": "string"}
    assert schema_refusal(converted) is None


def _document(pattern: str) -> dict[str, Any]:
    item = {
        "type": "object",
        "required": ["code"],
        "properties": {"code": {"type": "string", "pattern": pattern}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "hostile", "version": "1"},
        "paths": {
            "/items": {
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": item}},
                    },
                    "responses": {
                        "201": {
                            "description": "created",
                            "content": {"application/json": {"schema": item}},
                        }
                    },
                }
            }
        },
    }


@pytest.mark.parametrize("pattern", [CATASTROPHIC, TOO_COSTLY])
def test_generation_with_a_hostile_pattern_ends_with_suites_the_runner_accepts(
    pattern: str,
) -> None:
    result = generate_suites(_document(pattern), max_test_suites=5)

    assert result.candidates
    for generated in result.candidates:
        suite = Suite.model_validate(suite_to_dict(generated.suite))
        for step in suite.steps:
            for assertion in step.assertions:
                if isinstance(assertion, SchemaAssertion):
                    assert schema_refusal(assertion.schema_) is None
