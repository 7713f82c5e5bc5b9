"""Suites from an OpenAPI document: the entry point of the generate job and the CLI.

Deterministic by construction: the document is walked in its own order, every random
choice comes from a ``random.Random`` seeded with (seed, case), and nothing depends on
set order, hashing or the clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

from actors.generate.builder import SuiteBuilder
from actors.generate.cases import Case, negative_cases, positive_cases
from actors.generate.flows import flow_cases
from actors.generate.jsonschema import SchemaConverter
from actors.generate.loader import load_document, server_path
from actors.generate.operations import Operation, read_operations
from actors.generate.refs import Resolver
from actors.generate.resources import ResourceIndex
from actors.generate.result import (
    GeneratedSuite,
    GenerationResult,
    OperationOutcome,
    Skipped,
)
from actors.generate.schemaview import SchemaView
from actors.generate.validity import BodyChecker
from actors.generate.values import ValueGenerator
from core.jobs import DEFAULT_MAX_TEST_SUITES
from runner import SchemaAssertion, Suite, schema_checks_shared

_PRIORITY = {"flow": 0, "positive": 1, "negative": 2}


def generate_suites(
    document: str | bytes | dict[str, Any],
    *,
    seed: int = 0,
    max_test_suites: int = DEFAULT_MAX_TEST_SUITES,
    ignore_endpoints: Sequence[str] = (),
    max_candidates: int | None = None,
) -> GenerationResult:
    """Candidate suites for ``document``, best first (flows, then positive cases, then
    negative ones), each valid against :class:`Suite`; ``result.suites`` is the first
    ``max_test_suites`` of them. Every case is built, but only the best
    ``max_candidates`` (default: twice ``max_test_suites``, at least 10 more) are kept
    as suites: the rest are spares a caller may want when some fail against the API.
    Fallbacks (a valid request alone, after the same request with its setup) come on
    top of that count: they are meant to be tried only when the case before them fails.

    Raises :class:`~actors.generate.loader.InvalidOpenAPIDocument` when the input is not
    an OpenAPI 3.x / Swagger 2.0 document. Parts it cannot use are listed in
    ``skipped`` and in the operations' reasons; they never raise.
    """
    loaded = load_document(document)
    resolver = Resolver(loaded.document)
    view = SchemaView(resolver, is_31=loaded.is_31)
    converter = SchemaConverter(resolver, is_31=loaded.is_31)
    ops, skipped_ops, ignored = read_operations(loaded.document, resolver, ignore_endpoints)
    index = ResourceIndex(ops, view, resolver)
    builder = SuiteBuilder(ValueGenerator(view), BodyChecker(converter), converter, index)
    failed: dict[str, list[str]] = {}
    ranked = _ranked_cases(builder, ops, seed, failed)
    limit = (
        max_candidates
        if max_candidates is not None
        else max(2 * max_test_suites, max_test_suites + 10)
    )
    # The converter reuses one object per component, so the response schemas share
    # most of their subschemas: each is checked against the meta-schema once.
    with schema_checks_shared():
        candidates = _validated(ranked, max(limit, max_test_suites), failed)
    skipped = [Skipped(target=key, reason=why) for key, why in loaded.skipped]
    skipped += [Skipped(target=s.key, reason=s.reason) for s in skipped_ops]
    made: dict[str, int] = {}
    for _, case, _ in ranked:
        made[case.operation] = made.get(case.operation, 0) + 1
    return GenerationResult(
        source_version=loaded.source_version,
        server_path=server_path(loaded.document),
        max_test_suites=max_test_suites,
        total_cases=len(ranked),
        candidates=candidates,
        operations=_outcomes(
            ops, made, candidates, max_test_suites, builder, failed, skipped, ignored
        ),
        skipped=skipped,
    )


def _ranked_cases(
    builder: SuiteBuilder, ops: list[Operation], seed: int, failed: dict[str, list[str]]
) -> list[tuple[tuple[int, int, int, int], Case, Operation]]:
    ranked: list[tuple[tuple[int, int, int, int], Case, Operation]] = []

    def attempt(op: Operation, make: Callable[[], list[Case]]) -> list[Case]:
        try:
            return make()
        except Exception as exc:  # one operation must never sink the whole run
            reason = f"cases could not be built ({type(exc).__name__}: {str(exc)[:160]})"
            failed.setdefault(op.key, []).append(reason)
            return []

    by_key = {op.key: op for op in ops}
    for case in attempt(ops[0], lambda: flow_cases(builder, ops, seed)) if ops else []:
        op = by_key[case.operation]
        ranked.append(((0, op.index, 0, len(ranked)), case, op))
    for op in ops:
        for case in attempt(op, lambda op=op: positive_cases(builder, op, seed)):  # type: ignore[misc]
            ranked.append(((1, op.index, int(case.fallback), 0), case, op))
        for case in attempt(op, lambda op=op: negative_cases(builder, op, seed)):  # type: ignore[misc]
            ranked.append(((2, case.rank, op.index, 0), case, op))
    ranked.sort(key=lambda entry: entry[0])
    return ranked


def _validated(
    ranked: list[tuple[tuple[int, int, int, int], Case, Operation]],
    limit: int,
    failed: dict[str, list[str]],
) -> list[GeneratedSuite]:
    candidates: list[GeneratedSuite] = []
    slugs: set[str] = set()
    checked = _SchemaChecks()
    counted = 0  # fallbacks are tried only instead of another candidate: not counted
    for _, case, op in ranked:
        if counted >= limit:
            break
        try:
            suite = checked.suite(case.suite)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            failed.setdefault(op.key, []).append(
                f"a {case.kind} case was dropped: invalid suite at {where}: {first.get('msg')}"
            )
            continue
        counted += not case.fallback
        candidates.append(
            GeneratedSuite(
                suite=suite,
                operation=op.key,
                operations=list(dict.fromkeys(case.operations)),
                kind=case.kind,
                fallback=case.fallback,
                priority=_PRIORITY[case.kind] + (case.rank if case.kind == "negative" else 0),
                slug=_unique(_slug(case, op), slugs),
            )
        )
    return candidates


class _SchemaChecks:
    """``Suite.model_validate`` with each distinct response schema checked once.

    Checking a schema against the 2020-12 meta-schema costs about as much as the rest
    of generation together (0.1 s for a GitHub-sized one), and a flow repeats the same
    schema in several steps; the converter reuses one object per schema, so identity
    is a safe cache key.
    """

    def __init__(self) -> None:
        self._done: dict[int, tuple[Any, SchemaAssertion | ValidationError]] = {}

    def suite(self, raw: dict[str, Any]) -> Suite:
        placed: list[tuple[int, int, Any]] = []
        steps = []
        for i, step in enumerate(raw["steps"]):
            assertions = []
            for j, assertion in enumerate(step.get("assertions", [])):
                if assertion.get("type") == "schema":
                    placed.append((i, j, assertion.get("schema")))
                    assertion = {"type": "schema", "schema": {}}
                assertions.append(assertion)
            steps.append({**step, "assertions": assertions})
        suite = Suite.model_validate({**raw, "steps": steps})
        for i, j, schema in placed:
            suite.steps[i].assertions[j] = self._assertion(schema).model_copy()
        return suite

    def _assertion(self, schema: Any) -> SchemaAssertion:
        done = self._done.get(id(schema))
        if done is None or done[0] is not schema:
            try:
                result: SchemaAssertion | ValidationError = SchemaAssertion.model_validate(
                    {"type": "schema", "schema": schema}
                )
            except ValidationError as exc:
                result = exc
            done = (schema, result)
            self._done[id(schema)] = done
        if isinstance(done[1], ValidationError):
            raise done[1]
        return done[1]


def _outcomes(
    ops: list[Operation],
    made: dict[str, int],
    candidates: list[GeneratedSuite],
    max_test_suites: int,
    builder: SuiteBuilder,
    failed: dict[str, list[str]],
    skipped: list[Skipped],
    ignored: list[str],
) -> list[OperationOutcome]:
    kept: dict[str, int] = {}
    selected: dict[str, int] = {}
    for i, candidate in enumerate(candidates):
        kept[candidate.operation] = kept.get(candidate.operation, 0) + 1
        if i < max_test_suites:
            selected[candidate.operation] = selected.get(candidate.operation, 0) + 1
    out = [
        OperationOutcome(
            operation=op.key,
            status="generated" if made.get(op.key) else "skipped",
            cases=made.get(op.key, 0),
            candidates=kept.get(op.key, 0),
            selected=selected.get(op.key, 0),
            reasons=[*op.notes, *builder.notes.get(op.key, []), *failed.get(op.key, [])],
        )
        for op in ops
    ]
    out.extend(
        OperationOutcome(operation=s.target, status="skipped", reasons=[s.reason]) for s in skipped
    )
    out.extend(OperationOutcome(operation=key, status="ignored") for key in ignored)
    return out


def _slug(case: Case, op: Operation) -> str:
    base = f"{case.kind}-{op.method}-{op.request_path}"
    if case.kind == "flow":
        base = f"flow-{case.variant}"
    elif case.kind == "negative" or case.variant != "valid":
        base += f"-{case.variant}"
    slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")
    return slug[:120].rstrip("-") or case.kind


def _unique(slug: str, taken: set[str]) -> str:
    name, n = slug, 2
    while name in taken:
        name, n = f"{slug}-{n}", n + 1
    taken.add(name)
    return name
