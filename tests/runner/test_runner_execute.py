"""runner.execute: suites run step by step against a real loopback target."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from runner import StepResult, TargetClient, run_suite, run_suites
from tests.runner.factories import make_suite

CREATE = {
    "name": "create pet",
    "request": {"method": "POST", "path": "/pets", "body": {"name": "{{petName}}"}},
    "assertions": [
        {"type": "status_code", "expected": 201},
        {"type": "json_path", "path": "$.name", "op": "eq", "expected": "rex"},
    ],
    "extract": {"petId": "$.id"},
}
READ = {
    "name": "read pet",
    "request": {"method": "GET", "path": "/pets/{{petId}}"},
    "assertions": [
        {"type": "status_code", "expected": 200},
        {"type": "json_path", "path": "$.id", "op": "eq", "expected": "{{petId}}"},
    ],
}
OK = {
    "name": "healthy",
    "request": {"path": "/status/200"},
    "assertions": [{"type": "status_code", "expected": 200}],
}


def step(name: str, path: str, *assertions: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": name, "request": {"path": path}, "assertions": list(assertions), **fields}


def test_an_extracted_id_chains_create_into_read(client: TargetClient, base_url: str) -> None:
    suite = make_suite(CREATE, READ, variables={"petName": "rex"})

    result = run_suite(suite, base_url=base_url, client=client)

    assert result.passed, [s.model_dump() for s in result.steps]
    create, read = result.steps
    assert create.extracted == ["petId"]
    pet_id = create.response and create.response.body.split('"id": ')[1].split(",")[0]
    assert read.request is not None and read.request.url.endswith(f"/pets/{pet_id}")


def test_a_suite_result_counts_steps_and_assertions(client: TargetClient, base_url: str) -> None:
    suite = make_suite(CREATE, READ, variables={"petName": "rex"})

    counts = run_suite(suite, base_url=base_url, client=client).counts

    assert (counts.steps, counts.passed, counts.failed, counts.not_run) == (2, 2, 0, 0)
    assert (counts.assertions, counts.assertions_failed) == (4, 0)


def test_the_run_environment_overrides_suite_variables(client: TargetClient, base_url: str) -> None:
    suite = make_suite(
        step("echo", "/echo?who={{who}}", extract={"who": "$.args.who"}),
        step("again", "/echo?who={{who}}"),
        variables={"who": "suite"},
    )

    result = run_suite(suite, base_url=base_url, client=client, variables={"who": "env"})

    first, second = result.steps
    assert first.request is not None and first.request.url.endswith("who=env")
    assert second.request is not None and second.request.url.endswith("who=env")


def test_an_extraction_overrides_the_run_environment(client: TargetClient, base_url: str) -> None:
    suite = make_suite(
        step("make", "/echo?v=extracted", extract={"v": "$.args.v"}),
        step("use", "/echo?v={{v}}"),
    )

    result = run_suite(suite, base_url=base_url, client=client, variables={"v": "env"})

    assert result.steps[1].request is not None
    assert result.steps[1].request.url.endswith("v=extracted")


def test_a_failed_step_does_not_abort_the_suite(client: TargetClient, base_url: str) -> None:
    failing = step("broken", "/status/500", {"type": "status_code", "expected": 200})

    result = run_suite(make_suite(failing, OK), base_url=base_url, client=client)

    assert not result.passed
    assert [s.passed for s in result.steps] == [False, True]
    assert result.steps[0].assertions[0].reason == "expected status 200, got 500"


def test_a_step_needing_an_unextracted_variable_fails_naming_the_step(
    client: TargetClient, base_url: str
) -> None:
    create = {**CREATE, "extract": {"petId": "$.nope"}}
    suite = make_suite(create, READ, OK, variables={"petName": "rex"})

    result = run_suite(suite, base_url=base_url, client=client)

    assert result.steps[0].extraction_failures == {"petId": "$.nope is not in the response"}
    assert not result.steps[0].passed
    read = result.steps[1]
    assert read.error == "variable petId was not extracted by step 1 ('create pet')"
    assert read.error_kind == "missing_variable" and read.request is None
    assert result.steps[2].passed


def test_a_step_that_got_no_response_leaves_its_variables_unextracted(
    client: TargetClient, base_url: str, refused_url: str
) -> None:
    create = {**CREATE, "request": {"method": "POST", "path": "{{down}}"}}
    suite = make_suite(create, READ, variables={"down": f"{refused_url}/pets"})

    result = run_suite(suite, base_url=base_url, client=client)

    assert result.steps[1].error == "variable petId was not extracted by step 1 ('create pet')"


def test_an_unknown_variable_fails_only_that_step(client: TargetClient, base_url: str) -> None:
    result = run_suite(make_suite(READ, OK), base_url=base_url, client=client)

    first = result.steps[0]
    assert first.error == "template error: unknown variable 'petId'"
    assert first.error_kind == "template"
    assert result.steps[1].passed


def test_a_noisy_field_is_not_compared(client: TargetClient, base_url: str) -> None:
    create = {
        **CREATE,
        "assertions": [
            {"type": "json_path", "path": "$.updatedAt", "op": "eq", "expected": "yesterday"}
        ],
        "noise": ["$.updatedAt"],
    }

    result = run_suite(
        make_suite(create, variables={"petName": "rex"}), base_url=base_url, client=client
    )

    assert result.passed
    assert result.steps[0].assertions[0].skipped_as_noise


def misbehaving(refused_url: str) -> dict[str, tuple[dict[str, Any], str, str]]:
    """Per case: the bad step, the error kind (empty: an assertion fails), the reason."""
    json_id = {"type": "json_path", "path": "$.id", "op": "exists"}
    # A suite's paths start with '/'; a full URL to another host comes in a variable.
    return {
        "refused": (step("down", "{{refused}}/x"), "refused", "connection refused"),
        "hangs": (step("hang", "/hang"), "timeout", "timed out waiting for"),
        "resets": (step("reset", "/reset"), "reset", "reset by"),
        "redirect loop": (step("loop", "/loop"), "too_many_redirects", "more than 5 redirects"),
        "metadata": (step("meta", "{{metadata}}"), "denied", "169.254.169.254 is denied"),
        "invalid url": (step("bad", "{{broken}}"), "invalid_url", "invalid URL"),
        "not json": (
            step("html", "/html", json_id),
            "",
            "response is not JSON (text/html, 1.2 kB)",
        ),
        "huge": (step("big", "/big", json_id), "", "cut at the size cap"),
    }


@pytest.mark.parametrize(
    "case",
    ["refused", "hangs", "resets", "redirect loop", "metadata", "invalid url", "not json", "huge"],
)
def test_a_misbehaving_target_fails_only_its_step_with_a_clear_reason(
    base_url: str, refused_url: str, case: str
) -> None:
    bad, kind, reason = misbehaving(refused_url)[case]
    urls = {
        "refused": refused_url,
        "metadata": "http://169.254.169.254/latest/meta-data/",
        "broken": "http://[::1/x",
    }
    suite = make_suite(bad, OK, variables=urls)

    with TargetClient(read_timeout=0.3, max_response_bytes=256 * 1024) as client:
        result = run_suite(suite, base_url=base_url, client=client)

    failed, healthy = result.steps
    assert not failed.passed
    said = failed.error or " ".join(a.reason or "" for a in failed.assertions)
    assert reason in said
    assert (failed.error_kind or "") == kind
    assert healthy.passed


def test_should_stop_is_honoured_between_steps(client: TargetClient, base_url: str) -> None:
    seen: list[StepResult] = []
    suite = make_suite(OK, {**OK, "name": "second"}, {**OK, "name": "third"})

    result = run_suite(
        suite,
        base_url=base_url,
        client=client,
        should_stop=lambda: len(seen) >= 1,
        on_step=seen.append,
    )

    assert result.stopped and not result.passed
    assert [s.name for s in result.steps] == ["healthy"]
    assert result.counts.not_run == 2


def test_on_step_sees_each_step_as_it_finishes(client: TargetClient, base_url: str) -> None:
    seen: list[str] = []

    run_suite(
        make_suite(OK, READ),
        base_url=base_url,
        client=client,
        on_step=lambda s: seen.append(s.name),
    )

    assert seen == ["healthy", "read pet"]


def test_run_suites_runs_suites_concurrently_and_keeps_input_order(base_url: str) -> None:
    # The first suite is the slowest, so finishing order differs from input order.
    delays = [400, 50, 250, 100]
    suites = [
        make_suite(step(f"wait {ms}", f"/slow?ms={ms}"), name=f"suite {i}")
        for i, ms in enumerate(delays)
    ]
    finished: list[int] = []

    results = run_suites(
        suites,
        concurrency=4,
        base_url=base_url,
        client_factory=TargetClient,
        on_suite=lambda i, _: finished.append(i),
    )

    assert [r.suite_name for r in results] == ["suite 0", "suite 1", "suite 2", "suite 3"]
    assert all(r.passed for r in results)
    # One at a time, suite 0 would finish first; run together, it finishes last.
    assert finished[-1] == 0


def test_run_suites_never_runs_more_suites_at_once_than_the_concurrency(base_url: str) -> None:
    lock, running, peak = threading.Lock(), [0], [0]

    class Counting(TargetClient):
        def __init__(self) -> None:
            super().__init__()
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])

        def close(self) -> None:
            with lock:
                running[0] -= 1
            super().close()

    suites = [make_suite(step("wait", "/slow?ms=60"), name=str(i)) for i in range(6)]

    results = run_suites(suites, concurrency=2, base_url=base_url, client_factory=Counting)

    assert len(results) == 6 and peak[0] == 2 and running[0] == 0


def test_run_suites_gives_each_suite_its_own_client(base_url: str) -> None:
    # The cookie set in one suite must not show up in another.
    set_cookie = make_suite(step("set", "/cookie/set"), name="sets")
    read_cookie = make_suite(
        step(
            "get",
            "/cookie/get",
            {"type": "json_path", "path": "$.cookie", "op": "eq", "expected": None},
        ),
        name="reads",
    )

    results = run_suites(
        [set_cookie, read_cookie], concurrency=1, base_url=base_url, client_factory=TargetClient
    )

    assert results[1].passed, results[1].steps[0].assertions[0].reason


def test_run_suites_marks_suites_not_started_after_a_stop_as_stopped(base_url: str) -> None:
    done: list[int] = []
    suites = [make_suite(OK, name=str(i)) for i in range(3)]

    results = run_suites(
        suites,
        concurrency=1,
        base_url=base_url,
        client_factory=TargetClient,
        should_stop=lambda: len(done) >= 1,
        on_suite=lambda i, _: done.append(i),
    )

    assert [r.stopped for r in results] == [False, True, True]
    assert results[2].steps == [] and results[2].counts.not_run == 1
