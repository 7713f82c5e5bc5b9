"""Positive and negative cases for one operation.

A positive case sends a valid request (after creating what its path names) and expects
the documented success status and a body matching the documented schema. A negative
case breaks exactly one thing in that same valid request — a required field left out, a
value of the wrong type, out of range or outside its enum — and expects a 4xx.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from actors.generate._coerce import MISSING
from actors.generate.builder import Setup, SuiteBuilder
from actors.generate.operations import Operation
from actors.generate.parameters import Parameter
from actors.generate.refs import RefError
from actors.generate.requests import RequestPlan, plan_request
from actors.generate.result import CaseKind

_WRONG_TYPE = {
    "integer": "not-a-number",
    "number": "not-a-number",
    "boolean": "not-a-boolean",
    "object": "not-an-object",
    "array": "not-an-array",
}
_BAD_ENUM = "not-a-documented-value"


@dataclass
class Case:
    """A suite (as a dict for ``Suite.model_validate``) and what it is about."""

    kind: CaseKind
    rank: int  # order among cases of the same kind and operation
    variant: str  # a short slug naming the case within its operation
    suite: dict[str, Any]
    operation: str  # the operation the case is about ("METHOD /path")
    operations: list[str]  # every operation its steps call
    fallback: bool = False  # tried only in case the case before it fails


def _suite(name: str, description: str, kind: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": name[:200],
        "description": description,
        "labels": ["generated", kind],
        "steps": steps,
    }


def _around(setup: Setup, target: dict[str, Any]) -> list[dict[str, Any]]:
    request = target["request"]
    cleanup = [
        step
        for step in setup.cleanup
        if not (request["method"] == "DELETE" and step["request"]["path"] == request["path"])
    ]
    return [*setup.steps, target, *cleanup]


def positive_cases(b: SuiteBuilder, op: Operation, seed: int) -> list[Case]:
    """The valid-request case; when it first creates or finds what its path names (which
    may fail where the operation alone would not: an id the API gives that another
    operation refuses, a list with nothing in it), a fallback sending the operation alone
    with generated values follows it."""
    first = positive_case(b, op, seed)
    if len(first.operations) == 1:
        return [first]
    return [first, positive_case(b, op, seed, chained=False)]


def positive_case(b: SuiteBuilder, op: Operation, seed: int, *, chained: bool = True) -> Case:
    """The valid-request case (``chained=False``: the operation alone, no setup)."""
    rng = random.Random(f"{seed}:positive:{op.key}")
    setup = b.setup(op, rng) if chained else Setup()
    plan = plan_request(op, b.gen, b.checker, rng, setup.templates)
    label = op.operation_id or op.summary or op.key
    target = b.step(f"{op.key} ({label})" if label != op.key else op.key, op, plan, op.success)
    described = f"expects {op.success}" + (
        " and a body matching the documented schema" if len(target["assertions"]) > 1 else ""
    )
    suite = _suite(
        f"{op.key}: valid request",
        f"Generated from {op.key}: a valid request {described}.",
        "positive",
        _around(setup, target),
    )
    variant = "valid" if chained else "valid-alone"
    operations = [*setup.operations, op.key]
    return Case("positive", 0, variant, suite, op.key, operations, fallback=not chained)


def negative_cases(b: SuiteBuilder, op: Operation, seed: int) -> list[Case]:
    """One case per kind of breakage the operation's schemas allow, best first."""
    rng = random.Random(f"{seed}:negative:{op.key}")
    setup = b.setup(op, rng)
    valid = plan_request(op, b.gen, b.checker, rng, setup.templates)
    cases: list[Case] = []
    for rank, (variant, what, plan) in enumerate(_breakages(b, op, valid)):
        target = b.step(f"{op.key} with {what}", op, plan, "4xx", with_schema=False)
        suite = _suite(
            f"{op.key}: {what}",
            f"Generated from {op.key}: the request has {what}; expects a 4xx.",
            "negative",
            _around(setup, target),
        )
        cases.append(Case("negative", rank, variant, suite, op.key, [*setup.operations, op.key]))
    return cases


def _breakages(
    b: SuiteBuilder, op: Operation, valid: RequestPlan
) -> list[tuple[str, str, RequestPlan]]:
    out: list[tuple[str, str, RequestPlan]] = []
    if isinstance(valid.body, dict) and op.body is not None:
        out.extend(_body_breakages(b, op, valid, valid.body))
    out.extend(_parameter_breakages(b, op, valid))
    return out


def _body_breakages(
    b: SuiteBuilder, op: Operation, valid: RequestPlan, body: dict[str, Any]
) -> list[tuple[str, str, RequestPlan]]:
    out: list[tuple[str, str, RequestPlan]] = []
    props = _body_properties(b, op)
    schema = op.body.schema if op.body is not None else None

    def broken(variant: str, what: str, field: str, value: Any) -> None:
        plan = valid.copy()
        plan.body = {k: v for k, v in body.items() if k != field}
        if value is not MISSING:
            plan.body[field] = value
        if not b.checker.is_valid(schema, plan.body):
            out.append((variant, what, plan))

    required = [r for r in props.get("__required__") or [] if isinstance(r, str) and r in body]
    if required:
        field = required[0]
        broken(f"missing-{field}", f"required field '{field}' missing", field, MISSING)
    typed = [name for kind in _WRONG_TYPE for name in body if props.get(name, ("",))[0] == kind]
    if typed:
        field = typed[0]
        broken(
            f"wrong-type-{field}",
            f"field '{field}' of the wrong type",
            field,
            _WRONG_TYPE[props[field][0]],
        )
    for name in body:
        bad = _out_of_range(props[name][1]) if name in props else MISSING
        if bad is not MISSING:
            broken(f"out-of-range-{name}", f"field '{name}' out of range", name, bad)
            break
    for name in body:
        if name in props and isinstance(props[name][1].get("enum"), list):
            broken(f"bad-enum-{name}", f"field '{name}' not in its enum", name, _BAD_ENUM)
            break
    return out


def _body_properties(b: SuiteBuilder, op: Operation) -> dict[str, Any]:
    """name → (first type, flat schema) of the body's top-level properties, plus the
    required names under ``__required__``."""
    assert op.body is not None
    try:
        flat, _ = b.gen.view.flat(op.body.schema)
    except RefError:
        return {}
    branches = flat.get("oneOf") or flat.get("anyOf")
    if "properties" not in flat and isinstance(branches, list) and branches:
        # The generator sent the first branch: break that one.
        base = {k: v for k, v in flat.items() if k not in ("oneOf", "anyOf", "discriminator")}
        try:
            flat, _ = b.gen.view.flat({"allOf": [base, branches[0]]})
        except RefError:
            return {}
    out: dict[str, Any] = {"__required__": flat.get("required") or []}
    props = flat.get("properties")
    for name, sub in props.items() if isinstance(props, dict) else ():
        try:
            sub_flat, _ = b.gen.view.flat(sub)
        except RefError:
            continue
        types = b.gen.view.types(sub_flat)
        out[name] = (types[0] if types else "", sub_flat)
    return out


def _out_of_range(flat: dict[str, Any]) -> Any:
    maximum, minimum = flat.get("maximum"), flat.get("minimum")
    if isinstance(flat.get("exclusiveMaximum"), int | float) and not isinstance(
        flat.get("exclusiveMaximum"), bool
    ):
        maximum = flat["exclusiveMaximum"]
    if isinstance(maximum, int | float) and not isinstance(maximum, bool):
        return maximum + 1
    if isinstance(minimum, int | float) and not isinstance(minimum, bool):
        return minimum - 1
    if isinstance(flat.get("maxLength"), int) and flat["maxLength"] < 10_000:
        return "x" * (flat["maxLength"] + 1)
    if isinstance(flat.get("minLength"), int) and flat["minLength"] > 0:
        return "x" * (flat["minLength"] - 1)
    return MISSING


def _parameter_breakages(
    b: SuiteBuilder, op: Operation, valid: RequestPlan
) -> list[tuple[str, str, RequestPlan]]:
    out: list[tuple[str, str, RequestPlan]] = []
    for param in op.params("query"):
        if param.required and ("query", param.name) in valid.values:
            plan = valid.copy()
            del plan.values[("query", param.name)]
            out.append((f"missing-query-{param.name}", f"query '{param.name}' missing", plan))
            break
    for param in [*op.params("query"), *op.params("path")]:
        broken = _bad_parameter(b, param)
        if broken is not None:
            plan = valid.copy()
            plan.values[(param.location, param.name)] = broken[1]
            out.append(
                (
                    f"{broken[0]}-{param.location}-{param.name}",
                    f"{param.location} '{param.name}' {broken[2]}",
                    plan,
                )
            )
            break
    return out


def _bad_parameter(b: SuiteBuilder, param: Parameter) -> tuple[str, Any, str] | None:
    try:
        flat, _ = b.gen.view.flat(param.schema)
    except RefError:
        return None
    types = b.gen.view.types(flat)
    candidates: list[tuple[str, Any, str]] = []
    if types and types[0] in ("integer", "number", "boolean"):
        candidates.append(("wrong-type", _WRONG_TYPE[types[0]], "of the wrong type"))
    bad = _out_of_range(flat)
    if bad is not MISSING and param.location == "query":
        candidates.append(("out-of-range", bad, "out of range"))
    if isinstance(flat.get("enum"), list) and param.location == "query":
        candidates.append(("bad-enum", _BAD_ENUM, "not in its enum"))
    for candidate in candidates:
        if not b.checker.is_valid(param.schema, candidate[1]):
            return candidate
    return None
