"""A suite step as a virtual user plays it: build the request, judge the response,
extract variables. Pure (no Locust, no HTTP client) and built on the runner's own
modules, so a load test sends and judges exactly what a run would.

The Locust glue is :mod:`loadgen.users`; this module decides everything it can without
a socket, which is also what keeps it testable in a plain process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from runner import (
    AnyAssertion,
    AnyAuth,
    AssertionResult,
    Noise,
    ObservedResponse,
    OutgoingRequest,
    StatusCodeAssertion,
    Step,
    Suite,
    TemplateError,
    add_query,
    auth_headers,
    auth_query,
    build_request,
    evaluate_all,
    extract_all,
    is_templated,
    parse_noise,
    placeholders,
    render_assertions,
    same_origin,
    status_matches,
)

# Marks a Locust error entry as a step that was not sent (see loadgen.protocol.SkippedEntry).
SKIP_PREFIX = "step skipped: "
# A failure message varies with the response (a value, a latency): past this many distinct
# messages for one endpoint, further ones are grouped, so the error table stays bounded.
MAX_DISTINCT_ERRORS = 20
_SYMBOLS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


@dataclass(frozen=True)
class PreparedStep:
    """A step's request ready to send, and the assertions its answer is judged by."""

    request: OutgoingRequest
    assertions: Sequence[AnyAssertion]


@dataclass(frozen=True)
class CompiledStep:
    """A step with what every replay needs worked out once."""

    step: Step
    noise: Noise
    observe: bool
    status_asserted: bool
    status_only: bool
    accepted: frozenset[int] | None
    needs: frozenset[str]
    templated_assertions: bool
    fixed: PreparedStep | None = None

    @property
    def method(self) -> str:
        return self.step.request.method

    @property
    def name(self) -> str:
        """The endpoint in the statistics: the path template, so ``/pets/{{petId}}`` is one
        endpoint whatever ids it is called with."""
        return self.step.request.path

    @classmethod
    def of(cls, step: Step, base_url: str, auth: AnyAuth | None) -> CompiledStep:
        expected = [getattr(a, "expected", None) for a in step.assertions]
        request = step.request.model_dump()
        templated_assertions = any(is_templated(value) for value in expected)
        fixed = None
        if not templated_assertions and not is_templated(request):
            # Nothing to render (not even a {{$uuid}}): build the request once, not on
            # every replay. This is most of what separates us from a bare Locust user.
            built = authorize(build_request(step.request, {}, base_url), auth, base_url)
            fixed = PreparedStep(built, step.assertions)
        status_only = (
            bool(step.assertions)
            and all(isinstance(a, StatusCodeAssertion) for a in step.assertions)
            and not step.extract
        )
        return cls(
            step=step,
            noise=parse_noise(step.noise),
            observe=bool(step.assertions or step.extract),
            status_asserted=any(isinstance(a, StatusCodeAssertion) for a in step.assertions),
            # Judged on the status alone: no headers or body to hand to the assertions.
            status_only=status_only,
            accepted=accepted_statuses(step.assertions) if status_only else None,
            needs=frozenset(placeholders(request) | placeholders(expected)),
            templated_assertions=templated_assertions,
            fixed=fixed,
        )


@dataclass(frozen=True)
class CompiledSuite:
    """A suite ready to replay against ``base_url`` with the app's ``auth``."""

    name: str
    variables: Mapping[str, Any]
    steps: tuple[CompiledStep, ...]
    base_url: str
    auth: AnyAuth | None = None

    @classmethod
    def of(cls, suite: Suite, base_url: str, auth: AnyAuth | None = None) -> CompiledSuite:
        steps = tuple(CompiledStep.of(s, base_url, auth) for s in suite.steps)
        return cls(suite.name, dict(suite.variables), steps, base_url, auth)


class StepSkipped(Exception):
    """The step's request could not be built; ``reason`` says why (it is not sent)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Replay:
    """One pass of a virtual user through a suite, with the runner's rules: variables are
    the suite's, then the run environment's, then extractions (later wins); a step that
    needs a variable an earlier step failed to extract is not sent, naming that step."""

    def __init__(self, suite: CompiledSuite, environment: Mapping[str, Any]) -> None:
        self.suite = suite
        self.scope: dict[str, Any] = {**suite.variables, **environment}
        self.unextracted: dict[str, int] = {}

    def prepare(self, index: int, step: CompiledStep) -> PreparedStep:
        """The request to send for step ``index`` and the assertions to judge its answer
        with. Raises :class:`StepSkipped`."""
        if step.fixed is not None:
            return step.fixed
        if self.unextracted and (blocker := self._blocker(step)):
            producer = self.unextracted[blocker]
            self.missed(step, index)
            name = self.suite.steps[producer].step.name
            raise StepSkipped(
                f"variable {blocker} was not extracted by step {producer + 1} ({name!r})"
            )
        try:
            built = build_request(step.step.request, self.scope, self.suite.base_url)
            authorized = authorize(built, self.suite.auth, self.suite.base_url)
            return PreparedStep(authorized, self._assertions(step))
        except TemplateError as exc:
            self.missed(step, index)
            raise StepSkipped(f"template error: {exc}") from None

    def judge(
        self, index: int, step: CompiledStep, prepared: PreparedStep, observed: ObservedResponse
    ) -> str | None:
        """Why the response fails the step, or None when it passes; extractions feed the
        next steps.

        One deliberate difference from a run: a step without a status assertion fails on
        a 4xx or 5xx answer, as in Locust and k6, so that an overloaded target's 503s show
        in the error rate; with a status assertion, that assertion decides.
        """
        reasons: list[str] = []
        if not step.status_asserted and observed.status >= 400:
            reasons.append(f"HTTP {observed.status}")
        if prepared.assertions:
            results = evaluate_all(prepared.assertions, observed, step.noise)
            reasons.extend(failure_message(r) for r in results if not r.passed)
        if step.step.extract:
            extraction = extract_all(step.step.extract, observed)
            self.scope.update(extraction.values)
            for variable in step.step.extract:
                if variable in extraction.values:
                    self.unextracted.pop(variable, None)
                else:
                    self.unextracted[variable] = index
            reasons.extend(f"extract {var}: {why}" for var, why in extraction.failures.items())
        if not reasons:
            return None
        more = f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""
        return reasons[0] + more

    def missed(self, step: CompiledStep, index: int) -> None:
        """Step ``index`` got no response: the variables it extracts stay unset."""
        for variable in step.step.extract:
            self.unextracted[variable] = index

    def _blocker(self, step: CompiledStep) -> str | None:
        for name in sorted(step.needs):
            for candidate in (name, name.split(".")[0]):
                if candidate in self.unextracted:
                    return candidate
        return None

    def _assertions(self, step: CompiledStep) -> Sequence[AnyAssertion]:
        # As in a run; skipped outright when no expected value holds a placeholder.
        if not step.templated_assertions:
            return step.step.assertions
        return render_assertions(step.step.assertions, self.scope)


def authorize(request: OutgoingRequest, auth: AnyAuth | None, base_url: str) -> OutgoingRequest:
    """``request`` with the app's auth, as the runner's client applies it: a header or
    query parameter the step set itself wins, so a suite can test a wrong credential.
    Only for ``base_url``'s origin: a whole URL elsewhere goes without the credentials."""
    if auth is None or not same_origin(request.url, base_url):
        return request
    request = request.with_headers(auth_headers(auth))
    query = auth_query(auth)
    if query:
        pairs = parse_qsl(urlsplit(request.url).query, keep_blank_values=True)
        present = {k.lower() for k, _ in pairs}
        missing = [(k, v) for k, v in query.items() if k.lower() not in present]
        request = replace(request, url=add_query(request.url, missing))
    return request


def accepted_statuses(assertions: Sequence[AnyAssertion]) -> frozenset[int]:
    """The statuses that pass every status assertion in ``assertions``."""
    checks = [a for a in assertions if isinstance(a, StatusCodeAssertion)]
    return frozenset(
        code for code in range(100, 600) if all(status_matches(code, a.expected) for a in checks)
    )


def host_of(url: str) -> str:
    """The host part of an absolute URL (lower-case, no port)."""
    return (urlsplit(url).hostname or "").lower()


def failure_message(result: AssertionResult) -> str:
    """A failed assertion's reason, made stable where it would differ on every response:
    a latency budget is reported by its budget, not by the time each request took."""
    if result.type == "latency_ms":
        return f"expected latency {_SYMBOLS.get(result.op or '', '<=')} {result.expected:g} ms"
    return result.reason or f"{result.type} assertion failed"


class ErrorLabels:
    """Caps the distinct failure messages per endpoint (see ``MAX_DISTINCT_ERRORS``)."""

    def __init__(self, limit: int = MAX_DISTINCT_ERRORS) -> None:
        self.limit = limit
        self._seen: dict[tuple[str, str], set[str]] = {}

    def label(self, method: str, name: str, message: str) -> str:
        seen = self._seen.setdefault((method, name), set())
        if message in seen:
            return message
        if len(seen) < self.limit:
            seen.add(message)
            return message
        return "other failures (too many distinct messages to list)"
