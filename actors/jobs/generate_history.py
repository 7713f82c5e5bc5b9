"""What a generation did, tallied while it runs and written as its history record:
per operation, how many suites were built, tried, kept, kept marked and dropped, and
why; which suites were kept and which dropped."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from actors.generate import GeneratedSuite, GenerationResult
from storage.generation_models import GenerationRecord

OperationStatus = Literal["kept", "dropped", "untried", "skipped", "ignored"]
# Reasons listed per operation in the history; the rest are counted, not listed.
MAX_REASONS_PER_OPERATION = 20


class OperationResult(BaseModel):
    operation: str = Field(description='"METHOD /path" as documented.')
    status: OperationStatus = Field(
        description="kept: at least one suite kept; dropped: suites tried, none kept; "
        "untried: max_test_suites was reached first; skipped: unusable (see reasons); "
        "ignored: matched ignore_endpoints."
    )
    cases: int = Field(default=0, description="Cases the generator built.")
    candidates: int = Field(default=0, description="Of those, candidate suites.")
    tried: int = Field(default=0, description="Candidates run against the API.")
    kept: int = Field(default=0, description="Kept (saved to the app), marked ones included.")
    contradicts_spec: int = Field(
        default=0, description="Of the kept, those marked contradicts-spec."
    )
    dropped: int = 0
    reasons: list[str] = Field(default_factory=list)


class KeptSuite(BaseModel):
    test_suite_id: str
    name: str
    slug: str
    kind: str
    operation: str
    contradicts_spec: bool
    contradictions: list[str] = Field(default_factory=list)


class DroppedSuite(BaseModel):
    name: str
    slug: str
    kind: str
    operation: str
    reasons: list[str]


class Decision(BaseModel):
    """A choice generation made for the whole document, and what it rests on."""

    topic: Literal["base_path", "auth", "ids"] = Field(
        description="base_path: where paths start below base_url; auth: where the app's "
        "secret is sent; ids: where path parameters get their values."
    )
    decision: str
    evidence: list[str] = Field(default_factory=list)


class GenerationTally:
    """Counts and lists of one generation, in candidate order."""

    def __init__(self, result: GenerationResult) -> None:
        self.result = result
        self.kept: list[KeptSuite] = []
        self.dropped: list[DroppedSuite] = []
        self.operations: dict[str, OperationResult] = {}
        self.decisions: list[Decision] = []
        self.auth_placement: dict[str, str] | None = None
        for outcome in result.operations:
            status: OperationStatus = "untried" if outcome.status == "generated" else outcome.status
            self.operations[outcome.operation] = OperationResult(
                operation=outcome.operation,
                status=status,
                cases=outcome.cases,
                candidates=outcome.candidates,
                reasons=list(outcome.reasons),
            )

    @property
    def tried(self) -> int:
        return len(self.kept) + len(self.dropped)

    @property
    def marked(self) -> int:
        return sum(1 for k in self.kept if k.contradicts_spec)

    def keep(
        self, generated: GeneratedSuite, suite_id: str, name: str, contradictions: list[str]
    ) -> KeptSuite:
        entry = KeptSuite(
            test_suite_id=suite_id,
            name=name,
            slug=generated.slug,
            kind=generated.kind,
            operation=generated.operation,
            contradicts_spec=bool(contradictions),
            contradictions=contradictions,
        )
        self.kept.append(entry)
        op = self._operation(generated.operation)
        op.tried += 1
        op.kept += 1
        if contradictions:
            op.contradicts_spec += 1
            self._reason(op, f"{generated.slug}: kept, marked contradicts-spec")
        op.status = "kept"
        return entry

    def drop(self, generated: GeneratedSuite, reasons: list[str]) -> DroppedSuite:
        entry = DroppedSuite(
            name=generated.suite.name,
            slug=generated.slug,
            kind=generated.kind,
            operation=generated.operation,
            reasons=reasons,
        )
        self.dropped.append(entry)
        op = self._operation(generated.operation)
        op.tried += 1
        op.dropped += 1
        if op.status == "untried":
            op.status = "dropped"
        self._reason(op, f"{generated.slug}: dropped: {reasons[0] if reasons else '?'}")
        return entry

    def close(self, why_untried: str) -> None:
        """Say why operations that still have no suite tried were left out."""
        for op in self.operations.values():
            if op.status == "untried":
                self._reason(
                    op,
                    why_untried
                    if op.candidates
                    else "no candidate suite: its "
                    "cases ranked below the candidates the generation keeps",
                )

    def write_progress(self, record: GenerationRecord) -> GenerationRecord:
        """``record`` with the counts and the kept suites: what a retry needs to undo an
        interrupted attempt, cheap enough to write after every batch."""
        record.spec_version = self.result.source_version
        record.total_cases = self.result.total_cases
        record.candidates = len(self.result.candidates)
        record.tried = self.tried
        record.kept = len(self.kept)
        record.contradicts_spec = self.marked
        record.dropped = len(self.dropped)
        record.suites_json = _dumps(self.kept)
        return record

    def write(self, record: GenerationRecord) -> GenerationRecord:
        """``record`` with everything: counts, per-operation outcomes and both lists."""
        self.write_progress(record)
        operations = list(self.operations.values())
        record.operations = len(operations)
        record.operations_with_suites = sum(1 for op in operations if op.status == "kept")
        record.operations_skipped = sum(1 for op in operations if op.status == "skipped")
        record.operations_json = _dumps(operations)
        record.skipped_json = _dumps(self.result.skipped)
        record.dropped_json = _dumps(self.dropped)
        return record

    def _operation(self, key: str) -> OperationResult:
        if key not in self.operations:  # a flow about an operation the tally never saw
            self.operations[key] = OperationResult(operation=key, status="untried")
        return self.operations[key]

    @staticmethod
    def _reason(op: OperationResult, text: str) -> None:
        if len(op.reasons) < MAX_REASONS_PER_OPERATION:
            op.reasons.append(text)


def _dumps(items: Sequence[BaseModel]) -> str:
    return json.dumps([item.model_dump(mode="json") for item in items])
