"""NORMALIZE jobs: make a run's observations the new baseline of the suites that ran.

For each suite report of the run (or the one report asked for), the suite is normalized
against the report (see :mod:`actors.normalize`) and saved as a new version, but only if
the suite is still at the version that ran: a suite edited since then is skipped, since
its steps may no longer be the ones the report describes. Every change, noise entry and
refusal is one ``normalize.change`` event and one entry of the result.

A retried job finds the versions its earlier attempt wrote (by job id) and reports them
instead of normalizing twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from actors.engine import JobExecution, Outcome
from actors.normalize import Change, Samples, normalize_suite, resend
from core.jobs import NormalizeCounts, NormalizeParams, NormalizeResult
from runner import STORED_SUITE, StepResult, Suite, TargetClient, suite_to_dict
from storage import apps as app_rows
from storage import runs as run_rows
from storage import suite_versions
from storage import suites as suite_rows
from storage.db import session_scope
from storage.models import SuiteReport

# The result keeps this many change lines (events carry them all), so a run of
# thousands of failures cannot make a job row of megabytes.
MAX_CHANGES_IN_RESULT = 1000


@dataclass(frozen=True)
class _Options:
    run_id: str
    resend_unsafe: bool
    noise_samples: int


@dataclass
class _SuiteDone:
    summary: dict[str, Any]
    changes: list[Change]
    notes: list[str]


def normalize_job(execution: JobExecution[NormalizeParams]) -> Outcome:
    """Normalize the suites of a test run (or of one of its suite reports)."""
    job, params = execution.job, execution.params
    options = _Options(
        run_id=params.test_run_id,
        resend_unsafe=params.resend_unsafe,
        noise_samples=params.noise_samples,
    )
    report_id = params.report_id
    with session_scope(execution.ctx.engine) as session:
        app = app_rows.get(session, job.org_id, job.app_id or "")
        run = run_rows.get_run(session, job.org_id, job.app_id or "", options.run_id)
        if app is None or run is None:
            return Outcome("FAILED", error=f"test run {options.run_id} no longer exists")
        if report_id:
            one = run_rows.get_report(session, run.id, report_id)
            if one is None:
                return Outcome("FAILED", error=f"suite report {report_id} no longer exists")
            reports = [one]
        else:
            reports = run_rows.all_reports(session, run.id)
    auth = json.loads(app.auth_json) if app.auth_json else None
    execution.emit(
        "normalize.started",
        {"test_run_id": options.run_id, "report_id": report_id, "suite_reports": len(reports)},
    )
    done: list[_SuiteDone] = []
    stopped = False
    for position, report in enumerate(reports):
        if execution.should_stop():
            stopped = True
            break
        with execution.ctx.target_client(auth, base_url=run.base_url) as client:
            outcome = _normalize_report(execution, report, client, options)
        for change in outcome.changes:
            execution.emit("normalize.change", change.model_dump(mode="json"))
        execution.emit("normalize.suite", outcome.summary)
        done.append(outcome)
        execution.progress((position + 1) / len(reports))
    result = _result(options.run_id, report_id, done)
    return Outcome("STOPPED" if stopped else "COMPLETED", result)


def _normalize_report(
    execution: JobExecution[NormalizeParams],
    report: SuiteReport,
    client: TargetClient,
    options: _Options,
) -> _SuiteDone:
    job = execution.job
    summary: dict[str, Any] = {
        "report_id": report.id,
        "suite_id": report.suite_id,
        "suite": report.suite_name,
        "ran_version": report.suite_version,
        "new_version": None,
    }

    def done(
        status: str, reason: str | None, changes: list[Change] | None = None, **more: Any
    ) -> _SuiteDone:
        notes = more.pop("notes", [])
        return _SuiteDone(
            {**summary, "status": status, "reason": reason, **more}, changes or [], notes
        )

    if report.status == "PASSED":
        return done("unchanged", "every assertion passed")
    if report.suite_id is None:
        return done("skipped", "the report belongs to no stored suite")
    with session_scope(execution.ctx.engine) as session:
        row = suite_rows.get(session, job.org_id, report.app_id, report.suite_id)
        if row is None:
            return done("skipped", "the suite was deleted")
        earlier = suite_versions.made_by_job(session, row.id, job.id)
        if earlier is not None:
            return done("updated", "by an earlier attempt of this job", new_version=earlier.version)
        if row.version != report.suite_version:
            return done("skipped", _stale(report.suite_version, row.version))
        suite = Suite.model_validate_json(row.body_json, context=STORED_SUITE)
    steps = [StepResult.model_validate(step) for step in json.loads(report.steps_json)]

    def resender(step: StepResult) -> Samples:
        if step.request is None:
            return Samples(skipped="the request was never built")
        return resend(client, step.request, options.noise_samples, unsafe=options.resend_unsafe)

    normalized = normalize_suite(
        suite, steps, suite_id=report.suite_id, resender=resender, should_stop=execution.should_stop
    )
    changes, notes = normalized.changes, normalized.notes
    if execution.should_stop():
        # Half a suite normalized is worse than none: keep the suite as it was.
        return done("stopped", "the job was stopped before this suite was saved")
    if normalized.invalid is not None:
        return done(
            "refused", normalized.invalid, _not_saved(changes, normalized.invalid), notes=notes
        )
    if not normalized.changed:
        return done("unchanged", None, changes, notes=notes)
    with session_scope(execution.ctx.engine) as session:
        row = suite_rows.get(session, job.org_id, report.app_id, report.suite_id)
        new_version = None
        if row is not None and row.version == report.suite_version:
            new_version = suite_versions.commit_version(
                session,
                row,
                name=normalized.suite.name,
                body_json=json.dumps(suite_to_dict(normalized.suite)),
                step_count=len(normalized.suite.steps),
                reason=f"normalized to test run {options.run_id}",
                job_id=job.id,
            )
        session.commit()
    if new_version is None:
        reason = "the suite was changed or deleted while it was being normalized"
        return done("skipped", reason, _not_saved(changes, reason), notes=notes)
    return done("updated", None, changes, notes=notes, new_version=new_version)


def _stale(ran: int, now: int) -> str:
    return (
        f"the suite changed since the run (version {ran} ran, it is now at version {now}); "
        "run it again and normalize that run"
    )


def _not_saved(changes: list[Change], reason: str) -> list[Change]:
    """The changes of a suite that could not be saved, reported as refused."""
    return [
        change
        if change.kind == "refused"
        else change.model_copy(
            update={
                "kind": "refused",
                "new": None,
                "reason": reason,
                "line": f"{change.line} [not saved: {reason}]",
            }
        )
        for change in changes
    ]


def _result(run_id: str, report_id: str | None, done: list[_SuiteDone]) -> NormalizeResult:
    changes = [change for suite in done for change in suite.changes]
    return NormalizeResult(
        test_run_id=run_id,
        report_id=report_id,
        counts=NormalizeCounts(
            suites_updated=sum(1 for suite in done if suite.summary["status"] == "updated"),
            changed=sum(1 for c in changes if c.kind == "changed"),
            noise=sum(1 for c in changes if c.kind == "noise"),
            refused=sum(1 for c in changes if c.kind == "refused"),
        ),
        suites=[suite.summary for suite in done],
        changes=[c.model_dump(mode="json") for c in changes[:MAX_CHANGES_IN_RESULT]],
        notes=[note for suite in done for note in suite.notes],
        changes_left_out=max(0, len(changes) - MAX_CHANGES_IN_RESULT),
    )
