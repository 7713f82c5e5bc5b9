"""Normalizing a suite against recorded steps: each failed assertion follows the
observation (and then passes), passing ones stay, and nothing is weakened silently."""

from __future__ import annotations

import json
from typing import Any

from actors.normalize import Samples, normalize_suite
from actors.normalize.guard import noise_refusal, refusal
from runner import (
    MASK,
    HeaderAssertion,
    JsonPathAssertion,
    ObservedResponse,
    RecordedRequest,
    RecordedResponse,
    StatusCodeAssertion,
    StepResult,
    Suite,
    evaluate_all,
    parse_noise,
)


def suite(
    *assertions: dict[str, Any], noise: list[str] | None = None, method: str = "GET"
) -> Suite:
    return Suite.model_validate(
        {
            "name": "s",
            "steps": [
                {
                    "name": "read",
                    "request": {"method": method, "path": "/x"},
                    "assertions": list(assertions),
                    "noise": noise or [],
                }
            ],
        }
    )


def observe(
    status: int = 200, body: Any = None, headers: dict[str, str] | None = None
) -> ObservedResponse:
    raw = (
        b""
        if body is None
        else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
    )
    return ObservedResponse(status, {k.lower(): v for k, v in (headers or {}).items()}, raw, 2.0)


def record(s: Suite, observed: ObservedResponse, *, cut: bool = False) -> list[StepResult]:
    step = s.steps[0]
    verdicts = evaluate_all(step.assertions, observed, step.noise)
    return [
        StepResult(
            index=0,
            name=step.name,
            passed=all(v.passed for v in verdicts),
            request=RecordedRequest(method=step.request.method, url="http://127.0.0.1:9/x"),
            response=RecordedResponse(
                status=observed.status,
                headers=observed.headers,
                body=observed.text,
                body_cut=cut,
                size=len(observed.body),
            ),
            assertions=verdicts,
            started_at=0.0,
            duration_ms=1.0,
        )
    ]


def passes_after(s: Suite, observed: ObservedResponse) -> bool:
    step = s.steps[0]
    return all(v.passed for v in evaluate_all(step.assertions, observed, step.noise))


def test_each_failed_expectation_follows_the_observation_and_then_passes() -> None:
    s = suite(
        {"type": "status_code", "expected": "2xx"},
        {"type": "json_path", "path": "$.name", "op": "eq", "expected": "rex"},
        {"type": "json_path", "path": "$.kind", "op": "in", "expected": ["cat", "dog"]},
        {"type": "json_path", "path": "$.age", "op": "lt", "expected": 10},
        {"type": "json_path", "path": "$.tags", "op": "type", "expected": "array"},
        {"type": "json_path", "path": "$.owner", "op": "eq", "expected": "ann"},
        {"type": "json_path", "path": "$.gone", "op": "exists"},
        {"type": "header", "name": "Content-Type", "op": "contains", "expected": "json"},
        {"type": "body", "op": "contains", "expected": "rex"},
    )
    observed = observe(
        404,
        {"name": "max", "kind": "fox", "age": 12, "tags": "a,b", "owner": None},
        {"content-type": "text/plain"},
    )
    out = normalize_suite(s, record(s, observed), suite_id="ts_1")
    assert [c.line for c in out.changes] == [
        "s / read / status: status '2xx' → status 404",
        "s / read / $.name: eq 'rex' → eq 'max'",
        's / read / $.kind: in ["cat","dog"] → in ["cat","dog","fox"]',
        "s / read / $.age: lt 10 → lte 12",
        "s / read / $.tags: type 'array' → type 'string'",
        "s / read / $.owner: eq 'ann' → type 'null'",
        "s / read / $.gone: exists → not_exists",
        "s / read / header:content-type: contains 'json' → eq 'text/plain'",
        's / read / body: contains \'rex\' → eq \'{"name": "max", "kind": "fox", "age": 12, "tags": "a,b", "owner": null}\'',
    ]
    assert out.changed and passes_after(out.suite, observed)


def test_passing_assertions_and_passing_steps_are_untouched() -> None:
    s = suite(
        {"type": "status_code", "expected": 200},
        {"type": "json_path", "path": "$.a", "op": "eq", "expected": 1},
        {"type": "json_path", "path": "$.b", "op": "eq", "expected": 2},
    )
    out = normalize_suite(s, record(s, observe(200, {"a": 1, "b": 3})), suite_id=None)
    assert out.suite.steps[0].assertions[:2] == s.steps[0].assertions[:2]
    assert [c.target for c in out.changes] == ["$.b"]
    passing = normalize_suite(s, record(s, observe(200, {"a": 1, "b": 2})), suite_id=None)
    assert passing.changes == [] and not passing.changed and passing.suite is s


def test_a_renamed_field_is_followed_when_one_sibling_holds_the_value() -> None:
    s = suite({"type": "json_path", "path": "$.pet.name", "op": "eq", "expected": "rex"})
    out = normalize_suite(
        s, record(s, observe(200, {"pet": {"title": "rex", "id": 1}})), suite_id=None
    )
    assert out.suite.steps[0].assertions[0] == JsonPathAssertion(
        type="json_path", path="$.pet.title", op="eq", expected="rex"
    )
    ambiguous = observe(200, {"pet": {"title": "rex", "label": "rex"}})
    out = normalize_suite(s, record(s, ambiguous), suite_id=None)
    assert out.suite.steps[0].assertions[0].op == "not_exists"  # type: ignore[union-attr]


def test_a_schema_reduced_to_nothing_is_refused() -> None:
    s = suite({"type": "schema", "schema": {"required": ["id"]}})
    out = normalize_suite(s, record(s, observe(200, {"name": "x"})), suite_id=None)
    assert [c.kind for c in out.changes] == ["refused"]
    assert out.changes[0].reason == "the widened schema would accept any document"
    assert not out.changed


def test_templated_expectations_latency_and_cut_bodies_are_refused() -> None:
    s = suite(
        {"type": "json_path", "path": "$.id", "op": "eq", "expected": "{{petId}}"},
        {"type": "latency_ms", "op": "lte", "expected": 0.5},
        {"type": "json_path", "path": "$.name", "op": "eq", "expected": "rex"},
        {"type": "status_code", "expected": 201},
    )
    out = normalize_suite(
        s, record(s, observe(200, {"id": 1, "name": "max"}), cut=True), suite_id=None
    )
    kinds = {c.target: (c.kind, c.reason) for c in out.changes}
    assert kinds["$.id"] == (
        "refused",
        "the expectation uses {{variables}}; normalize never inlines their values",
    )
    assert kinds["latency_ms"][0] == "refused" and "requirement" in (kinds["latency_ms"][1] or "")
    assert kinds["$.name"] == (
        "refused",
        "the response body was cut in the report, so it cannot be the baseline",
    )
    assert kinds["status"] == ("changed", None)


def test_matches_that_disagree_are_refused_rather_than_weakened() -> None:
    s = suite({"type": "json_path", "path": "$[*].kind", "op": "eq", "expected": "dog"})
    out = normalize_suite(
        s, record(s, observe(200, [{"kind": "cat"}, {"kind": "fox"}])), suite_id=None
    )
    assert out.changes[0].kind == "refused"
    assert "no single value fits" in (out.changes[0].reason or "")


def test_a_server_error_refuses_every_expectation_of_its_step() -> None:
    s = suite(
        {"type": "status_code", "expected": 200},
        {"type": "json_path", "path": "$.ok", "op": "eq", "expected": True},
    )
    out = normalize_suite(s, record(s, observe(502, {"error": "bad gateway"})), suite_id=None)
    assert [c.kind for c in out.changes] == ["refused", "refused"]
    assert not out.changed


def test_what_varies_between_identical_calls_becomes_noise_and_keeps_a_presence_check() -> None:
    s = suite(
        {"type": "json_path", "path": "$.at", "op": "eq", "expected": "x"},
        {"type": "json_path", "path": "$", "op": "eq", "expected": {"id": 1}},
        {"type": "header", "name": "x-trace", "op": "eq", "expected": "0"},
    )
    observed = observe(200, {"id": 1, "at": "t1", "n": 5}, {"x-trace": "a1", "x-other": "1"})
    samples = [
        observe(200, {"id": 1, "at": "t2", "n": 5}, {"x-trace": "b2", "x-other": "2"}),
        observe(200, {"id": 1, "at": "t3", "n": 5}, {"x-trace": "c3", "x-other": "3"}),
    ]
    out = normalize_suite(
        s, record(s, observed), suite_id=None, resender=lambda _step: Samples(samples)
    )
    step = out.suite.steps[0]
    assert step.noise == ["header:x-trace", "$.at"], "x-other is asserted nowhere"
    assert [a.op for a in step.assertions] == ["exists", "eq", "exists"]  # type: ignore[union-attr]
    assert step.assertions[1].expected == {"id": 1, "n": 5}  # type: ignore[union-attr]
    assert passes_after(out.suite, observed) and all(passes_after(out.suite, o) for o in samples)


def test_typical_noise_is_recognised_without_re_sending() -> None:
    s = suite(
        {"type": "header", "name": "ETag", "op": "eq", "expected": '"abc"'},
        {"type": "json_path", "path": "$.token", "op": "eq", "expected": "old"},
        method="POST",
    )
    observed = observe(
        200, {"token": "9f86d081884c7d659a2feaa0c55ad015"}, {"etag": '"d41d8cd98f00"'}
    )
    out = normalize_suite(
        s,
        record(s, observed),
        suite_id=None,
        resender=lambda _step: Samples(skipped="POST is not re-sent"),
    )
    assert out.suite.steps[0].noise == ["header:etag", "$.token"]
    assert [c.line for c in out.changes if c.kind == "noise"][:2] == [
        "s / read / header:etag: noise += header:etag (the etag header changes by design)",
        "s / read / $.token: noise += $.token (looks like a random token)",
    ]
    assert out.notes == ["s / read / noise: POST is not re-sent"]


def test_a_whole_body_that_varies_is_not_marked_as_noise() -> None:
    s = suite({"type": "json_path", "path": "$", "op": "eq", "expected": [1]})
    observed = observe(200, [1, 2])
    samples = [observe(200, [1, 2, 3]), observe(200, [1, 2, 3, 4])]
    out = normalize_suite(
        s, record(s, observed), suite_id=None, resender=lambda _step: Samples(samples)
    )
    assert out.changes[0].kind == "refused" and out.changes[0].target == "$"
    assert "ignore it" in (out.changes[0].reason or "")
    assert out.suite.steps[0].noise == []


def test_steps_without_a_response_and_failed_extractions_are_reported() -> None:
    s = suite({"type": "status_code", "expected": 200})
    failed = StepResult(
        index=0,
        name="read",
        passed=False,
        error="connection refused",
        started_at=0.0,
        duration_ms=1.0,
    )
    out = normalize_suite(s, [failed], suite_id=None)
    assert [c.line for c in out.changes] == [
        "s / read / step: refused: no response to take as the baseline: connection refused"
    ]


def test_guard_refuses_meaningless_expectations() -> None:
    noise = parse_noise(["$.at", "header:date"])
    eq = JsonPathAssertion(type="json_path", path="$.id", op="eq", expected=1)
    exists = JsonPathAssertion(type="json_path", path="$.id", op="exists")
    assert refusal(eq, exists, noise) == "'eq' would become 'exists' on a target that is not noise"
    at_eq = eq.model_copy(update={"path": "$.at"})
    assert refusal(at_eq, exists.model_copy(update={"path": "$.at"}), noise) is None
    header = HeaderAssertion(type="header", name="Date", op="exists")
    assert refusal(header.model_copy(update={"op": "eq", "expected": "x"}), header, noise) is None
    every = StatusCodeAssertion(type="status_code", expected=["1xx", "2xx", "3xx", "4xx", "5xx"])
    assert refusal(every, every, noise) == "the status expectation would accept any status"
    long_in = eq.model_copy(update={"op": "in", "expected": list(range(21))})
    assert "more than 20 allowed values" in (refusal(eq, long_in, noise) or "")
    masked = eq.model_copy(update={"expected": f"Bearer {MASK}"})
    assert refusal(eq, masked, noise) == "the observed value holds a masked secret"
    anything = eq.model_copy(update={"op": "matches", "expected": ".*"})
    assert refusal(eq, anything, noise) == "the pattern /.*/ matches any text"
    assert noise_refusal("$") and noise_refusal("$[*]") and noise_refusal("$.*")
    assert noise_refusal("$.at") is None and noise_refusal("header:date") is None
