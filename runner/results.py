"""What a run records: per assertion, per step, per suite. These models are what suite
reports, events and validation results are made of, so they hold only masked, bounded
data (see :mod:`runner.masking`)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

# An assertion's expected/actual values are shown in reports; beyond this many characters
# of JSON they are replaced by a preview so that one huge value cannot bloat a report.
MAX_VALUE_CHARS = 2_000


class AssertionResult(BaseModel):
    """The verdict of one assertion. ``reason`` is set exactly when it failed."""

    type: str
    target: str | None = Field(default=None, description="JSON path, header name or None.")
    op: str | None = None
    expected: Any = None
    actual: Any = None
    passed: bool
    reason: str | None = None
    skipped_as_noise: bool = Field(
        default=False, description="The target is marked as noise, so it was not compared."
    )


class RecordedRequest(BaseModel):
    """The request as sent, with secrets masked."""

    method: str
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    body_size: int = 0


class RecordedResponse(BaseModel):
    """The response as received. ``body`` is text cut at the report cap; ``size`` counts
    the bytes read; ``truncated`` says the target's response was cut at the size cap."""

    status: int
    headers: dict[str, str] = Field(default_factory=dict)
    body: str = ""
    body_cut: bool = Field(default=False, description="The recorded text was shortened.")
    size: int = 0
    truncated: bool = False
    elapsed_ms: float = 0.0


class StepResult(BaseModel):
    """One step of a suite, as run."""

    index: int = Field(description="Position in the suite, from 0.")
    name: str
    passed: bool
    request: RecordedRequest | None = Field(
        default=None, description="None when the request could not be built."
    )
    response: RecordedResponse | None = Field(
        default=None, description="None when no response came back."
    )
    assertions: list[AssertionResult] = Field(default_factory=list)
    extracted: list[str] = Field(default_factory=list, description="Variables this step set.")
    extraction_failures: dict[str, str] = Field(
        default_factory=dict, description="Variable -> why it could not be extracted."
    )
    error: str | None = Field(
        default=None, description="Why the step could not be judged (template, transport)."
    )
    notes: list[str] = Field(
        default_factory=list,
        description="What the runner did that the step did not ask for, e.g. the app's "
        "credentials withheld from a URL outside the base URL's origin.",
    )
    error_kind: str | None = Field(
        default=None,
        description="missing_variable, template, internal, or the target error kind "
        "(refused, timeout, reset, too_many_redirects, denied, invalid_url, ...).",
    )
    started_at: float = Field(description="Unix seconds.")
    duration_ms: float


class SuiteCounts(BaseModel):
    steps: int = Field(description="Steps in the suite.")
    passed: int = 0
    failed: int = 0
    not_run: int = Field(default=0, description="Steps left out because the run stopped.")
    assertions: int = 0
    assertions_failed: int = 0


class SuiteResult(BaseModel):
    """One suite, as run. ``steps`` holds the steps that ran, in order."""

    suite_name: str
    passed: bool
    stopped: bool = False
    steps: list[StepResult] = Field(default_factory=list)
    counts: SuiteCounts
    started_at: float = Field(description="Unix seconds.")
    duration_ms: float


def bounded(value: Any, limit: int = MAX_VALUE_CHARS) -> Any:
    """``value`` itself when its JSON is at most ``limit`` characters, else a text preview."""
    if value is None or isinstance(value, bool | int | float):
        return value
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:
        text = repr(value)
    if len(text) <= limit:
        return value
    return f"{text[:limit]}… ({len(text)} characters in all)"


def count_steps(total: int, steps: list[StepResult]) -> SuiteCounts:
    """Counts over the steps that ran, out of ``total`` in the suite."""
    failed = sum(1 for step in steps if not step.passed)
    assertions = [a for step in steps for a in step.assertions]
    return SuiteCounts(
        steps=total,
        passed=len(steps) - failed,
        failed=failed,
        not_run=total - len(steps),
        assertions=len(assertions),
        assertions_failed=sum(1 for a in assertions if not a.passed),
    )
