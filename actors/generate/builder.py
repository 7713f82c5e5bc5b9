"""What every kind of case shares: turning an operation and a plan into a step with the
right assertions, and the setup (create the resources a path names) and cleanup
(delete them again) around a step.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from actors.generate.jsonschema import SchemaConverter
from actors.generate.operations import Operation, media_kind
from actors.generate.refs import RefError
from actors.generate.requests import RequestPlan, Template, plan_request, render_request
from actors.generate.resources import ResourceIndex
from actors.generate.validity import BodyChecker
from actors.generate.values import ValueGenerator

# Resources created before a step: a path nests at most this many producers deep.
MAX_SETUP_DEPTH = 4
# What a cleanup step tolerates: anything but a server error (it may already be gone).
CLEANUP_STATUSES: list[int | str] = ["2xx", "3xx", "4xx"]


def status_list(code: int | str) -> int | str:
    return code.lower() if isinstance(code, str) else code


@dataclass
class Setup:
    """Steps that create what a path needs, the variables they set and how to undo it."""

    steps: list[dict[str, Any]] = field(default_factory=list)
    templates: dict[str, Template] = field(default_factory=dict)
    cleanup: list[dict[str, Any]] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)


class SuiteBuilder:
    """Shared by positive, negative and flow cases of one generation run."""

    def __init__(
        self,
        gen: ValueGenerator,
        checker: BodyChecker,
        converter: SchemaConverter,
        index: ResourceIndex,
    ) -> None:
        self.gen = gen
        self.checker = checker
        self.converter = converter
        self.index = index
        self._schemas: dict[int, tuple[Any, dict[str, Any] | None]] = {}
        self.notes: dict[str, list[str]] = {}

    def note(self, op: Operation, text: str) -> None:
        notes = self.notes.setdefault(op.key, [])
        if text not in notes:
            notes.append(text)

    def response_schema(self, op: Operation) -> dict[str, Any] | None:
        """The success response's schema as a checked JSON Schema (None if there is none
        or it cannot be used, in which case a note says why)."""
        response = op.success_response()
        if response is None or response.schema is None or op.method == "HEAD":
            return None
        cached = self._schemas.get(id(response.schema))
        if cached is not None and cached[0] is response.schema:
            return cached[1]
        result: dict[str, Any] | None
        try:
            # Valid JSON Schema by construction; Suite validation checks it again.
            result = self.converter.convert(response.schema, "response")
        except RefError as exc:
            self.note(op, f"no schema assertion: {exc}")
            result = None
        if result == {}:
            result = None  # "anything" asserts nothing
        self._schemas[id(response.schema)] = (response.schema, result)
        return result

    def step(
        self,
        name: str,
        op: Operation,
        plan: RequestPlan,
        expect: int | str | list[int | str],
        *,
        with_schema: bool = True,
        extract: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        expected = [status_list(e) for e in expect] if isinstance(expect, list) else expect
        assertions: list[dict[str, Any]] = [
            {"type": "status_code", "expected": status_list(expected)}  # type: ignore[arg-type]
        ]
        if with_schema:
            assertions.extend(self._body_assertions(op))
        step: dict[str, Any] = {
            "name": name[:200],
            "request": render_request(op, plan),
            "assertions": assertions,
        }
        if extract:
            step["extract"] = extract
        return step

    def _body_assertions(self, op: Operation) -> list[dict[str, Any]]:
        """What a success answer's body must be: of the documented media type (JSON in
        any flavour counts as JSON, which is what the request accepts) and, for JSON,
        of the documented schema."""
        out: list[dict[str, Any]] = []
        response = op.success_response()
        accept = response.accept() if response is not None and op.method != "HEAD" else None
        if accept:
            expected = "json" if media_kind(accept) == "json" else accept
            out.append(
                {"type": "header", "name": "content-type", "op": "contains", "expected": expected}
            )
        schema = self.response_schema(op)
        if schema is not None:
            out.append({"type": "schema", "schema": schema})
        return out

    def setup(
        self,
        op: Operation,
        rng: random.Random,
        known: dict[str, Template] | None = None,
        depth: int = 0,
    ) -> Setup:
        """Create, before ``op``, each resource its path parameters name (when a producer
        is known and ``known`` has no variable for it yet), outermost first; the cleanup
        steps delete them again, innermost first."""
        result = Setup()
        known = dict(known or {})
        if depth >= MAX_SETUP_DEPTH:
            return result
        for param in op.params("path"):
            if param.name in known:
                continue
            producer = self.index.producer(op, param.name)
            if producer is None:
                continue
            inner = self.setup(producer.op, rng, known, depth + 1)
            result.steps.extend(inner.steps)
            result.operations.extend(inner.operations)
            known.update(inner.templates)
            var = self.variable(param.name, known)
            plan = plan_request(producer.op, self.gen, self.checker, rng, known)
            verb = "find" if producer.reads_existing else "create"
            self.note(op, f"value of {{{param.name}}}: {producer.source}")
            result.steps.append(
                self.step(
                    f"setup: {verb} {param.name} ({producer.op.key})",
                    producer.op,
                    plan,
                    producer.op.success,
                    with_schema=False,
                    extract={var: producer.extract},
                )
            )
            result.operations.append(producer.op.key)
            known[param.name] = Template(var, whole_path=producer.kind == "location")
            result.templates.update(inner.templates)
            result.templates[param.name] = known[param.name]
            mine: list[dict[str, Any]] = []
            remover = self._remover(op, param.name) if not producer.reads_existing else None
            if remover is not None:
                removal = plan_request(remover, self.gen, self.checker, rng, known)
                mine.append(
                    self.step(
                        f"cleanup: delete {param.name}",
                        remover,
                        removal,
                        CLEANUP_STATUSES,
                        with_schema=False,
                    )
                )
            result.cleanup = [*mine, *inner.cleanup, *result.cleanup]
        return result

    def _remover(self, op: Operation, param: str) -> Operation | None:
        """``DELETE`` on the path up to and including ``{param}``."""
        segments = op.request_path.split("/")
        marker = "{" + param + "}"
        if marker not in segments:
            return None
        item = "/".join(segments[: segments.index(marker) + 1])
        return self.index.get("DELETE", item)

    @staticmethod
    def variable(name: str, *taken: dict[str, Template]) -> str:
        var = re.sub(r"[^\w.\-]", "_", name) or "id"
        if not re.match(r"[A-Za-z_]", var):
            var = "_" + var
        used = {t.var for group in taken for t in group.values()}
        base, n = var, 2
        while var in used:
            var, n = f"{base}_{n}", n + 1
        return var
