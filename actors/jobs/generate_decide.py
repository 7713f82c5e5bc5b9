"""The document-wide choices of a generation, made before any candidate runs: where the
paths start (probing the live API) and where the app's secret goes (the document's
security schemes). Both are recorded with their evidence in the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from actors.engine import JobExecution
from actors.generate import GenerationResult, load_document
from actors.generate.refs import Resolver
from actors.generate.security import decide_auth
from actors.jobs.generate_base import decide_base_path
from actors.jobs.generate_check import target_client
from actors.jobs.generate_history import Decision

# Operations named in the history as needing another credential; the rest are counted.
MAX_LISTED = 20


@dataclass
class Decisions:
    prefix: str
    auth_changed: bool = False
    placement: dict[str, str] | None = None
    entries: list[Decision] = field(default_factory=list)

    def as_json(self) -> list[dict[str, Any]]:
        return [entry.model_dump(mode="json") for entry in self.entries]


def decide(
    execution: JobExecution,
    params: Any,
    result: GenerationResult,
    document: dict[str, Any],
    auth: dict[str, Any] | None,
) -> tuple[dict[str, Any] | None, Decisions]:
    """``(the auth to check with, the decisions)``. ``params`` are the job's
    (``base_url``, ``base_path``, ``timeout``)."""
    loaded = load_document(document)
    placed = decide_auth(loaded.document, Resolver(loaded.document), auth)
    operations = [o.operation for o in result.operations if o.status == "generated"]
    with target_client(execution.ctx, placed.auth, params.timeout, params.base_url) as client:
        base = decide_base_path(
            params.base_url, result.server_path, params.base_path, operations, client.send
        )
    evidence = list(placed.evidence)
    if placed.changed:
        evidence.append(
            "the app's auth is changed to match once a suite is kept, so runs send it so"
        )
    if placed.unsatisfied:
        listed = ", ".join(placed.unsatisfied[:MAX_LISTED])
        more = len(placed.unsatisfied) - MAX_LISTED
        evidence.append(
            f"{len(placed.unsatisfied)} operations accept no such credential: {listed}"
            + (f" and {more} more" if more > 0 else "")
        )
    entries = [
        Decision(topic="base_path", decision=base.summary, evidence=base.evidence),
        Decision(topic="auth", decision=placed.summary, evidence=evidence),
    ]
    ids = [
        f"{o.operation}: {r}"
        for o in result.operations
        for r in o.reasons
        if r.startswith("value of {")
    ]
    if ids:
        entries.append(
            Decision(
                topic="ids",
                decision=f"{len(ids)} path parameters take their value from an earlier step",
                evidence=ids[:MAX_LISTED],
            )
        )
    decisions = Decisions(
        prefix=base.prefix,
        auth_changed=placed.changed,
        placement=placed.placement.as_dict() if placed.placement else None,
        entries=entries,
    )
    return placed.auth, decisions
