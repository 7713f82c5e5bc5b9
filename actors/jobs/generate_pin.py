"""Value assertions for kept suites: what a success answer said, pinned, so a suite
catches a field that disappears or changes, not only one that breaks the schema.

Only values that should stay the same are pinned. Noise is kept out in two ways, as
normalization does: by what a value looks like or is called (times, UUIDs, tokens,
ids, ``createdAt``...), and by a second run of the suite — any pinned value that then
differs is dropped and its path marked as noise (see :func:`unpin_varying`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from actors.normalize.patterns import noise_kind
from runner import MASK, JsonPathAssertion, Step, StepResult, Suite, SuiteResult, format_parts

# Pinned values per step: enough to notice a changed record, few enough to read.
MAX_PINS_PER_STEP = 8
# Objects are read this deep (0: the top level); deeper values are the schema's business.
MAX_DEPTH = 1
MAX_TEXT = 200
VARIES = "differs between two runs: not asserted, marked as noise"
# Names of fields that change by design from one call to the next (ids of new records,
# times, versions, tokens), in camelCase, snake_case or kebab-case.
_VOLATILE = re.compile(
    r"(^|[_\-.])(id|uuid|guid|etag|token|nonce|version|count|total)$"
    r"|(Id|ID|Uuid|Token|Count|Total)$"
    r"|(time|date|stamp|created|updated|modified|expires|expiry|_at|At|On)$",
    re.IGNORECASE,
)


def _volatile_name(name: str) -> bool:
    return bool(_VOLATILE.search(name))


def _leaves(
    node: Any, parts: tuple[str | int, ...], depth: int
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if not isinstance(node, dict):
        return
    for name, value in node.items():
        if _volatile_name(str(name)):
            continue
        here = (*parts, str(name))
        if isinstance(value, dict) and depth < MAX_DEPTH:
            yield from _leaves(value, here, depth + 1)
        elif isinstance(value, bool | str):
            # Numbers are left to the schema: counts, totals and amounts move with the
            # API's state between runs far more often than names, codes and flags do.
            if isinstance(value, str) and (
                len(value) > MAX_TEXT or noise_kind(value) or MASK in value
            ):
                continue
            yield here, value


def _pinnable(step: Step, result: StepResult) -> Any:
    """The JSON object a success step got, or None when it is not one to pin: only
    steps that check the answer's body (content type or schema) are about it."""
    if result.error or result.response is None or result.response.body_cut:
        return None
    if not any(a.type in ("schema", "header") for a in step.assertions):
        return None
    if not 200 <= result.response.status < 300 or not result.response.body:
        return None
    try:
        body = json.loads(result.response.body)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def pin_values(suite: Suite, result: SuiteResult) -> Suite:
    """A copy of ``suite`` whose body-checking steps also assert the values ``result``
    saw (``json_path eq``), noise aside. Unchanged when there is nothing to pin."""
    copy = suite.model_copy(deep=True)
    for step_result in result.steps:
        step = copy.steps[step_result.index]
        body = _pinnable(step, step_result)
        if body is None:
            continue
        known = {a.path for a in step.assertions if isinstance(a, JsonPathAssertion)}
        pins = 0
        for parts, value in _leaves(body, (), 0):
            path = format_parts(parts)
            if path in known or any(path == n or path.startswith(n + ".") for n in step.noise):
                continue
            step.assertions.append(
                JsonPathAssertion(type="json_path", path=path, op="eq", expected=value)
            )
            pins += 1
            if pins >= MAX_PINS_PER_STEP:
                break
    return copy


def unpin_varying(suite: Suite, again: SuiteResult) -> tuple[Suite, list[str]]:
    """``suite`` without the pinned value assertions that failed in ``again`` (a second
    run), their paths added to the step's noise; and a line per path, for the record."""
    copy = suite.model_copy(deep=True)
    moved: list[str] = []
    for step_result in again.steps:
        step = copy.steps[step_result.index]
        failing = {
            position
            for position, verdict in enumerate(step_result.assertions)
            if not verdict.passed and isinstance(step.assertions[position], JsonPathAssertion)
        }
        if not failing:
            continue
        for position in sorted(failing):
            path = step.assertions[position].path  # type: ignore[union-attr]
            if path not in step.noise:
                step.noise.append(path)
            moved.append(f"step {step_result.index + 1} ({step.name}): {path} {VARIES}")
        step.assertions = [a for i, a in enumerate(step.assertions) if i not in failing]
    return copy, moved
