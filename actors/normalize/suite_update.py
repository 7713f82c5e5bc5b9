"""Normalizing one suite against one suite report: for every failed step, find its noise,
propose a new expectation for each failed assertion, let the guard judge it, and build
the new suite. Passing assertions and steps are left exactly as they were.

Pure apart from ``resender`` (the only I/O: re-sending a step's request), so it can be
tested on recorded steps alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from actors.normalize import guard
from actors.normalize.changes import (
    AnyAssertion,
    Change,
    ChangeKind,
    describe,
    dump,
    make_line,
    target_of,
)
from actors.normalize.expectations import Proposal, StepView, propose, refuse
from actors.normalize.noise_detect import by_pattern, by_variance, merge
from actors.normalize.resend import Samples
from runner import (
    HeaderAssertion,
    JsonPathAssertion,
    Noise,
    ObservedResponse,
    RecordedResponse,
    SchemaAssertion,
    StatusCodeAssertion,
    Step,
    StepResult,
    Suite,
    parse_json_path,
    parse_noise,
    suite_to_dict,
)

Resender = Callable[[StepResult], Samples]


@dataclass
class SuiteNormalization:
    """The suite after normalization, every reported line, and notes on re-sending."""

    suite: Suite
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    invalid: str | None = None

    @property
    def changed(self) -> bool:
        """Whether the suite differs from the one normalized."""
        return self.invalid is None and any(c.kind != "refused" for c in self.changes)


def normalize_suite(
    suite: Suite,
    steps: Sequence[StepResult],
    *,
    suite_id: str | None,
    resender: Resender | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> SuiteNormalization:
    """Normalize ``suite`` to what ``steps`` (the report of a run of it) observed.

    ``resender`` re-sends a step's request for noise detection; without it only typical
    noise patterns are recognised. Stops between steps when ``should_stop`` says so.
    """
    out = SuiteNormalization(suite)
    new_steps = list(suite.steps)
    for result in steps:
        if should_stop():
            break
        if result.passed or not 0 <= result.index < len(suite.steps):
            continue
        step = suite.steps[result.index]
        lines = _Lines(suite_id, suite.name, result.index, step.name)
        if step.name != result.name:
            lines.refused("step", None, f"the suite's step is now {step.name!r}")
        else:
            new_steps[result.index] = _normalize_step(step, result, resender, lines, out.notes)
        out.changes.extend(lines.changes)
    if not out.changed:
        return out
    try:
        out.suite = Suite.model_validate(
            suite_to_dict(suite.model_copy(update={"steps": new_steps}))
        )
    except ValidationError as exc:
        out.invalid = f"the normalized suite would not be valid: {exc.errors()[0]['msg']}"
    return out


def _normalize_step(
    step: Step, result: StepResult, resender: Resender | None, lines: _Lines, notes: list[str]
) -> Step:
    if result.error or result.response is None:
        lines.refused("step", None, f"no response to take as the baseline: {result.error}")
        return step
    if len(result.assertions) != len(step.assertions):
        lines.refused("step", None, "the step's assertions changed since the run")
        return step
    for variable, why in result.extraction_failures.items():
        lines.refused(f"extract:{variable}", None, f"{why}; normalize leaves extractions alone")
    failed = [
        (index, assertion)
        for index, (assertion, verdict) in enumerate(
            zip(step.assertions, result.assertions, strict=True)
        )
        if not verdict.passed
    ]
    if not failed:
        return step
    observed = _observed(result.response)
    if _unexpected_server_error(step, observed.status):
        # An error page is no baseline: none of the step's expectations may follow it.
        reason = f"the target answered {observed.status}, a server error; that is no baseline"
        for index, old in failed:
            lines.assertion(index, old, refuse(reason))
        return step
    samples = resender(result) if resender is not None else Samples(skipped="not re-sent")
    if samples.skipped:
        notes.append(make_line(lines.suite, step.name, "noise", samples.skipped))
    added = _add_noise(step, samples, [a for _, a in failed], observed, lines)
    noise = parse_noise([*step.noise, *added])
    view = StepView(
        observed=observed,
        body_complete=not (result.response.body_cut or result.response.truncated),
        noise=noise,
        taken=frozenset(
            parse_json_path(a.path).parts
            for a in step.assertions
            if isinstance(a, JsonPathAssertion)
        ),
    )
    assertions = list(step.assertions)
    for index, old in failed:
        proposal = propose(old, view)
        if proposal.new is not None:
            refusal = guard.refusal(old, proposal.new, noise)
            proposal = refuse(refusal) if refusal else proposal
        lines.assertion(index, old, proposal)
        if proposal.new is not None:
            assertions[index] = proposal.new
    return step.model_copy(update={"assertions": assertions, "noise": [*step.noise, *added]})


def _add_noise(
    step: Step,
    samples: Samples,
    failed: list[AnyAssertion],
    observed: ObservedResponse,
    lines: _Lines,
) -> list[str]:
    existing = parse_noise(step.noise)
    # Headers no assertion looks at are left out: noise there changes nothing, and
    # Date would come and go with the clock between two calls.
    asserted = {a.name.lower() for a in step.assertions if isinstance(a, HeaderAssertion)}
    added = []
    for entry, why in merge(by_variance(samples.responses), by_pattern(failed, observed)).items():
        header = entry.lower().startswith("header:")
        if _covered(existing, entry) or (header and entry[7:].lower() not in asserted):
            continue
        refusal = guard.noise_refusal(entry)
        if refusal:
            lines.refused(entry, None, refusal)
            continue
        added.append(entry)
        lines.add("noise", entry, None, entry, f"noise += {entry} ({why})", why)
    return added


def _unexpected_server_error(step: Step, status: int) -> bool:
    if status < 500:
        return False
    for assertion in step.assertions:
        if isinstance(assertion, StatusCodeAssertion):
            expected = assertion.expected
            options = expected if isinstance(expected, list) else [expected]
            if any(str(option).startswith("5") for option in options):
                return False
    return True


def _covered(noise: Noise, entry: str) -> bool:
    if entry.lower().startswith("header:"):
        return noise.covers_header(entry[len("header:") :])
    return noise.covers(parse_json_path(entry).parts)


def _observed(response: RecordedResponse) -> ObservedResponse:
    return ObservedResponse(
        status=response.status,
        headers={name.lower(): value for name, value in response.headers.items()},
        body=response.body.encode(),
        elapsed_ms=response.elapsed_ms,
        truncated=response.truncated,
    )


@dataclass
class _Lines:
    """Collects the report lines of one step."""

    suite_id: str | None
    suite: str
    step_index: int
    step: str
    changes: list[Change] = field(default_factory=list)

    def add(
        self,
        kind: ChangeKind,
        target: str,
        old: object,
        new: object,
        text: str,
        reason: str | None = None,
        index: int | None = None,
    ) -> None:
        self.changes.append(
            Change(
                suite_id=self.suite_id,
                suite=self.suite,
                step_index=self.step_index,
                step=self.step,
                assertion_index=index,
                kind=kind,
                target=target,
                old=old,
                new=new,
                reason=reason,
                line=make_line(self.suite, self.step, target, text),
            )
        )

    def refused(self, target: str, old: object, reason: str, index: int | None = None) -> None:
        self.add("refused", target, old, None, f"refused: {reason}", reason, index)

    def assertion(self, index: int, old: AnyAssertion, proposal: Proposal) -> None:
        target = target_of(old)
        if proposal.new is None:
            text = f"refused: {proposal.reason} (kept {describe(old)})"
            self.add("refused", target, dump(old), None, text, proposal.reason, index)
            return
        new = proposal.new
        if dump(new) == dump(old):
            text = f"{describe(old)} kept; it passes once the noise is ignored"
            self.add("noise", target, dump(old), dump(new), text, None, index)
            return
        text = f"{describe(old)} → {describe(new)}"
        if isinstance(new, SchemaAssertion):
            text = f"widened: {'; '.join(proposal.notes)}"
        elif target_of(new) != target:
            text = f"{describe(old)} → {target_of(new)} {describe(new)}"
        if proposal.notes and not isinstance(new, SchemaAssertion):
            text += f" ({'; '.join(proposal.notes)})"
        if proposal.kind == "noise":
            text += " (the target is noise)"
        self.add(proposal.kind, target, dump(old), dump(new), text, None, index)
