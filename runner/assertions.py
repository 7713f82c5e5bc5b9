"""Judging one response against the assertions of a step.

Pure: works on an :class:`ObservedResponse` only, so the runner and the Locust users
share it. Every verdict says, in plain words, why it failed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache

from jsonschema.protocols import Validator

from runner import bounded_regex, jsonpath, schemas
from runner.compare import check
from runner.noise import Noise, parse_noise
from runner.observed import ObservedResponse
from runner.results import AssertionResult, bounded
from runner.suite import (
    AnyAssertion,
    BodyAssertion,
    HeaderAssertion,
    JsonPathAssertion,
    LatencyAssertion,
    SchemaAssertion,
    StatusCodeAssertion,
)

# Enough violations to see a pattern, few enough to read.
MAX_SCHEMA_VIOLATIONS = 3
_PRESENCE = ("exists", "not_exists")
_SYMBOLS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
# Every regular expression of one assertion together (a schema's patterns over each
# string of a body, a 'matches' over each value of a wildcard path) gets this long, on
# top of the bound of each match, so that a step always ends soon.
REGEX_BUDGET_S = 1.0


def evaluate(
    assertion: AnyAssertion, observed: ObservedResponse, noise: Sequence[str] | Noise = ()
) -> AssertionResult:
    """Judge ``assertion`` against ``observed``; never raises for any response.

    ``noise`` holds the step's noise entries: a JSON path or header under noise is not
    compared (the result passes with ``skipped_as_noise``), though ``exists`` and
    ``not_exists`` are still checked since presence does not vary.
    """
    parsed = parse_noise(noise)
    with bounded_regex.budget(REGEX_BUDGET_S):
        return _evaluate(assertion, observed, parsed)


def _evaluate(
    assertion: AnyAssertion, observed: ObservedResponse, parsed: Noise
) -> AssertionResult:
    if isinstance(assertion, StatusCodeAssertion):
        return _status(assertion, observed)
    if isinstance(assertion, HeaderAssertion):
        return _header(assertion, observed, parsed)
    if isinstance(assertion, JsonPathAssertion):
        return _json_path(assertion, observed, parsed)
    if isinstance(assertion, BodyAssertion):
        return _body(assertion, observed)
    if isinstance(assertion, SchemaAssertion):
        return _schema(assertion, observed, parsed)
    return _latency(assertion, observed)


def evaluate_all(
    assertions: Sequence[AnyAssertion],
    observed: ObservedResponse,
    noise: Sequence[str] | Noise = (),
) -> list[AssertionResult]:
    """:func:`evaluate` for each assertion, in order."""
    parsed = parse_noise(noise)
    return [evaluate(assertion, observed, parsed) for assertion in assertions]


def status_matches(status: int, expected: int | str | list[int | str]) -> bool:
    """Whether ``status`` is the code, in the class ('2xx') or in the list of either."""
    options = expected if isinstance(expected, list) else [expected]
    for option in options:
        if isinstance(option, int) and status == option:
            return True
        if isinstance(option, str) and str(status // 100) == option[0]:
            return True
    return False


def _status(assertion: StatusCodeAssertion, observed: ObservedResponse) -> AssertionResult:
    passed = status_matches(observed.status, assertion.expected)
    reason = None
    if not passed:
        spec = assertion.expected
        wanted = (
            "one of " + ", ".join(str(s) for s in spec) if isinstance(spec, list) else str(spec)
        )
        reason = f"expected status {wanted}, got {observed.status}"
    return AssertionResult(
        type="status_code",
        expected=assertion.expected,
        actual=observed.status,
        passed=passed,
        reason=reason,
    )


def _header(
    assertion: HeaderAssertion, observed: ObservedResponse, noise: Noise
) -> AssertionResult:
    name = assertion.name.lower()
    value = observed.headers.get(name)
    result = AssertionResult(
        type="header",
        target=name,
        op=assertion.op,
        expected=bounded(assertion.expected),
        actual=value,
        passed=False,
    )
    if assertion.op not in _PRESENCE and noise.covers_header(name):
        return _skipped(result)
    if value is None:
        why = None if assertion.op == "not_exists" else f"header {name} is missing"
    else:
        failure = check(assertion.op, value, assertion.expected, from_text=True)
        why = f"header {name}: {failure}" if failure else None
    return _verdict(result, why)


def _body(assertion: BodyAssertion, observed: ObservedResponse) -> AssertionResult:
    text = observed.text
    result = AssertionResult(
        type="body",
        op=assertion.op,
        expected=bounded(assertion.expected),
        actual=bounded(text),
        passed=False,
    )
    if not observed.body:
        why = None if assertion.op == "not_exists" else "body: the response body is empty"
    else:
        failure = check(assertion.op, text, assertion.expected, from_text=True)
        why = f"body: {failure}" if failure else None
    return _verdict(result, why)


def _json_path(
    assertion: JsonPathAssertion, observed: ObservedResponse, noise: Noise
) -> AssertionResult:
    path = _parse_path(assertion.path)
    result = AssertionResult(
        type="json_path",
        target=assertion.path,
        op=assertion.op,
        expected=bounded(assertion.expected),
        passed=False,
    )
    if assertion.op not in _PRESENCE and noise.covers(path.parts):
        return _skipped(result)
    ok, document = observed.json()
    if not ok:
        return _verdict(result, not_json_reason(observed, f"{assertion.path} cannot be read"))
    matches = path.find_with_paths(document)
    values = [value for _, value in matches]
    result.actual = bounded(values if path.is_wildcard else (values[0] if values else None))
    if not matches:
        missing = "matched nothing" if path.is_wildcard else "is missing"
        why = None if assertion.op == "not_exists" else f"{assertion.path} {missing}"
        return _verdict(result, why)
    # On a wildcard path every match must satisfy the operator; the first that does not
    # is reported by its concrete path.
    for parts, value in matches:
        expected = assertion.expected
        if assertion.op in ("eq", "ne"):
            value, expected = noise.strip(value, parts), noise.strip(expected, parts)
        failure = check(assertion.op, value, expected)
        if failure:
            return _verdict(result, f"{jsonpath.format_parts(parts)}: {failure}")
    return _verdict(result, None)


def _schema(
    assertion: SchemaAssertion, observed: ObservedResponse, noise: Noise
) -> AssertionResult:
    result = AssertionResult(type="schema", expected=bounded(assertion.schema_), passed=False)
    ok, document = observed.json()
    if not ok:
        return _verdict(
            result, not_json_reason(observed, "it cannot be checked against the schema")
        )
    validator = _validator(json.dumps(assertion.schema_, sort_keys=True))
    try:
        errors = [
            error
            for error in validator.iter_errors(document)
            if not noise.covers(tuple(error.absolute_path))
        ]
    except Exception as exc:
        # A reference that leaves the schema, or a regex that ran out of time: the
        # schema cannot be applied, which is a failure the suite's author must see.
        why = schemas.unusable(exc)
        if why is None:
            raise
        return _verdict(result, f"schema cannot be checked: {why}")
    if not errors:
        return _verdict(result, None)
    errors.sort(key=lambda e: (len(e.absolute_path), [str(p) for p in e.absolute_path]))
    shown = [
        f"{jsonpath.format_parts(tuple(e.absolute_path))}: {_cut(e.message)}"
        for e in errors[:MAX_SCHEMA_VIOLATIONS]
    ]
    result.actual = shown
    more = len(errors) - len(shown)
    suffix = f" (and {more} more)" if more > 0 else ""
    noun = "violation" if len(errors) == 1 else "violations"
    return _verdict(result, f"schema {noun}: " + "; ".join(shown) + suffix)


def _latency(assertion: LatencyAssertion, observed: ObservedResponse) -> AssertionResult:
    took = round(observed.elapsed_ms, 1)
    result = AssertionResult(
        type="latency_ms",
        op=assertion.op,
        expected=assertion.expected,
        actual=took,
        passed=False,
    )
    failure = check(assertion.op, observed.elapsed_ms, assertion.expected)
    symbol = _SYMBOLS[assertion.op]
    why = f"expected latency {symbol} {assertion.expected:g} ms, took {took:g} ms"
    return _verdict(result, why if failure else None)


def not_json_reason(observed: ObservedResponse, consequence: str) -> str:
    """Why a body is not JSON, e.g. 'response is not JSON (text/html, 1.2 kB) so …'."""
    size = human_size(len(observed.body))
    if not observed.body:
        return f"response body is empty so {consequence}"
    if observed.truncated:
        return (
            f"response was cut at the size cap ({size}), "
            f"so it is not complete JSON and {consequence}"
        )
    kind = observed.headers.get("content-type", "no content type").split(";")[0].strip()
    return f"response is not JSON ({kind}, {size}) so {consequence}"


def human_size(size: int) -> str:
    """Bytes as people read them: 312 B, 1.2 kB, 10.0 MB."""
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


def _verdict(result: AssertionResult, why: str | None) -> AssertionResult:
    result.passed = why is None
    result.reason = why
    return result


def _skipped(result: AssertionResult) -> AssertionResult:
    result.passed = True
    result.skipped_as_noise = True
    return result


def _cut(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


@lru_cache(maxsize=256)
def _parse_path(text: str) -> jsonpath.JsonPath:
    return jsonpath.parse(text)


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Validator:
    # Keyed by the canonical JSON so a load test reuses one compiled validator per schema.
    return schemas.validator_for(json.loads(schema_json))
