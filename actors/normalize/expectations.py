"""The new expectation of one failed assertion, from what the run observed.

The rule: the expectation becomes what was observed, keeping the operator's intent where
that costs nothing (``in`` gains the observed member, a bound moves to the observed
number, ``type`` takes the observed type) and otherwise becoming ``eq`` the observed
value. A target that is noise keeps only a presence check. Expectations that cannot
follow the observation (templated values, bodies cut in the report, latency budgets)
are refused with the reason. :mod:`actors.normalize.guard` judges every result after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from actors.normalize.changes import AnyAssertion
from actors.normalize.schema_widen import CannotWiden, widen
from runner import (
    BodyAssertion,
    HeaderAssertion,
    JsonPath,
    JsonPathAssertion,
    LatencyAssertion,
    Noise,
    ObservedResponse,
    SchemaAssertion,
    StatusCodeAssertion,
    format_parts,
    is_number,
    json_equal,
    json_type,
    not_json_reason,
    parse_json_path,
    placeholders,
    show,
)

Parts = tuple[str | int, ...]
_PRESENCE = ("exists", "not_exists")


@dataclass
class Proposal:
    """What to do with one failed assertion; ``new`` is set unless refused."""

    kind: Literal["changed", "noise", "refused"]
    new: AnyAssertion | None = None
    reason: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StepView:
    """What one step observed, and its noise once normalization has added to it."""

    observed: ObservedResponse
    body_complete: bool
    noise: Noise
    # JSON paths other assertions of the step already check (never a rename target).
    taken: frozenset[Parts] = frozenset()


def refuse(reason: str) -> Proposal:
    return Proposal("refused", reason=reason)


def propose(assertion: AnyAssertion, view: StepView) -> Proposal:
    """The proposal for ``assertion``, which failed against ``view.observed``."""
    if placeholders(getattr(assertion, "expected", None)):
        return refuse("the expectation uses {{variables}}; normalize never inlines their values")
    if isinstance(assertion, StatusCodeAssertion):
        return _status(assertion, view.observed)
    if isinstance(assertion, LatencyAssertion):
        return refuse("a latency budget is a requirement, not a baseline; change it by hand")
    if isinstance(assertion, HeaderAssertion):
        return _header(assertion, view)
    if not view.body_complete:
        return refuse("the response body was cut in the report, so it cannot be the baseline")
    if isinstance(assertion, BodyAssertion):
        return _body(assertion, view.observed)
    if isinstance(assertion, SchemaAssertion):
        return _schema(assertion, view)
    return _json_path(assertion, view)


def _status(assertion: StatusCodeAssertion, observed: ObservedResponse) -> Proposal:
    code = observed.status
    options = assertion.expected if isinstance(assertion.expected, list) else [assertion.expected]
    if code >= 500 and not any(str(option).startswith("5") for option in options):
        return refuse(f"the target answered {code}, a server error; that is no baseline")
    return Proposal("changed", StatusCodeAssertion(type="status_code", expected=code))


def _header(assertion: HeaderAssertion, view: StepView) -> Proposal:
    name = assertion.name.lower()
    value = view.observed.headers.get(name)
    base = {"type": "header", "name": assertion.name}
    if value is None:
        return Proposal("changed", HeaderAssertion.model_validate({**base, "op": "not_exists"}))
    if view.noise.covers_header(name):
        return Proposal("noise", HeaderAssertion.model_validate({**base, "op": "exists"}))
    return _from_values(assertion, base, [value], HeaderAssertion, from_text=True)


def _body(assertion: BodyAssertion, observed: ObservedResponse) -> Proposal:
    if not observed.body:
        return Proposal("changed", BodyAssertion(type="body", op="not_exists"))
    return _from_values(assertion, {"type": "body"}, [observed.text], BodyAssertion, True)


def _schema(assertion: SchemaAssertion, view: StepView) -> Proposal:
    ok, document = view.observed.json()
    if not ok:
        return refuse(not_json_reason(view.observed, "no schema can be derived from it"))
    try:
        widened = widen(assertion.schema_, document, view.noise.covers)
    except CannotWiden as exc:
        return refuse(str(exc))
    new = SchemaAssertion.model_validate({"type": "schema", "schema": widened.schema})
    return Proposal("changed", new, notes=widened.notes)


def _json_path(assertion: JsonPathAssertion, view: StepView) -> Proposal:
    ok, document = view.observed.json()
    if not ok:
        return refuse(not_json_reason(view.observed, f"{assertion.path} cannot be read"))
    path = parse_json_path(assertion.path)
    base = {"type": "json_path", "path": assertion.path}
    matches = path.find_with_paths(document)
    if not matches:
        renamed = _renamed(assertion, path, document, view.taken)
        if renamed is not None:
            moved = assertion.model_copy(update={"path": renamed})
            return Proposal("changed", moved, notes=[f"{assertion.path} renamed to {renamed}"])
        return Proposal("changed", JsonPathAssertion.model_validate({**base, "op": "not_exists"}))
    if all(view.noise.covers(parts) for parts, _ in matches) or view.noise.covers(path.parts):
        return Proposal("noise", JsonPathAssertion.model_validate({**base, "op": "exists"}))
    values = [view.noise.strip(value, parts) for parts, value in matches]
    return _from_values(assertion, base, values, JsonPathAssertion, from_text=False)


def _from_values(
    assertion: HeaderAssertion | JsonPathAssertion | BodyAssertion,
    base: dict[str, Any],
    values: Sequence[Any],
    model: type[HeaderAssertion | JsonPathAssertion | BodyAssertion],
    from_text: bool,
) -> Proposal:
    op = assertion.op
    if op in ("lt", "lte", "gt", "gte"):
        numbers = [_number(v, from_text) for v in values]
        if all(n is not None for n in numbers):
            upper = op in ("lt", "lte")
            bound = max(numbers) if upper else min(numbers)  # type: ignore[type-var]
            return Proposal(
                "changed",
                model.model_validate({**base, "op": "lte" if upper else "gte", "expected": bound}),
            )
    if op == "in":
        options = list(assertion.expected)
        options += [v for v in _distinct(values) if not any(json_equal(v, o) for o in options)]
        return Proposal("changed", model.model_validate({**base, "op": "in", "expected": options}))
    if op == "type":
        types = {json_type(v) for v in values}
        if types == {"integer", "number"}:
            types = {"number"}
        if len(types) != 1:
            return refuse(f"the matches have different types ({', '.join(sorted(types))})")
        return Proposal(
            "changed", model.model_validate({**base, "op": "type", "expected": types.pop()})
        )
    distinct = _distinct(values)
    if len(distinct) > 1:
        if op == "not_exists":
            return Proposal("changed", model.model_validate({**base, "op": "exists"}))
        shown = ", ".join(show(v) for v in distinct[:3])
        return refuse(f"the {len(values)} matches differ ({shown}…); no single value fits them")
    value = distinct[0]
    if value is None:
        # `eq null` cannot be stored (the suite format drops null fields): same check.
        return Proposal("changed", model.model_validate({**base, "op": "type", "expected": "null"}))
    return Proposal("changed", model.model_validate({**base, "op": "eq", "expected": value}))


def _renamed(
    assertion: JsonPathAssertion, path: JsonPath, document: Any, taken: frozenset[Parts]
) -> str | None:
    """The path a missing field moved to: the one sibling holding the expected value.

    Only for ``eq``/``in`` of a distinctive value (not null, not a boolean), so that
    the move rests on evidence rather than on a coincidence such as two ``true`` flags.
    """
    parts = path.parts
    if assertion.op not in ("eq", "in") or path.is_wildcard or not parts:
        return None
    if not isinstance(parts[-1], str):
        return None
    options = assertion.expected if assertion.op == "in" else [assertion.expected]
    if not isinstance(options, list) or any(o is None or isinstance(o, bool) for o in options):
        return None
    found, parent = JsonPath("", parts[:-1]).first(document)
    if not found or not isinstance(parent, dict):
        return None
    candidates = [
        key
        for key, value in parent.items()
        if (*parts[:-1], key) not in taken and any(json_equal(value, o) for o in options)
    ]
    if len(candidates) != 1:
        return None
    return format_parts((*parts[:-1], candidates[0]))


def _distinct(values: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if not any(json_equal(value, seen) for seen in out):
            out.append(value)
    return out


def _number(value: Any, from_text: bool) -> float | int | None:
    if is_number(value):
        return value
    if from_text and isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return int(number) if number.is_integer() else number
    return None
