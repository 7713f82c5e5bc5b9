"""A step as a virtual user plays it: request building, judging, extraction chaining."""

from __future__ import annotations

import json
from typing import Any

from loadgen.steps import CompiledSuite, ErrorLabels, Replay, StepSkipped, authorize
from runner import ObservedResponse, Suite, parse_auth
from tests.loadgen.factories import pets_suite

BASE = "http://127.0.0.1:9"


def observed(status: int, payload: Any = None, **headers: str) -> ObservedResponse:
    body = b"" if payload is None else json.dumps(payload).encode()
    return ObservedResponse(status=status, headers=headers, body=body, elapsed_ms=3.0)


def replay_of(
    suite: dict[str, Any], environment: dict[str, Any] | None = None, auth: Any = None
) -> Replay:
    compiled = CompiledSuite.of(Suite.model_validate(suite), BASE, parse_auth(auth))
    return Replay(compiled, environment or {})


def test_endpoint_names_are_method_and_path_template() -> None:
    compiled = CompiledSuite.of(Suite.model_validate(pets_suite()), BASE)
    assert [(s.method, s.name) for s in compiled.steps] == [
        ("POST", "/pets"),
        ("GET", "/pets/{{petId}}"),
    ]


def test_an_extracted_value_feeds_the_next_request_and_its_assertions() -> None:
    replay = replay_of(pets_suite())
    create, read = replay.suite.steps
    first = replay.prepare(0, create)
    assert json.loads(first.request.body or b"") == {"name": "rex"}
    assert replay.judge(0, create, first, observed(201, {"id": 42, "name": "rex"})) is None
    second = replay.prepare(1, read)
    assert second.request.url == BASE + "/pets/42"
    assert replay.judge(1, read, second, observed(200, {"id": 42})) is None
    assert "expected" in (replay.judge(1, read, second, observed(200, {"id": 7})) or "")


def test_the_environment_wins_over_the_suite_variables() -> None:
    replay = replay_of(pets_suite(), {"petName": "tom"})
    prepared = replay.prepare(0, replay.suite.steps[0])
    assert json.loads(prepared.request.body or b"") == {"name": "tom"}


def test_a_step_needing_an_unextracted_variable_is_skipped_naming_its_producer() -> None:
    replay = replay_of(pets_suite())
    create, read = replay.suite.steps
    prepared = replay.prepare(0, create)
    why = replay.judge(0, create, prepared, observed(500, {"error": "boom"}))
    assert why is not None and "expected status 201, got 500" in why
    try:
        replay.prepare(1, read)
    except StepSkipped as exc:
        assert exc.reason == "variable petId was not extracted by step 1 ('create pet')"
    else:
        raise AssertionError("the read step should be skipped")


def test_an_undefined_variable_skips_the_step() -> None:
    suite = {"name": "s", "steps": [{"name": "a", "request": {"path": "/x/{{nope}}"}}]}
    replay = replay_of(suite)
    try:
        replay.prepare(0, replay.suite.steps[0])
    except StepSkipped as exc:
        assert exc.reason.startswith("template error:") and "nope" in exc.reason
    else:
        raise AssertionError("the step should be skipped")


def test_without_a_status_assertion_an_error_status_fails_the_step() -> None:
    suite = {"name": "s", "steps": [{"name": "a", "request": {"path": "/x"}}]}
    replay = replay_of(suite)
    step = replay.suite.steps[0]
    prepared = replay.prepare(0, step)
    assert replay.judge(0, step, prepared, observed(503)) == "HTTP 503"
    assert replay.judge(0, step, prepared, observed(302)) is None


def test_with_a_status_assertion_that_assertion_decides() -> None:
    suite = {
        "name": "s",
        "steps": [
            {
                "name": "gone",
                "request": {"path": "/x"},
                "assertions": [{"type": "status_code", "expected": 404}],
            }
        ],
    }
    replay = replay_of(suite)
    step = replay.suite.steps[0]
    prepared = replay.prepare(0, step)
    assert replay.judge(0, step, prepared, observed(404)) is None
    assert replay.judge(0, step, prepared, observed(200)) == "expected status 404, got 200"


def test_a_latency_failure_reads_the_same_whatever_the_time_taken() -> None:
    suite = {
        "name": "s",
        "steps": [
            {
                "name": "a",
                "request": {"path": "/x"},
                "assertions": [{"type": "latency_ms", "op": "lte", "expected": 1}],
            }
        ],
    }
    replay = replay_of(suite)
    step = replay.suite.steps[0]
    prepared = replay.prepare(0, step)
    assert replay.judge(0, step, prepared, observed(200)) == "expected latency <= 1 ms"


def test_the_app_auth_is_applied_but_a_step_header_or_query_wins() -> None:
    suite = {
        "name": "s",
        "steps": [
            {"name": "a", "request": {"path": "/x"}},
            {"name": "b", "request": {"path": "/x", "headers": {"authorization": "Bearer mine"}}},
            {"name": "c", "request": {"path": "/x", "query": {"key": "mine"}}},
            {"name": "d", "request": {"path": "/x/{{$uuid}}"}},
        ],
    }
    bearer = replay_of(suite, auth={"type": "bearer", "token": "t0k3n"})
    a, b, _, d = bearer.suite.steps
    assert bearer.prepare(0, a).request.headers == {"Authorization": "Bearer t0k3n"}
    assert bearer.prepare(1, b).request.headers == {"authorization": "Bearer mine"}
    assert bearer.prepare(3, d).request.headers == {"Authorization": "Bearer t0k3n"}
    query = replay_of(suite, auth={"type": "query", "name": "key", "value": "s3cret"})
    a, _, c, d = query.suite.steps
    assert query.prepare(0, a).request.url == BASE + "/x?key=s3cret"
    assert query.prepare(2, c).request.url == BASE + "/x?key=mine"
    assert query.prepare(3, d).request.url.endswith("?key=s3cret")
    basic = parse_auth({"type": "basic", "username": "u", "password": "p"})
    assert authorize(replay_of(suite).prepare(0, a).request, basic, BASE).header("authorization")


def test_the_app_auth_goes_only_to_the_base_urls_origin() -> None:
    elsewhere = "http://127.0.0.1:10"  # another port: another origin
    suite = {
        "name": "s",
        "variables": {"next": elsewhere + "/steal", "same": BASE + "/same"},
        "steps": [
            {"name": "a", "request": {"path": "{{next}}"}},
            {"name": "b", "request": {"path": "{{same}}"}},
        ],
    }
    for auth in (
        {"type": "bearer", "token": "t0k3n-abc"},
        {"type": "basic", "username": "u", "password": "p4ss-word"},
        {"type": "header", "name": "X-Key", "value": "h3ader-secret"},
        {"type": "query", "name": "key", "value": "qu3ry-secret"},
    ):
        replay = replay_of(suite, auth=auth)
        a, b = replay.suite.steps
        foreign = replay.prepare(0, a).request
        assert foreign.url == elsewhere + "/steal" and foreign.headers == {}
        same = replay.prepare(1, b).request
        assert same.headers or "secret" in same.url


def test_a_request_without_placeholders_is_built_once() -> None:
    suite = {
        "name": "s",
        "steps": [
            {"name": "a", "request": {"path": "/x"}},
            {"name": "b", "request": {"path": "/x/{{$uuid}}"}},
        ],
    }
    a, b = replay_of(suite).suite.steps
    assert a.fixed is not None and replay_of(suite).prepare(0, a) is a.fixed
    assert b.fixed is None
    assert replay_of(suite).prepare(1, b).request.url != replay_of(suite).prepare(1, b).request.url


def test_distinct_failure_messages_per_endpoint_are_capped() -> None:
    labels = ErrorLabels(limit=2)
    seen = {labels.label("GET", "/x", f"got {n}") for n in range(10)}
    assert seen == {"got 0", "got 1", "other failures (too many distinct messages to list)"}
    assert labels.label("GET", "/y", "got 5") == "got 5"


def test_status_only_steps_know_the_statuses_they_accept() -> None:
    from loadgen.steps import CompiledStep, accepted_statuses
    from runner import Step

    def step(*assertions: dict[str, object], **extra: object) -> CompiledStep:
        body = {"name": "s", "request": {"path": "/x"}, "assertions": list(assertions), **extra}
        return CompiledStep.of(Step.model_validate(body), "http://127.0.0.1:1", None)

    assert step({"type": "status_code", "expected": 201}).accepted == frozenset({201})
    assert step({"type": "status_code", "expected": ["2xx", 404]}).accepted == frozenset(
        [*range(200, 300), 404]
    )
    judged = step(
        {"type": "status_code", "expected": 200},
        {"type": "json_path", "path": "$.a", "op": "exists"},
    )
    assert judged.accepted is None and not judged.status_only
    extracting = step({"type": "status_code", "expected": 200}, extract={"a": "$.a"})
    assert extracting.accepted is None
    assert accepted_statuses([]) == frozenset(range(100, 600))
