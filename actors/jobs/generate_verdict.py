"""Judging a generated suite by one run against the live API: keep it, keep it marked
because the API contradicts its own document, or drop it.

A failure counts as a contradiction only when the document itself says the API is
wrong: the status received is not among the operation's documented responses, or the
status is right but the body does not conform to the documented schema. Any other
failure (a documented status other than the expected one, a value, a transport error,
a missing variable) is more likely a request the generator got wrong than an API bug,
so the suite is dropped and the reason recorded.

A contradicting suite is kept with the failing expectations set to what the API does
(status code as received, the non-conforming schema check removed), labelled
``contradicts-spec`` and with the contradiction in its description: it passes against
today's API, so a run right after generation passes, and it fails once the API changes
— which is when someone should look at it again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from actors.coverage import PathMatcher, compute_coverage
from actors.jobs.generate_narrow import narrow
from runner import (
    HeaderAssertion,
    SchemaAssertion,
    StatusCodeAssertion,
    StepResult,
    Suite,
    SuiteResult,
)

CONTRADICTS_SPEC = "contradicts-spec"
# A reason quotes at most this much of an assertion's own explanation.
MAX_REASON_CHARS = 300
# Answers that say the request never reached what the suite is about: a suite passing
# or "contradicting the document" on one of them would test nothing.
NOT_REACHED_WHY = {
    401: "the credential was missing or refused",
    403: "the credential was refused",
    404: "the route or the resource was not found",
    405: "the route does not take this method",
}


class DocumentedResponses:
    """Which response codes the document lists per operation, found by a step's path."""

    def __init__(self, document: dict[str, Any], path_prefix: str = "") -> None:
        report = compute_coverage(document, [], None)
        self._codes = {(op.method, op.path): op.documented for op in report.operations}
        self._matcher = PathMatcher(self._codes.keys(), path_prefix)

    def operation(self, method: str, path: str) -> tuple[str, list[str]] | None:
        """``("METHOD /path", documented keys)`` for a step's method and path template."""
        key = self._matcher.match(method, path)
        if key is None:
            return None
        return f"{key[0]} {key[1]}", self._codes[key]


def documents(status: int, keys: Sequence[str]) -> bool:
    """Whether a documented response key covers ``status`` (exact code, its ``NXX``
    range, or ``default``)."""
    text = str(status)
    return text in keys or f"{text[0]}XX" in keys or "default" in keys


@dataclass(frozen=True)
class _Fix:
    step: int
    assertion: int
    status: int | None  # the status to expect instead; None removes the assertion
    content_type: str | None = None  # the content type to expect instead
    schema: dict[str, Any] | None = None  # the narrowed schema to check instead
    noise: tuple[str, ...] = ()  # paths the narrowed schema check sets aside


@dataclass
class Judgement:
    """The verdict on one run of a suite; ``suite`` is what to keep (None when dropped)."""

    verdict: Literal["kept", "contradicts_spec", "dropped", "stopped"]
    suite: Suite | None = None
    reasons: list[str] = field(default_factory=list)


def judge(
    suite: Suite,
    result: SuiteResult,
    responses: DocumentedResponses,
    kind: str,
    *,
    operation: str | None = None,
    reached: Callable[[str], str | None] | None = None,
) -> Judgement:
    """Keep ``suite`` when ``result`` passed; keep a marked copy when every failure is
    the API contradicting its document; otherwise drop it, saying why.

    A negative case about ``operation`` is dropped, passing or not, unless ``reached``
    (operation -> evidence or None) says a valid request to it was accepted, and
    when its 4xx is one of :data:`NOT_REACHED_WHY`: it would pass without the API
    ever judging the broken value.
    """
    if result.stopped:
        return Judgement("stopped")
    if kind == "negative":
        vacuous = _vacuous_negative(suite, result, operation, reached)
        if vacuous is not None:
            return Judgement("dropped", reasons=[vacuous])
    if result.passed:
        return Judgement("kept", suite)
    fixes: list[_Fix] = []
    contradictions: list[str] = []
    problems: list[str] = []
    for step in result.steps:
        if step.passed:
            continue
        where = f"step {step.index + 1} ({step.name})"
        if step.error:
            problems.append(_cut(f"{where}: {step.error}"))
            continue
        for variable, why in step.extraction_failures.items():
            problems.append(_cut(f"{where}: could not extract {variable}: {why}"))
        _judge_assertions(suite, step, responses, kind, where, fixes, contradictions, problems)
    if problems or not fixes:
        return Judgement("dropped", reasons=problems or ["the suite failed for no stated reason"])
    return Judgement("contradicts_spec", mark(suite, fixes, contradictions), contradictions)


def _vacuous_negative(
    suite: Suite,
    result: SuiteResult,
    operation: str | None,
    reached: Callable[[str], str | None] | None,
) -> str | None:
    if operation is not None and reached is not None and reached(operation) is None:
        return (
            f"no valid request to {operation} was accepted in this job, so a 4xx to a "
            "broken one proves nothing (the route may not exist, or refuse everything)"
        )
    for step in result.steps:
        expects_4xx = any(
            isinstance(a, StatusCodeAssertion) and a.expected == "4xx"
            for a in suite.steps[step.index].assertions
        )
        status = step.response.status if step.response is not None else None
        if expects_4xx and status in NOT_REACHED_WHY:
            return (
                f"step {step.index + 1} ({step.name}): answered {status} "
                f"({NOT_REACHED_WHY[status]}), not a refusal of the broken value"
            )
    return None


def _judge_assertions(
    suite: Suite,
    step: StepResult,
    responses: DocumentedResponses,
    kind: str,
    where: str,
    fixes: list[_Fix],
    contradictions: list[str],
    problems: list[str],
) -> None:
    request = suite.steps[step.index].request
    found = responses.operation(request.method, request.path)
    status = step.response.status if step.response is not None else None
    status_ok = all(a.passed for a in step.assertions if a.type == "status_code")
    for position, verdict in enumerate(step.assertions):
        if verdict.passed:
            continue
        if verdict.type == "status_code" and status in NOT_REACHED_WHY:
            problems.append(f"{where}: answered {status}: {NOT_REACHED_WHY[status]}")
        elif verdict.type == "status_code" and status is not None and found is not None:
            operation, keys = found
            if kind != "negative" and 400 <= status < 500 and not documents(status, keys):
                problems.append(
                    _cut(
                        f"{where}: the API refused the generated request with {status}, a "
                        "status its document does not list: the request is probably not "
                        "what the API wants here"
                    )
                )
            elif not documents(status, keys):
                fixes.append(_Fix(step.index, position, status))
                contradictions.append(
                    f"{where}: {operation} answered {status}, a status its document does "
                    f"not list (documented: {', '.join(keys)}; expected {verdict.expected})"
                )
                continue
            problems.append(_cut(f"{where}: {_documented_but_unexpected(kind, status, verdict)}"))
        elif verdict.type == "schema" and status_ok and found is not None:
            fix = _narrowed(suite, step, position)
            fixes.append(fix)
            kept = (
                f"; the rest is still checked, setting aside {', '.join(fix.noise)}"
                if fix.schema is not None and fix.noise
                else "; the rest is still checked"
                if fix.schema is not None
                else ""
            )
            contradictions.append(
                _cut(
                    f"{where}: the {found[0]} response ({status}) does not match its "
                    f"documented schema: {verdict.reason}{kept}"
                )
            )
        elif verdict.type == "header" and verdict.target == "content-type" and status_ok:
            received = str(verdict.actual or "").split(";", 1)[0].strip()
            fixes.append(_Fix(step.index, position, None, received or None))
            contradictions.append(
                _cut(
                    f"{where}: answered {received or 'no content type'} where the document "
                    f"says {verdict.expected}"
                )
            )
        elif verdict.type in ("schema", "header") and not status_ok:
            # Judged with the status: a body of another status is not the documented one.
            # A contradicting status gets its schema check removed with it.
            if any(f.step == step.index and f.status is not None for f in fixes):
                fixes.append(_Fix(step.index, position, None))
            else:
                problems.append(_cut(f"{where}: {verdict.reason}"))
        else:
            problems.append(_cut(f"{where}: {verdict.reason}"))


def _narrowed(suite: Suite, step: StepResult, position: int) -> _Fix:
    """The fix for a body off its schema: the schema narrowed to what the API sends when
    that leaves something to check, else the check removed."""
    assertion = suite.steps[step.index].assertions[position]
    response = step.response
    if isinstance(assertion, SchemaAssertion) and response is not None and not response.body_cut:
        found = narrow(assertion.schema_, response.body or "")
        if found is not None:
            return _Fix(step.index, position, None, schema=found[0], noise=tuple(found[1]))
    return _Fix(step.index, position, None)


def _documented_but_unexpected(kind: str, status: int, verdict: Any) -> str:
    if kind == "negative" and status < 400:
        return (
            f"the API accepted ({status}) a request its document forbids, where "
            f"{verdict.expected} was expected: it validates less strictly than documented"
        )
    return (
        f"answered {status} (a documented status) where {verdict.expected} was expected: "
        "the generated request is probably not what the API wants here"
    )


def mark(suite: Suite, fixes: Sequence[_Fix], contradictions: Sequence[str]) -> Suite:
    """A copy of ``suite`` that expects what the API does, labelled and described as
    contradicting the document."""
    data = suite.model_copy(deep=True)
    dropped: dict[int, set[int]] = {}
    for fix in fixes:
        if fix.schema is not None:
            step = data.steps[fix.step]
            # Not validated again: the schema checked before, with required names and
            # nothing else taken out, is still a valid one (and checking a large schema
            # against the meta-schema costs a second).
            step.assertions[fix.assertion] = SchemaAssertion.model_construct(
                type="schema", schema_=fix.schema
            )
            step.noise = [*step.noise, *(n for n in fix.noise if n not in step.noise)]
        elif fix.content_type is not None:
            data.steps[fix.step].assertions[fix.assertion] = HeaderAssertion(
                type="header", name="content-type", op="contains", expected=fix.content_type
            )
        elif fix.status is None:
            dropped.setdefault(fix.step, set()).add(fix.assertion)
        else:
            data.steps[fix.step].assertions[fix.assertion] = StatusCodeAssertion(
                type="status_code", expected=fix.status
            )
    for index, positions in dropped.items():
        step = data.steps[index]
        step.assertions = [a for i, a in enumerate(step.assertions) if i not in positions]
    note = (
        "The API contradicts its own OpenAPI document here; this suite expects what the API "
        "does, so it passes today and fails when the API changes. Failures against the "
        "document:\n- " + "\n- ".join(contradictions)
    )
    description = f"{suite.description}\n\n{note}" if suite.description else note
    data.description = description[:10_000]
    if CONTRADICTS_SPEC not in data.labels:
        data.labels = [*data.labels, CONTRADICTS_SPEC]
    return data


def _cut(text: str) -> str:
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"
