"""LOAD_TEST jobs: a Locust driver process replays the app's suites; its stats become
``load.stats`` events and its final report is kept.

Locust patches the standard library with gevent when imported, so it never runs in a
worker: ``loadgen.process.LoadDriver`` starts it as a separate process (which dies with
this one) and reads one JSON line per second. The driver masters one local Locust worker
per core by default, or remote loadgen workers in distributed mode (see
docs/architecture.md). A stop reaches the driver as SIGTERM within the lease keeper's
poll (0.25 s); the driver then writes its report from the stats so far.
"""

from __future__ import annotations

import json
import time

from actors.engine import JobExecution, Outcome
from actors.jobs.suites import load_inputs
from core.jobs import LoadTestParams, LoadTestSummary
from core.settings import Settings
from loadgen.config import LoadConfig, Rendezvous, cores
from loadgen.process import LoadDriver, LoadDriverError
from loadgen.protocol import ErrorLine, LoadReport, ReportLine, StatsLine
from runner import denied_hosts
from storage import job_states
from storage import load_tests as load_rows
from storage.db import retrying, session_scope

# How often the job looks for a stop while the driver is quiet.
POLL_S = 0.25
# A driver silent for this long (no stats line) is considered hung.
IDLE_TIMEOUT_S = 30.0


def _record(
    execution: JobExecution[LoadTestParams],
    status: str,
    *,
    error: str | None = None,
    report_json: str | None = None,
) -> None:
    # The load report and error are shown to read keys: masked like the job's events.
    masker = execution.masker
    if masker and report_json is not None:
        report_json = json.dumps(masker.value(json.loads(report_json)), ensure_ascii=False)
    if masker and error:
        error = masker.text(error)
    # Idempotent, so retried through a database blip: a lost report would run the whole
    # load test again once the job's lease expired.
    load_test_id = execution.params.load_test_id
    retrying(
        execution.ctx.engine,
        lambda session, _attempt: load_rows.record(
            session, load_test_id, status, report_json=report_json, error=error
        ),
        budget_s=job_states.FINISH_RETRY_BUDGET_S,
        what=f"record load test {load_test_id}",
    )


def _config(execution: JobExecution[LoadTestParams]) -> LoadConfig | str:
    job, params, settings = execution.job, execution.params, execution.ctx.settings
    with session_scope(execution.ctx.engine) as session:
        inputs = load_inputs(session, job.org_id, job.app_id or "", params.test_suite_ids)
    if inputs is None:
        return "the app was deleted"
    if not inputs.suites:
        return "nothing to replay: no test suites found"
    return LoadConfig(
        base_url=params.base_url,
        suites=[loaded.suite for loaded in inputs.suites],
        virtual_users=params.virtual_users,
        duration_secs=params.duration_secs,
        profile=params.profile,
        spawn_rate=params.spawn_rate,
        thresholds=params.thresholds,
        max_error_rate=(
            settings.load_max_error_rate if params.max_error_rate is None else params.max_error_rate
        ),
        auth=inputs.auth,
        variables=params.variables,
        allowed_hosts=list(settings.allowed_target_hosts),
        denied_hosts=list(
            denied_hosts(
                settings.denied_target_hosts,
                replace=settings.replace_default_denied_target_hosts,
            )
        ),
        workers=_workers(params, settings),
        remote=_rendezvous(params, settings),
        workers_timeout_s=settings.load_workers_timeout_seconds,
        request_timeout_s=settings.target_read_timeout_seconds,
    )


def _workers(params: LoadTestParams, settings: Settings) -> int:
    """How many Locust workers: the test's own choice, else the setting; in local mode
    "auto" (0) is one per core, and never more workers than users."""
    wanted = params.workers or settings.load_workers
    if settings.load_distributed:
        return wanted  # 0: every idle loadgen worker, counted by the driver
    wanted = wanted or min(cores(), settings.load_max_workers)
    return min(wanted, params.virtual_users)


def _rendezvous(params: LoadTestParams, settings: Settings) -> Rendezvous | None:
    if not settings.load_distributed or not settings.redis_url:
        return None
    return Rendezvous(
        redis_url=settings.redis_url,
        namespace=settings.redis_namespace,
        bind_host=settings.load_master_bind_host,
        advertise_host=settings.load_master_advertise_host,
        port=settings.load_master_port,
        label=params.load_test_id,
    )


def _drive(
    execution: JobExecution[LoadTestParams], driver: LoadDriver, duration: int
) -> LoadReport:
    stop_sent = False
    last_line = time.monotonic()
    while True:
        if not stop_sent and execution.should_stop():
            driver.stop()
            stop_sent = True
            execution.emit("load.stopping", {})
        line = driver.read_line(timeout=POLL_S)
        if line is None:
            if driver.returncode is not None or driver.output_ended:
                break
            if time.monotonic() - last_line > IDLE_TIMEOUT_S:
                driver.kill()
                break
            continue
        last_line = time.monotonic()
        if isinstance(line, StatsLine):
            execution.emit("load.stats", line.model_dump(mode="json"))
            execution.progress(min(0.99, line.t / max(1, duration)))
        elif isinstance(line, ErrorLine):
            execution.emit("load.error", {"message": line.message})
        elif isinstance(line, ReportLine):
            break
    return driver.wait(timeout=30)


def load_test_job(execution: JobExecution[LoadTestParams]) -> Outcome:
    config = _config(execution)
    if isinstance(config, str):
        _record(execution, "FAILED", error=config)
        return Outcome("FAILED", error=config)
    _record(execution, "RUNNING")
    execution.emit(
        "load.started",
        {
            "load_test_id": execution.params.load_test_id,
            "virtual_users": config.virtual_users,
            "duration_secs": config.duration_secs,
            "profile": config.profile,
        },
    )
    driver = LoadDriver(config, idle_timeout_s=IDLE_TIMEOUT_S)
    try:
        driver.start()
        report = _drive(execution, driver, config.duration_secs)
    except LoadDriverError as exc:
        error = f"the load driver failed: {exc}"
        _record(execution, "FAILED", error=error)
        return Outcome("FAILED", LoadTestSummary(load_test_id=execution.params.load_test_id), error)
    finally:
        driver.close()
    summary = LoadTestSummary(
        load_test_id=execution.params.load_test_id,
        requests=report.totals.requests,
        failures=report.totals.failures,
        rps=report.totals.rps,
        p95_ms=report.totals.p95_ms,
        thresholds_passed=report.thresholds_passed,
        stopped_early=report.stopped_early,
    )
    outcome = Outcome("COMPLETED", summary)
    if execution.should_stop():
        outcome = Outcome("STOPPED", summary)
    elif not report.passed:
        outcome = Outcome("FAILED", summary, "; ".join(report.reasons) or "the load test failed")
    _record(execution, outcome.status, report_json=report.model_dump_json(), error=outcome.error)
    return outcome
