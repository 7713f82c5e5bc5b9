"""Running suites: steps in order, variables flowing from one step to the next.

A step that fails does not stop its suite: later steps still run, except a step that
needs a variable an earlier step failed to extract (it fails, naming that step). The
target's misbehaviour (refused, hung, reset, huge, malformed) fails one step, never the
run. Stopping is cooperative: ``should_stop`` is asked before every step.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import structlog

from runner.assertions import evaluate_all
from runner.auth import same_origin
from runner.errors import TargetError
from runner.extract import extract_all
from runner.masking import Masker
from runner.observed import ObservedResponse
from runner.prepare import OutgoingRequest, build_request, render_assertions
from runner.results import (
    AssertionResult,
    RecordedRequest,
    RecordedResponse,
    StepResult,
    SuiteResult,
    count_steps,
)
from runner.suite import Step, Suite
from runner.templating import TemplateError, placeholders

log = structlog.get_logger(__name__)

# Reports keep this much of each request and response body; `size` tells the rest.
DEFAULT_RECORDED_BODY_CHARS = 64 * 1024


class Client(Protocol):
    """What the runner needs from an HTTP client (:class:`~runner.target.TargetClient`)."""

    masker: Masker
    auth: Any

    def authorize(self, request: OutgoingRequest) -> OutgoingRequest: ...

    def send(self, request: OutgoingRequest, *, authorized: bool = False) -> ObservedResponse: ...

    def close(self) -> None: ...


def _never() -> bool:
    return False


def run_suite(
    suite: Suite,
    *,
    base_url: str,
    client: Client,
    variables: Mapping[str, Any] | None = None,
    should_stop: Callable[[], bool] = _never,
    on_step: Callable[[StepResult], None] | None = None,
    masker: Masker | None = None,
) -> SuiteResult:
    """Run every step of ``suite`` against ``base_url`` and return what happened.

    Variables: the suite's, then ``variables`` (the run environment), then extractions;
    later wins. ``on_step`` is called after each step. If ``should_stop`` answers True
    before a step, the remaining steps are not run and the result is marked ``stopped``.
    Never raises for anything the target does; exceptions of the callbacks propagate.

    Every string of a step's record is masked (the client's secrets, plus ``masker``'s:
    the job's), since a target may echo a credential into any value a step records. The
    app's credentials go only to ``base_url``'s origin.
    """
    started_at, t0 = time.time(), time.perf_counter()
    masker = client.masker.plus(masker) if masker is not None else client.masker
    scope: dict[str, Any] = {**suite.variables, **(variables or {})}
    unextracted: dict[str, int] = {}
    steps: list[StepResult] = []
    stopped = False
    for index, step in enumerate(suite.steps):
        if should_stop():
            stopped = True
            break
        result = _run_step(index, step, suite, scope, unextracted, base_url, client, masker)
        steps.append(result)
        if on_step is not None:
            on_step(result)
    counts = count_steps(len(suite.steps), steps)
    return SuiteResult(
        suite_name=suite.name,
        passed=not stopped and counts.failed == 0,
        stopped=stopped,
        steps=steps,
        counts=counts,
        started_at=started_at,
        duration_ms=_ms_since(t0),
    )


def run_suites(
    suites: Sequence[Suite],
    *,
    concurrency: int,
    base_url: str,
    client_factory: Callable[[], Client],
    variables: Mapping[str, Any] | None = None,
    should_stop: Callable[[], bool] = _never,
    on_step: Callable[[int, StepResult], None] | None = None,
    on_suite: Callable[[int, SuiteResult], None] | None = None,
    masker: Masker | None = None,
) -> list[SuiteResult]:
    """Run ``suites`` on at most ``concurrency`` threads; results in input order.

    Each suite gets its own client from ``client_factory`` (closed afterwards), so no
    cookies or connections leak between suites. ``on_step`` and ``on_suite`` receive the
    suite's index and are called from worker threads. A suite not started when
    ``should_stop`` turns True is returned stopped with no steps.
    """

    def run_one(position: int, suite: Suite) -> SuiteResult:
        if should_stop():
            return _not_started(suite)
        client = client_factory()
        try:
            step_hook = None if on_step is None else (lambda step: on_step(position, step))
            result = run_suite(
                suite,
                base_url=base_url,
                client=client,
                variables=variables,
                should_stop=should_stop,
                on_step=step_hook,
                masker=masker,
            )
        finally:
            client.close()
        if on_suite is not None:
            on_suite(position, result)
        return result

    workers = max(1, min(concurrency, len(suites)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gauntlet-suite") as pool:
        futures = [pool.submit(run_one, i, suite) for i, suite in enumerate(suites)]
        return [future.result() for future in futures]


def _run_step(
    index: int,
    step: Step,
    suite: Suite,
    scope: dict[str, Any],
    unextracted: dict[str, int],
    base_url: str,
    client: Client,
    masker: Masker,
) -> StepResult:
    started_at, t0 = time.time(), time.perf_counter()
    record: dict[str, Any] = {"index": index, "name": step.name, "started_at": started_at}

    def finish(**fields: Any) -> StepResult:
        # A step that did not get to extract leaves its variables unset for later steps.
        for variable in step.extract:
            if variable not in fields.get("extracted", ()):
                unextracted[variable] = index
        passed = not fields.get("error") and not fields.get("extraction_failures")
        passed = passed and all(a.passed for a in fields.get("assertions", ()))
        masked = _masked_fields(fields, masker) if masker else fields
        return StepResult(**record, **masked, passed=passed, duration_ms=_ms_since(t0))

    blocker = _blocked_by(step, unextracted)
    if blocker is not None:
        producer = unextracted[blocker]
        name = suite.steps[producer].name
        message = f"variable {blocker} was not extracted by step {producer + 1} ({name!r})"
        return finish(error=message, error_kind="missing_variable")
    try:
        outgoing = build_request(step.request, scope, base_url)
        assertions = render_assertions(step.assertions, scope)
    except TemplateError as exc:
        return finish(error=f"template error: {exc}", error_kind="template")
    if client.auth is None or same_origin(outgoing.url, base_url):
        outgoing = client.authorize(outgoing)
    else:
        # A whole URL elsewhere (a link the target returned, a run variable): the app's
        # credentials are for the base URL's origin only.
        record["notes"] = [_withheld(outgoing.url, base_url)]
    record["request"] = _record_request(outgoing, masker)
    try:
        observed = client.send(outgoing, authorized=True)
    except TargetError as exc:
        return finish(error=exc.message, error_kind=exc.kind)
    except Exception as exc:  # a bug must fail the step, not the worker
        log.exception("runner.step_crashed", step=index, suite=suite.name)
        return finish(error=f"internal error: {type(exc).__name__}", error_kind="internal")
    verdicts = evaluate_all(assertions, observed, step.noise)
    extraction = extract_all(step.extract, observed)
    scope.update(extraction.values)
    for variable in extraction.values:
        unextracted.pop(variable, None)
    return finish(
        response=_record_response(observed, masker),
        assertions=verdicts,
        extracted=list(extraction.values),
        extraction_failures=extraction.failures,
    )


def _withheld(url: str, base_url: str) -> str:
    return (
        f"sent without the app's credentials: {_origin_text(url)} is not the origin of "
        f"the base URL ({_origin_text(base_url)})"
    )


def _origin_text(url: str) -> str:
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rpartition("@")[2]
    return f"{scheme}://{host}"


def _masked_fields(fields: dict[str, Any], masker: Masker) -> dict[str, Any]:
    """The parts of a step record not masked where they were made: what assertions saw
    and said, why extraction or the step failed (a target echoing a credential puts it
    in any of them)."""
    out = dict(fields)
    if out.get("error"):
        out["error"] = masker.text(out["error"])
    if out.get("extraction_failures"):
        out["extraction_failures"] = masker.value(out["extraction_failures"])
    if out.get("assertions"):
        out["assertions"] = [_masked_assertion(a, masker) for a in out["assertions"]]
    return out


def _masked_assertion(result: AssertionResult, masker: Masker) -> AssertionResult:
    return result.model_copy(
        update={
            "target": masker.text(result.target) if result.target else result.target,
            "expected": masker.value(result.expected),
            "actual": masker.value(result.actual),
            "reason": masker.text(result.reason) if result.reason else result.reason,
        }
    )


def _blocked_by(step: Step, unextracted: Mapping[str, int]) -> str | None:
    if not unextracted:
        return None
    needed = placeholders(step.request.model_dump())
    for assertion in step.assertions:
        needed |= placeholders(getattr(assertion, "expected", None))
    for name in sorted(needed):
        for candidate in (name, name.split(".")[0]):
            if candidate in unextracted:
                return candidate
    return None


def _record_request(request: OutgoingRequest, masker: Masker) -> RecordedRequest:
    body = None
    if request.body is not None:
        body = masker.text(_cut(request.body.decode("utf-8", errors="replace")))
    return RecordedRequest(
        method=request.method,
        url=masker.url(request.url),
        headers=masker.headers(request.headers),
        body=body,
        body_size=len(request.body or b""),
    )


def _record_response(observed: ObservedResponse, masker: Masker) -> RecordedResponse:
    text = observed.text
    return RecordedResponse(
        status=observed.status,
        headers=masker.headers(observed.headers),
        body=masker.text(_cut(text)),
        body_cut=len(text) > DEFAULT_RECORDED_BODY_CHARS,
        size=len(observed.body),
        truncated=observed.truncated,
        elapsed_ms=round(observed.elapsed_ms, 3),
    )


def _not_started(suite: Suite) -> SuiteResult:
    return SuiteResult(
        suite_name=suite.name,
        passed=False,
        stopped=True,
        counts=count_steps(len(suite.steps), []),
        started_at=time.time(),
        duration_ms=0.0,
    )


def _cut(text: str) -> str:
    return text[:DEFAULT_RECORDED_BODY_CHARS]


def _ms_since(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 3)
