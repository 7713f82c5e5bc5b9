"""RUN and VALIDATE jobs: execute suites against a base URL and keep a report.

Suites of one run execute concurrently on a bounded pool (one target client each); the
steps of a suite run in order. Each suite's report is stored as soon as it finishes, so
a stopped run keeps what ran. A retried job first discards what its interrupted attempt
wrote, so nothing is counted twice.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from threading import Lock
from typing import Any

from pydantic import TypeAdapter

from actors.engine import JobExecution, Outcome
from actors.jobs.suites import LoadedSuite, load_inputs
from core.jobs import (
    FailingStep,
    RunParams,
    RunSummary,
    Tally,
    ValidateParams,
    ValidationOutcome,
    ValidationSummary,
)
from runner import AssertionResult, StepResult, SuiteResult, explain, run_suite, without_userinfo
from storage import job_states
from storage import runs as run_rows
from storage.db import session_scope
from storage.models import SuiteReport, TestRun

# Serialises a suite's steps in one call (pydantic-core), not one model_dump per step.
STEP_LIST = TypeAdapter(list[StepResult])
# A step.completed event says why a step failed, within bounds: the report has it all.
MAX_FAILURES_PER_EVENT = 5
MAX_EVENT_VALUE_CHARS = 200
MAX_EVENT_TEXT_CHARS = 500


def _preview(value: Any) -> Any:
    """``value`` when its JSON is short, else the start of its JSON text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) <= MAX_EVENT_VALUE_CHARS:
        return value
    return f"{text[:MAX_EVENT_VALUE_CHARS]}… ({len(text)} characters in all)"


def _failure(assertion: AssertionResult) -> dict[str, Any]:
    item: dict[str, Any] = {"type": assertion.type}
    if assertion.target is not None:
        item["target"] = assertion.target
    if assertion.op is not None:
        item["op"] = assertion.op
    item["expected"] = _preview(assertion.expected)
    item["actual"] = _preview(assertion.actual)
    item["reason"] = (assertion.reason or "failed")[:MAX_EVENT_TEXT_CHARS]
    return item


def _step_event(index: int, loaded: LoadedSuite, step: StepResult) -> dict[str, Any]:
    """The data of a step's ``step.completed`` event. A failing step carries its failed
    assertions (type, target, op, expected, actual, reason) from the step result, which
    the runner has already masked, so a log follower sees why without the report."""
    failed = [a for a in step.assertions if not a.passed]
    data: dict[str, Any] = {
        "suite_index": index,
        "suite_id": loaded.id,
        "suite": loaded.suite.name,
        "step_index": step.index,
        "step": step.name,
        "passed": step.passed,
        "status_code": step.response.status if step.response else None,
        "duration_ms": round(step.duration_ms, 2),
    }
    if step.error:
        data["error"] = step.error[:MAX_EVENT_TEXT_CHARS]
        data["error_kind"] = step.error_kind
    if failed:
        data["failures"] = [_failure(a) for a in failed[:MAX_FAILURES_PER_EVENT]]
        if len(failed) > MAX_FAILURES_PER_EVENT:
            data["failures_left_out"] = len(failed) - MAX_FAILURES_PER_EVENT
    return data


class _RunRecorder:
    """Stores reports and keeps the run's totals while suites finish in any order."""

    def __init__(self, execution: JobExecution[Any], run_id: str, total: int) -> None:
        self.execution = execution
        self.run_id = run_id
        self.total = total
        self.done = 0
        self.lock = Lock()

    def suite_finished(self, loaded: LoadedSuite, result: SuiteResult) -> None:
        job = self.execution.job
        status = "STOPPED" if result.stopped else ("PASSED" if result.passed else "FAILED")
        # Retried through a database blip (storage.job_states: finishing writes).
        report_id = job_states.add_report_durably(
            self.execution.ctx.engine,
            SuiteReport(
                org_id=job.org_id,
                app_id=job.app_id or "",
                run_id=self.run_id,
                suite_id=loaded.id,
                suite_name=loaded.suite.name,
                suite_version=loaded.version,
                status=status,
                total_steps=result.counts.steps,
                passed_steps=result.counts.passed,
                failed_steps=result.counts.failed,
                started_at=result.started_at,
                duration_ms=result.duration_ms,
                steps_json=STEP_LIST.dump_json(result.steps).decode(),
            ),
        )
        with self.lock:
            self.done += 1
            done = self.done
        self.execution.emit(
            "suite.completed",
            {
                "suite_id": loaded.id,
                "suite": loaded.suite.name,
                "report_id": report_id,
                "status": status,
                "passed_steps": result.counts.passed,
                "failed_steps": result.counts.failed,
                "duration_ms": round(result.duration_ms, 2),
            },
        )
        self.execution.progress(done / max(1, self.total))


def execute_suites(
    execution: JobExecution[RunParams] | JobExecution[ValidateParams],
    suites: list[LoadedSuite],
    base_url: str,
    auth: dict[str, Any] | None,
) -> tuple[TestRun, list[SuiteResult]]:
    """Run ``suites``; returns the finished test run and each suite's result in order."""
    job, ctx = execution.job, execution.ctx
    variables = execution.params.variables
    # What the run shows (run detail, reports, events): never the URL's user info.
    shown_url = without_userinfo(base_url)
    with session_scope(ctx.engine) as session:
        run_rows.discard_runs_of_job(session, job.id)
        run = run_rows.add_run(
            session,
            TestRun(
                org_id=job.org_id,
                app_id=job.app_id or "",
                job_id=job.id,
                base_url=shown_url,
                total_suites=len(suites),
            ),
        )
        session.commit()
        run_id = run.id
    execution.emit(
        "run.started", {"test_run_id": run_id, "suites": len(suites), "base_url": shown_url}
    )
    recorder = _RunRecorder(execution, run_id, len(suites))

    def one(index: int, loaded: LoadedSuite) -> SuiteResult:
        execution.emit(
            "suite.started",
            {"suite_index": index, "suite_id": loaded.id, "suite": loaded.suite.name},
        )
        with ctx.target_client(auth, base_url=base_url) as client:
            result = run_suite(
                loaded.suite,
                base_url=base_url,
                client=client,
                variables=variables,
                masker=execution.masker,
                should_stop=execution.should_stop,
                on_step=lambda step: execution.emit(
                    "step.completed", _step_event(index, loaded, step)
                ),
            )
        recorder.suite_finished(loaded, result)
        return result

    started = time.monotonic()
    workers = max(1, min(ctx.settings.run_concurrency, len(suites)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"run-{job.id}") as pool:
        results = list(pool.map(one, range(len(suites)), suites))
    stopped = any(r.stopped for r in results)
    failed_suites = sum(not r.passed and not r.stopped for r in results)
    totals = {
        "status": "STOPPED" if stopped else ("PASSED" if failed_suites == 0 else "FAILED"),
        "passed_suites": sum(r.passed and not r.stopped for r in results),
        "failed_suites": failed_suites,
        "total_steps": sum(r.counts.steps for r in results),
        "passed_steps": sum(r.counts.passed for r in results),
        "failed_steps": sum(r.counts.failed for r in results),
        "finished_at": time.time(),
        "duration_ms": (time.monotonic() - started) * 1000,
    }
    finished = job_states.finish_run_durably(ctx.engine, run_id, **totals)
    assert finished is not None
    run = finished
    return run, results


def _summary(run: TestRun, missing: list[str]) -> RunSummary:
    return RunSummary(
        test_run_id=run.id,
        base_url=run.base_url,
        status=run.status,
        suites=Tally(total=run.total_suites, passed=run.passed_suites, failed=run.failed_suites),
        steps=Tally(total=run.total_steps, passed=run.passed_steps, failed=run.failed_steps),
        duration_ms=round(run.duration_ms, 2),
        missing_test_suite_ids=missing,
    )


def _outcome(run: TestRun, summary: RunSummary) -> Outcome:
    if run.status == "STOPPED":
        return Outcome("STOPPED", summary)
    if run.status == "PASSED":
        return Outcome("COMPLETED", summary)
    return Outcome("FAILED", summary, f"{run.failed_suites} of {run.total_suites} suites failed")


def run_job(execution: JobExecution[RunParams]) -> Outcome:
    job = execution.job
    with session_scope(execution.ctx.engine) as session:
        inputs = load_inputs(session, job.org_id, job.app_id or "", execution.params.test_suite_ids)
    if inputs is None:
        return Outcome("FAILED", error="the app was deleted")
    if not inputs.suites:
        return Outcome("FAILED", error="nothing to run: no test suites found")
    base_url = execution.params.base_url or inputs.app.endpoint
    run, _ = execute_suites(execution, inputs.suites, base_url, inputs.auth)
    return _outcome(run, _summary(run, inputs.missing))


def validate_job(execution: JobExecution[ValidateParams]) -> Outcome:
    job = execution.job
    suite_id = execution.params.test_suite_id
    with session_scope(execution.ctx.engine) as session:
        inputs = load_inputs(session, job.org_id, job.app_id or "", [suite_id])
    if inputs is None or not inputs.suites:
        return Outcome("FAILED", error=f"test suite {suite_id} no longer exists")
    base_url = execution.params.base_url or inputs.app.endpoint
    run, results = execute_suites(execution, inputs.suites, base_url, inputs.auth)
    result = results[0]
    validation = ValidationOutcome(
        test_suite_id=suite_id,
        suite=result.suite_name,
        valid=result.passed,
        steps=len(result.steps),
        failing_steps=[
            FailingStep(
                index=step.index,
                name=step.name,
                explanations=explain(step),
                assertions=[a.model_dump(mode="json") for a in step.assertions if not a.passed],
                error=step.error,
            )
            for step in result.steps
            if not step.passed
        ],
    )
    summary = ValidationSummary(**_summary(run, []).model_dump(), validation=validation)
    return _outcome(run, summary)
