"""Schema coverage: which documented responses of which operations the app's suites and
its latest run exercised. Pure: a document, suites and observations in, a report out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from actors.coverage.matching import PathMatcher
from actors.generate.loader import load_document, server_path
from actors.generate.refs import RefError, Resolver
from runner import StatusCodeAssertion, Suite

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
CoverageStatus = Literal["covered", "partial", "uncovered"]
# Answers a route that does not exist gives: they prove nothing about the operation alone.
ROUTE_NOT_FOUND = frozenset({404, 405})


class ObservedCall(BaseModel):
    """One step of a run: the request's method and path (as sent, or as templated in the
    suite) and the status received (None when no response came)."""

    method: str
    path: str
    status: int | None = None


class OperationRef(BaseModel):
    method: str
    path: str


class OperationCoverage(BaseModel):
    method: str
    path: str
    status: CoverageStatus
    documented: list[str] = Field(description='Response keys: "200", "4XX", "default".')
    exercised: list[str] = Field(description="Documented keys that were exercised.")
    missing: list[str] = Field(description="Documented keys never exercised.")
    observed_statuses: list[int] = Field(description="Every status seen, sorted.")
    undocumented_statuses: list[int] = Field(description="Seen, but matching no key.")
    unreached_statuses: list[int] = Field(
        default_factory=list,
        description="404 or 405 seen while no call reached the operation (a route that may "
        "not exist): not counted as exercised.",
    )
    steps: int = Field(description="Suite steps that call this operation.")


class CoverageReport(BaseModel):
    percentage: float = Field(
        description="Exercised documented responses over all documented responses, 0-100."
    )
    total_operations: int
    covered: list[OperationRef] = Field(description="Every documented response exercised.")
    partly_covered: list[OperationRef]
    uncovered: list[OperationRef]
    operations: list[OperationCoverage]
    unmatched_calls: list[ObservedCall] = Field(
        description="Calls to no documented operation (first 100, deduplicated)."
    )


def compute_coverage(
    document: str | bytes | dict[str, Any],
    suites: Sequence[Suite | dict[str, Any]],
    observed: Iterable[ObservedCall | tuple[str, str, int | None]] | None,
) -> CoverageReport:
    """Coverage of ``document`` by ``suites`` and the run ``observed``.

    A documented response key counts as exercised when an observed status falls under it
    (exact code, else its ``NXX`` range, else ``default``) and the request reached the
    operation: a 404 or 405 counts only when another call to the same operation got an
    answer other than those (so the route exists). Without a run
    (``observed=None``) the suites' own ``status_code`` assertions stand in for it.
    Raises :class:`~actors.generate.loader.InvalidOpenAPIDocument` for a non-OpenAPI
    document.
    """
    loaded = load_document(document)
    documented = _documented(loaded.document)
    matcher = PathMatcher(documented.keys(), server_path(loaded.document))
    parsed = [s if isinstance(s, Suite) else Suite.model_validate(s) for s in suites]
    steps: dict[tuple[str, str], int] = {}
    statuses: dict[tuple[str, str], set[int | str]] = {key: set() for key in documented}
    unmatched: dict[tuple[str, str, int | None], ObservedCall] = {}
    for suite in parsed:
        for step in suite.steps:
            key = matcher.match(step.request.method, step.request.path)
            if key is None:
                continue
            steps[key] = steps.get(key, 0) + 1
            if observed is None:
                statuses[key].update(_asserted(step.assertions))
    for raw in observed or ():
        call = (
            raw
            if isinstance(raw, ObservedCall)
            else ObservedCall(method=raw[0], path=raw[1], status=raw[2])
        )
        key = matcher.match(call.method, call.path)
        if key is None:
            if len(unmatched) < 100:
                unmatched.setdefault((call.method.upper(), call.path, call.status), call)
        elif call.status is not None:
            statuses[key].add(call.status)
    details = [
        _operation(key, codes, statuses[key], steps.get(key, 0), observed is not None)
        for key, codes in documented.items()
    ]
    total = sum(len(d.documented) for d in details)
    hit = sum(len(d.exercised) for d in details)
    return CoverageReport(
        percentage=round(100.0 * hit / total, 2) if total else 0.0,
        total_operations=len(details),
        covered=[_ref(d) for d in details if d.status == "covered"],
        partly_covered=[_ref(d) for d in details if d.status == "partial"],
        uncovered=[_ref(d) for d in details if d.status == "uncovered"],
        operations=details,
        unmatched_calls=list(unmatched.values()),
    )


def _documented(document: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    resolver = Resolver(document)
    out: dict[tuple[str, str], list[str]] = {}
    paths = document.get("paths")
    for path, item in paths.items() if isinstance(paths, dict) else ():
        try:
            item = resolver.deref(item)
        except RefError:
            continue
        for method in _METHODS if isinstance(item, dict) else ():
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            responses = op.get("responses")
            keys = [_key(code) for code in responses] if isinstance(responses, dict) else []
            out[(method.upper(), str(path))] = list(dict.fromkeys(keys)) or ["default"]
    return out


def _key(code: Any) -> str:
    text = str(code).strip()
    return "default" if text.lower() == "default" else text.upper()


def _asserted(assertions: Sequence[Any]) -> set[int | str]:
    out: set[int | str] = set()
    for assertion in assertions:
        if isinstance(assertion, StatusCodeAssertion):
            expected = assertion.expected
            for item in expected if isinstance(expected, list) else [expected]:
                out.add(item.upper() if isinstance(item, str) else item)
    return out


def _operation(
    key: tuple[str, str], documented: list[str], seen: set[int | str], steps: int, run: bool
) -> OperationCoverage:
    exercised: set[str] = set()
    undocumented: list[int] = []
    reached = any(isinstance(s, int) and s not in ROUTE_NOT_FOUND for s in seen)
    unreached = sorted(s for s in seen if s in ROUTE_NOT_FOUND) if run and not reached else []
    for status in sorted(seen, key=str):
        if status in unreached:
            continue
        found = _falls_under(status, documented)
        if found is not None:
            exercised.add(found)
        elif isinstance(status, int):
            undocumented.append(status)
    hit = [code for code in documented if code in exercised]
    state: CoverageStatus = (
        "covered" if len(hit) == len(documented) else "partial" if hit else "uncovered"
    )
    return OperationCoverage(
        method=key[0],
        path=key[1],
        status=state,
        documented=documented,
        exercised=hit,
        missing=[code for code in documented if code not in exercised],
        observed_statuses=sorted(s for s in seen if isinstance(s, int)),
        undocumented_statuses=sorted(undocumented),
        unreached_statuses=[int(s) for s in unreached],
        steps=steps,
    )


def _falls_under(status: int | str, documented: list[str]) -> str | None:
    """The documented key a status (or an asserted class such as '4XX') counts for."""
    if isinstance(status, str):  # a class asserted by a suite: only its range key
        if status in documented:
            return status
        in_class = [c for c in documented if c.isdigit() and c[0] == status[0]]
        if len(in_class) == 1:
            return in_class[0]
        return "default" if "default" in documented and not in_class else None
    text = str(status)
    if text in documented:
        return text
    if f"{text[0]}XX" in documented:
        return f"{text[0]}XX"
    return "default" if "default" in documented else None


def _ref(detail: OperationCoverage) -> OperationRef:
    return OperationRef(method=detail.method, path=detail.path)
