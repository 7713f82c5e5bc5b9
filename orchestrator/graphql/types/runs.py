"""Test runs, their suite reports and each step as sent and received."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from orchestrator.graphql.connections import (
    DEFAULT_PAGE,
    Connection,
    check_first,
    keyed_connection,
    position,
)
from orchestrator.graphql.context import Info
from orchestrator.graphql.types._convert import build, pick
from orchestrator.services import runs as run_service
from runner import AssertionResult as AssertionModel
from runner import StepResult as StepModel
from storage.models import SuiteReport as SuiteReportRow
from storage.models import TestRun as TestRunRow

# Named, not imported: the two modules refer to each other.
JobRef = Annotated["Job", strawberry.lazy("orchestrator.graphql.types.jobs")]  # type: ignore[name-defined]  # noqa: F821


@strawberry.type(description="A request as the runner sent it (secrets masked).")
class RecordedRequest:
    method: str
    url: str
    headers: JSON
    body: str | None
    body_size: int


@strawberry.type(description="A response as received (bounded size).")
class RecordedResponse:
    status: int
    headers: JSON
    body: str
    body_cut: bool
    size: int
    truncated: bool
    elapsed_ms: float


@strawberry.type(description="One assertion: expected, actual, verdict.")
class AssertionResult:
    type: str
    target: str | None
    op: str | None
    expected: JSON | None
    actual: JSON | None
    passed: bool
    reason: str | None
    skipped_as_noise: bool


@strawberry.type(description="One step of a suite report.")
class StepResult:
    index: int
    name: str
    passed: bool
    request: RecordedRequest | None
    response: RecordedResponse | None
    assertions: list[AssertionResult]
    extracted: list[str]
    extraction_failures: JSON
    error: str | None
    notes: list[str]
    error_kind: str | None
    started_at: float
    duration_ms: float

    @classmethod
    def from_model(cls, step: StepModel) -> StepResult:
        return pick(
            cls,
            step,
            request=pick(RecordedRequest, step.request) if step.request else None,
            response=pick(RecordedResponse, step.response) if step.response else None,
            assertions=[_assertion(a) for a in step.assertions],
        )


def _assertion(model: AssertionModel) -> AssertionResult:
    return pick(AssertionResult, model)


@strawberry.type(description="One suite's result within a test run.")
class SuiteReport:
    id: strawberry.ID
    run_id: str
    suite_id: str | None
    suite_name: str
    suite_version: int
    status: str
    total_steps: int
    passed_steps: int
    failed_steps: int
    started_at: int
    duration_ms: float
    row: strawberry.Private[SuiteReportRow]

    @classmethod
    def from_row(cls, row: SuiteReportRow) -> SuiteReport:
        return pick(cls, run_service.report_summary(row), row=row)

    @strawberry.field(description="Each step with its request, response and assertions.")
    def steps(self, failed_only: bool = False) -> list[StepResult]:
        steps = run_service.report_public(self.row).steps
        return [StepResult.from_model(s) for s in steps if not (failed_only and s.passed)]


@strawberry.type(description="One execution of an app's suites (a RUN job's result).")
class TestRun:
    id: strawberry.ID
    app_id: str
    job_id: str
    status: str = strawberry.field(description="RUNNING, PASSED, FAILED or STOPPED")
    base_url: str
    total_suites: int
    passed_suites: int
    failed_suites: int
    total_steps: int
    passed_steps: int
    failed_steps: int
    created_at: int
    finished_at: int | None
    duration_ms: float
    row: strawberry.Private[TestRunRow]

    @classmethod
    def from_row(cls, row: TestRunRow) -> TestRun:
        return pick(cls, run_service.run_public(row), row=row)

    @strawberry.field(description="The run's suite reports, in execution order.")
    async def suite_reports(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[SuiteReport]:
        context = info.context
        loader = context.loaders.reports_of_run(
            position(after, context.cursor_key), check_first(first)
        )
        page = await loader.load(self.id)
        assert page is not None
        return keyed_connection(
            page.items,
            SuiteReport.from_row,
            lambda r: r.pk,
            has_next=page.has_next,
            total=page.total,
            key=context.cursor_key,
        )

    @strawberry.field(description="One suite report of the run.")
    def suite_report(self, info: Info, id: strawberry.ID) -> SuiteReport | None:
        context = info.context
        row = run_service.get_report(context.session, context.org_id, self.app_id, self.id, id)
        return SuiteReport.from_row(row)

    @strawberry.field(description="The RUN job that produced this run.")
    async def job(self, info: Info) -> JobRef | None:
        row = await info.context.loaders.job().load(self.job_id)
        return build("job", row) if row is not None else None
