"""Load tests and their reports."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from loadgen.protocol import LoadReport as LoadReportModel
from orchestrator.graphql.context import Info
from orchestrator.graphql.types._convert import build, pick
from orchestrator.services import load_tests as load_test_service
from storage.models import LoadTest as LoadTestRow

# Named, not imported: the two modules refer to each other.
JobRef = Annotated["Job", strawberry.lazy("orchestrator.graphql.types.jobs")]  # type: ignore[name-defined]  # noqa: F821


@strawberry.type(description="Figures of one endpoint (method + path template) or of all.")
class EndpointStats:
    method: str
    name: str
    requests: int
    failures: int
    error_rate: float
    rps: float
    avg_bytes: float
    min_ms: float | None
    avg_ms: float | None
    p50_ms: float | None
    p90_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None


@strawberry.type(description="One stats interval (about a second).")
class TimePoint:
    t: float
    users: int
    requests: int
    failures: int
    rps: float
    avg_ms: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


@strawberry.type
class LoadError:
    method: str
    name: str
    message: str
    occurrences: int


@strawberry.type
class LoadSkipped:
    method: str
    name: str
    reason: str
    count: int


@strawberry.type
class ThresholdVerdict:
    metric: str
    op: str
    value: float
    endpoint: str | None
    actual: float | None
    passed: bool


@strawberry.type(description="What a finished load test measured.")
class LoadReport:
    profile: str
    virtual_users: int
    duration_secs: int
    workers: int
    started_at: float
    finished_at: float
    elapsed_s: float
    stopped_early: bool
    totals: EndpointStats
    endpoints: list[EndpointStats]
    timeline: list[TimePoint]
    errors: list[LoadError]
    skipped: list[LoadSkipped]
    thresholds: list[ThresholdVerdict]
    thresholds_passed: bool
    max_error_rate: float = strawberry.field(
        description="The error rate above which the test fails (max_error_rate)."
    )
    passed: bool = strawberry.field(
        description="The verdict: thresholds held, the error rate stayed within "
        "maxErrorRate, a request completed and a worker stayed."
    )
    reasons: list[str] = strawberry.field(description="Why it failed, in words (empty: passed).")

    @classmethod
    def from_model(cls, report: LoadReportModel) -> LoadReport:
        return pick(
            cls,
            report,
            totals=pick(EndpointStats, report.totals),
            endpoints=[pick(EndpointStats, e) for e in report.endpoints],
            timeline=[pick(TimePoint, t) for t in report.timeline],
            errors=[pick(LoadError, e) for e in report.errors],
            skipped=[pick(LoadSkipped, s) for s in report.skipped],
            thresholds=[pick(ThresholdVerdict, v) for v in report.thresholds],
        )


@strawberry.type(description="Virtual users replaying an app's suites.")
class LoadTest:
    id: strawberry.ID
    app_id: str
    job_id: str
    status: str
    params: JSON
    error: str | None
    created_at: int
    finished_at: int | None
    report: LoadReport | None = strawberry.field(description="Present once it has ended.")

    @classmethod
    def from_row(cls, row: LoadTestRow) -> LoadTest:
        public = load_test_service.public(row)
        report = LoadReport.from_model(public.report) if public.report else None
        return pick(cls, public, report=report)

    @strawberry.field(description="The LOAD_TEST job.")
    async def job(self, info: Info) -> JobRef | None:
        row = await info.context.loaders.job().load(self.job_id)
        return build("job", row) if row is not None else None
