"""Stateful flows: create → read → update → read → delete → read-is-404 on one resource,
chained by the id the create step extracts.

A flow exists for each collection ``C`` with ``POST C`` and an item path ``C/{id}`` that
has at least a ``GET`` or a ``DELETE``, when the id's place in the create response is
known (link or naming, see :mod:`actors.generate.resources`).
"""

from __future__ import annotations

import random
from typing import Any

from actors.generate._coerce import as_dict
from actors.generate.builder import SuiteBuilder
from actors.generate.cases import Case
from actors.generate.operations import Operation
from actors.generate.refs import RefError
from actors.generate.requests import RequestPlan, Template, plan_request
from runner import format_parts


def flow_cases(b: SuiteBuilder, ops: list[Operation], seed: int) -> list[Case]:
    """One flow per (create operation, item path), in document order."""
    cases: list[Case] = []
    for create in ops:
        if create.method != "POST":
            continue
        prefix = create.request_path.rstrip("/") + "/{"
        items = sorted(
            {op.path for op in ops if op.path.startswith(prefix) and _one_segment(op, prefix)}
        )
        for item_path in items:
            case = _flow(b, create, item_path, seed)
            if case is not None:
                cases.append(case)
    return cases


def _one_segment(op: Operation, prefix: str) -> bool:
    rest = op.request_path[len(prefix) :]
    return rest.endswith("}") and "/" not in rest and "{" not in rest


def _flow(b: SuiteBuilder, create: Operation, item_path: str, seed: int) -> Case | None:
    read, delete = b.index.get("GET", item_path), b.index.get("DELETE", item_path)
    update = b.index.get("PUT", item_path) or b.index.get("PATCH", item_path)
    anchor = read or delete
    if anchor is None:
        return None
    param = item_path[item_path.rindex("{") + 1 : -1]
    producer = b.index.producer(anchor, param)
    if producer is None or producer.op is not create:
        return None
    b.note(create, f"value of {{{param}}} in the flow on {item_path}: {producer.source}")
    rng = random.Random(f"{seed}:flow:{create.key}:{item_path}")
    setup = b.setup(create, rng)
    var = b.variable(param, setup.templates)
    created = plan_request(create, b.gen, b.checker, rng, setup.templates)
    steps = [*setup.steps]
    steps.append(
        b.step(
            f"create ({create.key})",
            create,
            created,
            create.success,
            extract={var: producer.extract},
        )
    )
    known = {**setup.templates, param: Template(var, whole_path=producer.kind == "location")}
    names = [create.key]
    sent = created.body
    if read is not None:
        steps.append(_read(b, read, rng, known, "read after create", sent))
        names.append(read.key)
    if update is not None:
        changed = plan_request(update, b.gen, b.checker, rng, known)
        steps.append(b.step(f"update ({update.key})", update, changed, update.success))
        names.append(update.key)
        if read is not None:
            steps.append(_read(b, read, rng, known, "read after update", changed.body))
    if delete is not None:
        removal = plan_request(delete, b.gen, b.checker, rng, known)
        steps.append(
            b.step(f"delete ({delete.key})", delete, removal, delete.success, with_schema=False)
        )
        names.append(delete.key)
        if read is not None:
            gone: list[int | str] = [404, 410] if "410" in read.responses else [404]
            again = plan_request(read, b.gen, b.checker, rng, known)
            steps.append(
                b.step(
                    "read after delete is gone",
                    read,
                    again,
                    gone if len(gone) > 1 else gone[0],
                    with_schema=False,
                )
            )
    steps.extend(setup.cleanup)
    if len(steps) - len(setup.steps) - len(setup.cleanup) < 2:
        return None
    verbs = ", ".join(_verb(key) for key in names)
    suite = {
        "name": f"{item_path}: {verbs}"[:200],
        "description": f"Generated flow on {item_path}: {verbs}, chained by the created {param}.",
        "labels": ["generated", "flow"],
        "steps": steps,
    }
    return Case("flow", 0, item_path, suite, create.key, [*setup.operations, *names])


def _verb(key: str) -> str:
    method = key.split(" ", 1)[0]
    return {
        "POST": "create",
        "GET": "read",
        "PUT": "update",
        "PATCH": "update",
        "DELETE": "delete",
    }.get(method, method.lower())


def _read(
    b: SuiteBuilder,
    read: Operation,
    rng: random.Random,
    known: dict[str, Template],
    name: str,
    sent: Any,
) -> dict[str, Any]:
    plan: RequestPlan = plan_request(read, b.gen, b.checker, rng, known)
    step = b.step(f"{name} ({read.key})", read, plan, read.success)
    field = _echoed_field(b, read, sent)
    if field is not None:
        step["assertions"].append(
            {
                "type": "json_path",
                "path": format_parts((field,)),
                "op": "eq",
                "expected": sent[field],
            }
        )
    return step


def _echoed_field(b: SuiteBuilder, read: Operation, sent: Any) -> str | None:
    """A plain string field the client sent and the read response documents: reading
    it back equal is the cheapest proof the write was stored."""
    response = read.success_response()
    if not isinstance(sent, dict) or response is None or response.schema is None:
        return None
    try:
        flat, _ = b.gen.view.flat(response.schema)
    except RefError:
        return None
    props = as_dict(flat.get("properties"))
    for name, value in sent.items():
        if not isinstance(value, str) or name not in props:
            continue
        try:
            prop, _ = b.gen.view.flat(props[name])
        except RefError:
            continue
        if b.gen.view.types(prop) == ["string"] and not any(
            k in prop for k in ("format", "writeOnly", "pattern")
        ):
            return str(name)
    return None
