"""Scoring kept suites against the mutants of bench/mutation.py, with the runner runs use
(``runner.run_suites``, one target client per suite carrying the app's auth)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from actors.coverage import PathMatcher
from actors.generate.security import Placement, place_secret
from bench._proxy import MutatingProxy
from bench.mutation import DocumentSchemas, mutants_for
from runner import Suite, TargetClient, run_suites
from tests.support.services import free_port

_PUBLIC_ONLY = ("id", "app_id", "version", "step_count", "created_at", "updated_at")


@dataclass
class MutationScore:
    applicable: int = 0
    caught: int = 0
    missed: list[str] = field(default_factory=list)  # "METHOD /path: kind"


def run_auth(summary: dict[str, Any], secret: str) -> dict[str, Any]:
    """The auth the app's runs send after generation: the secret where generation placed
    it (the job's ``auth_placement``), else as the bearer token it was given as."""
    given = {"type": "bearer", "token": secret}
    placement = summary.get("auth_placement")
    if not isinstance(placement, dict) or not placement.get("in"):
        return given
    return place_secret(given, Placement(placement["in"], placement.get("name", "")))


def score_mutants(
    document: dict[str, Any],
    suites: list[dict[str, Any]],
    mock_url: str,
    operations: list[tuple[str, str]],
    prefix: str,
    summary: dict[str, Any],
    secret: str,
) -> MutationScore:
    """Run the kept ``suites`` through a proxy before ``mock_url``: once unchanged (the
    suites that pass are the judges), then once per mutant of each operation a judge
    reaches with a 2xx, with only the judges calling that operation."""
    parsed = [
        Suite.model_validate({k: v for k, v in s.items() if k not in _PUBLIC_ONLY}) for s in suites
    ]
    auth = run_auth(summary, secret)
    proxy = MutatingProxy(mock_url, operations, free_port())
    matcher = PathMatcher(operations, prefix)
    score = MutationScore()
    try:

        def run(selected: list[Suite]) -> list[Any]:
            return run_suites(
                selected, concurrency=2, base_url=proxy.url,
                client_factory=lambda: TargetClient(auth=auth),
            )  # fmt: skip

        judges: dict[str, list[Suite]] = {}
        for suite, result in zip(parsed, run(parsed), strict=True):
            if not result.passed:
                continue
            for step in result.steps:
                status = step.response.status if step.response else 0
                found = (
                    matcher.match(step.request.method, urlsplit(step.request.url).path)
                    if step.request
                    else None
                )
                if found and 200 <= status < 300:
                    key = f"{found[0]} {found[1]}"
                    if suite not in judges.setdefault(key, []):
                        judges[key].append(suite)
        schemas = DocumentSchemas(document)
        for key, selected in judges.items():
            for mutant in mutants_for(schemas, key):
                proxy.mutant = mutant
                results = run(selected)
                proxy.mutant = None
                if not mutant.applied:
                    continue
                score.applicable += 1
                if any(not r.passed for r in results):
                    score.caught += 1
                else:
                    score.missed.append(f"{key}: {mutant.kind}")
    finally:
        proxy.stop()
    return score
