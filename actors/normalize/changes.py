"""What a normalization reports: one :class:`Change` per failed assertion (changed,
marked as noise, or refused) and per noise entry added, each with a readable line
``suite / step / target: old → new``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from runner import (
    AnyAssertion,
    HeaderAssertion,
    JsonPathAssertion,
    LatencyAssertion,
    SchemaAssertion,
    StatusCodeAssertion,
    show,
)

ChangeKind = Literal["changed", "noise", "refused"]


class Change(BaseModel):
    """One line of a normalization report."""

    suite_id: str | None
    suite: str
    step_index: int = Field(description="Position of the step in the suite, from 0.")
    step: str
    assertion_index: int | None = Field(
        default=None, description="Position of the assertion in the step; None for noise."
    )
    kind: ChangeKind = Field(
        description="changed: the expectation follows the observation; noise: an entry was "
        "added to the step's noise (or an assertion now only checks presence because its "
        "target is noise); refused: left as it was, see reason."
    )
    target: str = Field(description="status, a JSON path, header:<name>, body, schema, ...")
    old: Any = None
    new: Any = None
    reason: str | None = None
    line: str


def target_of(assertion: AnyAssertion) -> str:
    """What an assertion looks at, as shown in report lines."""
    if isinstance(assertion, StatusCodeAssertion):
        return "status"
    if isinstance(assertion, HeaderAssertion):
        return f"header:{assertion.name.lower()}"
    if isinstance(assertion, JsonPathAssertion):
        return assertion.path
    return assertion.type


def describe(assertion: AnyAssertion) -> str:
    """A short text of what an assertion expects: ``eq 'rex'``, ``status 201``, ..."""
    if isinstance(assertion, StatusCodeAssertion):
        return f"status {show(assertion.expected)}"
    if isinstance(assertion, SchemaAssertion):
        return "schema"
    if isinstance(assertion, LatencyAssertion):
        return f"{assertion.op} {assertion.expected:g} ms"
    if assertion.op in ("exists", "not_exists"):
        return assertion.op
    return f"{assertion.op} {show(assertion.expected)}"


def make_line(suite: str, step: str, target: str, text: str) -> str:
    return f"{suite} / {step} / {target}: {text}"


def dump(assertion: AnyAssertion | None) -> dict[str, Any] | None:
    """The suite-format JSON of an assertion (what the result and events carry)."""
    if assertion is None:
        return None
    return assertion.model_dump(mode="json", by_alias=True, exclude_none=True)
