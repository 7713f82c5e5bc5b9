"""RUN and VALIDATE jobs: execute suites against a base URL and keep a report.

Suites of one run execute concurrently on a bounded pool (one target client each); the
steps of a suite run in order. Each suite's report is stored as soon as it finishes, so
a stopped run keeps what ran. A retried job first discards what its interrupted attempt
wrote, so nothing is counted twice.

The app, the suites and the new test run are read and written in the transaction that
claims the job (:func:`prepare_run`); each report is stored with the job's progress;
the run's totals are written in the transaction that finishes the job.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from threading import Lock
from typing import Any

from pydantic import TypeAdapter
from sqlmodel import Session

from actors.engine import JobExecution, Outcome, prepared_by
from actors.jobs.suites import LoadedSuite, RunInputs, inputs_of
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
from storage.models import App, Job, SuiteReport, TestRun

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
        with self.lock:
            self.done += 1
            done = self.done
        # The last suite's progress is the finish's (1.0): no write for it here.
        progress = (
            job_states.Progress(job.id, self.execution.ctx.worker_id, done / self.total)
            if done < self.total
            else None
        )
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
            progress=progress,
        )
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


@dataclass(frozen=True)
class PreparedRun:
    """What the claim's transaction read and wrote for a run: its inputs (None: the app
    is gone) and, when there is something to run, the test run it inserted (RUNNING)."""

    inputs: RunInputs | None
    run: TestRun | None


def prepare_run(
    session: Session, job: Job, params: RunParams | ValidateParams, app: App | None
) -> PreparedRun:
    suite_ids = (
        [params.test_suite_id] if isinstance(params, ValidateParams) else params.test_suite_ids
    )
    inputs = inputs_of(session, app, suite_ids)
    if inputs is None or not inputs.suites:
        return PreparedRun(inputs, None)
    if job.attempts > 1:
        run_rows.discard_runs_of_job(session, job.id)
    base_url = params.base_url or inputs.app.endpoint
    run = TestRun(
        org_id=job.org_id,
        app_id=job.app_id or "",
        job_id=job.id,
        # What the run shows (run detail, reports, events): never the URL's user info.
        base_url=without_userinfo(base_url),
        total_suites=len(inputs.suites),
    )
    return PreparedRun(inputs, run_rows.insert_run(session, run))


@dataclass(frozen=True)
class Executed:
    """A run's suites, executed: the run with its totals set (not yet stored), each
    suite's result in order, and those totals by column, for the outcome to store."""

    run: TestRun
    results: list[SuiteResult]
    totals: dict[str, Any]


def execute_suites(
    execution: JobExecution[RunParams] | JobExecution[ValidateParams],
    run: TestRun,
    suites: list[LoadedSuite],
    base_url: str,
    auth: dict[str, Any] | None,
) -> Executed:
    """Run ``suites`` in ``run`` (stored RUNNING)."""
    job, ctx = execution.job, execution.ctx
    variables = execution.params.variables
    run_id = run.id
    execution.emit(
        "run.started", {"test_run_id": run_id, "suites": len(suites), "base_url": run.base_url}
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
    if workers == 1:  # no pool (and its thread) for a run of one suite at a time
        results = [one(index, loaded) for index, loaded in enumerate(suites)]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"run-{job.id}") as pool:
            results = list(pool.map(one, range(len(suites)), suites))
    stopped = any(r.stopped for r in results)
    failed_suites = sum(not r.passed and not r.stopped for r in results)
    totals: dict[str, Any] = {
        "status": "STOPPED" if stopped else ("PASSED" if failed_suites == 0 else "FAILED"),
        "passed_suites": sum(r.passed and not r.stopped for r in results),
        "failed_suites": failed_suites,
        "total_steps": sum(r.counts.steps for r in results),
        "passed_steps": sum(r.counts.passed for r in results),
        "failed_steps": sum(r.counts.failed for r in results),
        "finished_at": time.time(),
        "duration_ms": (time.monotonic() - started) * 1000,
    }
    for name, value in totals.items():  # ``run`` is transient: this writes nothing
        setattr(run, name, value)
    return Executed(run, results, totals)


def _finish_run(session: Session, *, run_id: str, totals: dict[str, Any]) -> bool:
    return job_states.finish_run(session, run_id, **totals)


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


def _outcome(executed: Executed, summary: RunSummary) -> Outcome:
    # The run's totals, stored in the transaction that finishes the job.
    also = partial(_finish_run, run_id=executed.run.id, totals=executed.totals)
    run = executed.run
    if run.status == "STOPPED":
        return Outcome("STOPPED", summary, also=also)
    if run.status == "PASSED":
        return Outcome("COMPLETED", summary, also=also)
    error = f"{run.failed_suites} of {run.total_suites} suites failed"
    return Outcome("FAILED", summary, error, also=also)


@prepared_by(prepare_run)
def run_job(execution: JobExecution[RunParams]) -> Outcome:
    prepared: PreparedRun = execution.prepared
    inputs = prepared.inputs
    if inputs is None:
        return Outcome("FAILED", error="the app was deleted")
    if not inputs.suites or prepared.run is None:
        return Outcome("FAILED", error="nothing to run: no test suites found")
    base_url = execution.params.base_url or inputs.app.endpoint
    executed = execute_suites(execution, prepared.run, inputs.suites, base_url, inputs.auth)
    return _outcome(executed, _summary(executed.run, inputs.missing))


@prepared_by(prepare_run)
def validate_job(execution: JobExecution[ValidateParams]) -> Outcome:
    prepared: PreparedRun = execution.prepared
    inputs = prepared.inputs
    suite_id = execution.params.test_suite_id
    if inputs is None or not inputs.suites or prepared.run is None:
        return Outcome("FAILED", error=f"test suite {suite_id} no longer exists")
    base_url = execution.params.base_url or inputs.app.endpoint
    executed = execute_suites(execution, prepared.run, inputs.suites, base_url, inputs.auth)
    result = executed.results[0]
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
    summary = ValidationSummary(**_summary(executed.run, []).model_dump(), validation=validation)
    return _outcome(executed, summary)
