"""Generation history and schema coverage."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from orchestrator.graphql.context import Info
from orchestrator.graphql.types._convert import build, pick
from orchestrator.graphql.types.jobs import JobStatus  # registered there as an enum
from orchestrator.schemas.generation import GenerationHistoryDetail, GenerationHistoryEntry
from orchestrator.schemas.generation import SchemaCoverage as SchemaCoverageModel

# Named, not imported: the two modules refer to each other.
JobRef = Annotated["Job", strawberry.lazy("orchestrator.graphql.types.jobs")]  # type: ignore[name-defined]  # noqa: F821


@strawberry.type
class GenerationParameters:
    base_url: str | None
    schema_source: str | None = strawberry.field(description="request or app")
    max_test_suites: int | None
    ignore_endpoints: list[str]
    timeout: float | None
    seed: int | None
    base_path: str | None = strawberry.field(
        description="The path below baseUrl that the document's paths start at, as asked."
    )


@strawberry.type
class GenerationCounts:
    operations: int
    operations_with_suites: int
    operations_skipped: int
    cases: int
    candidates: int
    tried: int
    kept: int
    contradicts_spec: int
    dropped: int


@strawberry.type(description="One GENERATE job of an app and what it produced.")
class Generation:
    job_id: strawberry.ID
    app_id: str
    job_status: JobStatus
    created_at: int
    started_at: int | None
    finished_at: int | None
    error: str | None
    parameters: GenerationParameters
    spec_version: str | None
    path_prefix: str | None
    counts: GenerationCounts
    test_suite_ids: list[str]

    @classmethod
    def from_entry(cls, entry: GenerationHistoryEntry) -> Generation:
        return pick(
            cls,
            entry,
            parameters=pick(GenerationParameters, entry.parameters),
            counts=pick(GenerationCounts, entry.counts),
        )

    @strawberry.field(description="The GENERATE job.")
    async def job(self, info: Info) -> JobRef | None:
        row = await info.context.loaders.job().load(self.job_id)
        return build("job", row) if row is not None else None


@strawberry.type(description="One generation in full: per-operation outcomes with reasons.")
class GenerationDetail(Generation):
    decisions: JSON = strawberry.field(
        description="Document-wide choices (base path, auth placement, ids) and their evidence."
    )
    operations: JSON
    skipped: JSON
    suites: JSON
    dropped_suites: JSON

    @classmethod
    def from_detail(cls, detail: GenerationHistoryDetail) -> GenerationDetail:
        dumped = detail.model_dump(mode="json")
        return pick(
            cls,
            detail,
            parameters=pick(GenerationParameters, detail.parameters),
            counts=pick(GenerationCounts, detail.counts),
            decisions=dumped["decisions"],
            operations=dumped["operations"],
            skipped=dumped["skipped"],
            suites=dumped["suites"],
            dropped_suites=dumped["dropped_suites"],
        )


@strawberry.type
class OperationRef:
    method: str
    path: str


@strawberry.type
class OperationCoverage:
    method: str
    path: str
    status: str = strawberry.field(description="covered, partial or uncovered")
    documented: list[str]
    exercised: list[str]
    missing: list[str]
    observed_statuses: list[int]
    undocumented_statuses: list[int]
    unreached_statuses: list[int] = strawberry.field(
        description="404 or 405 seen while no call reached the operation: not exercised."
    )
    steps: int


@strawberry.type
class ObservedCall:
    method: str
    path: str
    status: int | None


@strawberry.type(description="Documented operations and responses the app's suites exercise.")
class SchemaCoverage:
    percentage: float
    total_operations: int
    covered: list[OperationRef]
    partly_covered: list[OperationRef]
    uncovered: list[OperationRef]
    operations: list[OperationCoverage]
    unmatched_calls: list[ObservedCall]
    basis: str = strawberry.field(description="latest_run or suites")
    test_run_id: str | None
    test_suites: int

    @classmethod
    def from_model(cls, report: SchemaCoverageModel) -> SchemaCoverage:
        return pick(
            cls,
            report,
            covered=[pick(OperationRef, o) for o in report.covered],
            partly_covered=[pick(OperationRef, o) for o in report.partly_covered],
            uncovered=[pick(OperationRef, o) for o in report.uncovered],
            operations=[pick(OperationCoverage, o) for o in report.operations],
            unmatched_calls=[pick(ObservedCall, c) for c in report.unmatched_calls],
        )
