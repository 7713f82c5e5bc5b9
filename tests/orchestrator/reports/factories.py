"""Run reports built in memory, with whatever text a test wants in them."""

from __future__ import annotations

from typing import Any

from orchestrator.reports import Counts, RunInfo, RunReport, SuiteRunReport
from runner import AssertionResult, RecordedRequest, RecordedResponse, StepResult


def step(
    index: int = 0,
    name: str = "read",
    *,
    passed: bool = True,
    reason: str | None = None,
    expected: Any = 200,
    actual: Any = 200,
    error: str | None = None,
    error_kind: str | None = None,
    body: str = '{"ok": true}',
) -> StepResult:
    assertions = (
        []
        if error
        else [
            AssertionResult(
                type="status_code",
                expected=expected,
                actual=actual,
                passed=passed,
                reason=None if passed else (reason or "failed"),
            )
        ]
    )
    return StepResult(
        index=index,
        name=name,
        passed=passed and not error,
        request=RecordedRequest(method="GET", url="http://127.0.0.1:9/pets/1"),
        response=None if error else RecordedResponse(status=200, body=body),
        assertions=assertions,
        error=error,
        error_kind=error_kind,
        started_at=1_700_000_000.0,
        duration_ms=12.5,
    )


def report(*suites: tuple[str, list[StepResult]], steps_total: int | None = None) -> RunReport:
    built = []
    for number, (name, steps) in enumerate(suites):
        failed = sum(not s.passed for s in steps)
        built.append(
            SuiteRunReport(
                id=f"rep_{number}",
                suite_id=f"ts_{number}",
                name=name,
                version=1,
                status="FAILED" if failed else "PASSED",
                steps_total=len(steps) if steps_total is None else steps_total,
                steps_passed=len(steps) - failed,
                steps_failed=failed,
                started_at=1_700_000_000.0,
                duration_ms=40.0,
                steps=steps,
            )
        )
    all_steps = [s for _, steps in suites for s in steps]
    failed_steps = sum(not s.passed for s in all_steps)
    failed_suites = sum(1 for s in built if s.status == "FAILED")
    return RunReport(
        run=RunInfo(
            id="run_1",
            app_id="app_1",
            job_id="job_1",
            status="FAILED" if failed_suites else "PASSED",
            base_url="http://127.0.0.1:9",
            created_at=1_700_000_000.0,
            finished_at=1_700_000_001.0,
            duration_ms=100.0,
            suites=Counts(
                total=len(built), passed=len(built) - failed_suites, failed=failed_suites
            ),
            steps=Counts(
                total=len(all_steps), passed=len(all_steps) - failed_steps, failed=failed_steps
            ),
        ),
        suites=built,
    )
