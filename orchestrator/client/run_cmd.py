"""``gauntlet run`` and ``gauntlet validate``: start suites on a server, follow them,
explain what failed, write reports, and exit 0/1/2/3 (see :mod:`.errors`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from orchestrator.client import options as o
from orchestrator.client.errors import ClientError, Exit, worst
from orchestrator.client.follow import JobTimedOut, exit_for, follow, stop_quietly
from orchestrator.client.http import Api
from orchestrator.client.progress import RunProgress
from orchestrator.client.screen import Screen

# After stopping a job that ran past --timeout, how long to wait for it to say so.
STOP_GRACE_S = 15.0


def _body(base_url: str | None, variables: dict[str, str], **selection: Any) -> dict[str, Any]:
    body: dict[str, Any] = {k: v for k, v in selection.items() if v}
    if base_url:
        body["base_url"] = base_url
    if variables:
        body["variables"] = variables
    return body


def follow_to_end(
    api: Api, job_id: str, progress: RunProgress, timeout: float | None
) -> tuple[dict[str, Any], bool]:
    """Follow the job; on timeout or Ctrl-C stop it and wait briefly for its end.
    ``(job as it ended or last seen, timed_out)``."""
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        return follow(api, job_id, progress, deadline), False
    except (JobTimedOut, KeyboardInterrupt) as exc:
        why = "timed out" if isinstance(exc, JobTimedOut) else "interrupted"
        progress.screen.line(f"{why}: stopping job {job_id}")
        stop_quietly(api, job_id)
        try:
            job = follow(api, job_id, progress, time.monotonic() + STOP_GRACE_S)
        except JobTimedOut:
            job = api.data("GET", f"/jobs/{job_id}")
        return job, True
    finally:
        progress.close()


def run(
    app: o.AppId,
    suite: o.SuiteIds = None,
    label: o.Labels = None,
    base_url: o.BaseUrl = None,
    var: o.Vars = None,
    env_file: o.EnvFile = None,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Write JUnit XML here.", dir_okay=False)
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Write a self-contained HTML report here.", dir_okay=False),
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the JSON run report here.", dir_okay=False)
    ] = None,
    timeout: o.Timeout = None,
    no_wait: o.NoWait = False,
    server: o.Server = o.DEFAULT_SERVER,
    key: o.Key = None,
) -> None:
    """Run an app's suites on the server and wait for the verdict.

    All suites by default, or those given by --suite or --label. Shows progress (a live
    line per running suite on a terminal, plain lines in CI logs), prints each failing
    step with its assertion, expected and actual values and reason, and writes the
    reports asked for.

    Exit 0: every test passed. 1: tests failed. 2: bad usage, or the server could not be
    reached or refused. 3: the run was stopped or did not end within --timeout."""

    def body() -> Exit:
        if suite and label:
            raise ClientError("give --suite or --label, not both")
        values = o.variables(env_file, var)
        with o.connect(server, key) as api:
            request = _body(base_url, values, test_suite_ids=suite, labels=label)
            job_id = api.data("POST", f"/apps/{app}/test-suites/run", json=request)["job_id"]
            if no_wait:
                typer.echo(job_id)
                return Exit.PASSED
            screen = Screen()
            screen.line(f"job {job_id}: running suites of app {app}")
            job, timed_out = follow_to_end(api, job_id, RunProgress(screen), timeout)
            run_id = (job.get("result") or {}).get("test_run_id")
            if run_id:
                from orchestrator.client import run_reports

                report, raw = run_reports.fetch(api, app, run_id)
                lines = run_reports.failure_lines(report)
                if lines:
                    typer.echo("")
                    for line in lines:
                        typer.echo(line)
                typer.echo("")
                typer.echo(run_reports.summary_line(report))
                run_reports.write(report, raw, junit=junit, html=html, json_path=json_path)
            if timed_out:
                typer.echo(f"job {job_id} did not finish in time: {job['job_status']}", err=True)
                return Exit.STOPPED
            code = exit_for(job)
            if code == Exit.USAGE:
                typer.echo(f"error: job {job_id} failed: {job.get('error')}", err=True)
            elif code == Exit.STOPPED:
                typer.echo(f"job {job_id} was {job['job_status'].lower()}", err=True)
            return code

    o.finish(body)


def _suites_with_labels(api: Api, app: str, labels: list[str]) -> list[dict[str, Any]]:
    wanted = set(labels)
    found = [s for s in api.cursor_pages(f"/apps/{app}/test-suites") if wanted & set(s["labels"])]
    if not found:
        raise ClientError(f"no suite of app {app} has the label(s) {', '.join(sorted(wanted))}")
    return found


def _print_validation(result: dict[str, Any]) -> None:
    verdict = "VALID" if result["valid"] else "INVALID"
    failing = result["failing_steps"]
    detail = (
        f"{len(failing)} of {result['steps']} step(s) failed" if failing else "every step passed"
    )
    typer.echo(f"{verdict} {result['suite']} ({result['test_suite_id']}): {detail}")
    for step in failing:
        typer.echo(f"  step {step['index'] + 1:03d} {step['name']}:")
        for line in step["explanations"] or [step.get("error") or "failed"]:
            typer.echo(f"    - {line}")


def validate(
    app: o.AppId,
    suite: o.SuiteIds = None,
    label: o.Labels = None,
    base_url: o.BaseUrl = None,
    var: o.Vars = None,
    env_file: o.EnvFile = None,
    timeout: o.Timeout = None,
    no_wait: o.NoWait = False,
    server: o.Server = o.DEFAULT_SERVER,
    key: o.Key = None,
) -> None:
    """Validate suites on the server: run each and explain every failing step.

    Give the suites by --suite, or by --label (each suite carrying one of them). Each
    suite is its own validation job; --timeout applies to each. Exit codes as for run
    (the worst of the suites)."""

    def body() -> Exit:
        if bool(suite) == bool(label):
            raise ClientError("give --suite or --label (one of them)")
        values = o.variables(env_file, var)
        with o.connect(server, key) as api:
            ids = suite or [s["id"] for s in _suites_with_labels(api, app, label or [])]
            request = _body(base_url, values)
            jobs = [
                api.data("POST", f"/apps/{app}/test-suites/{suite_id}/validate", json=request)[
                    "job_id"
                ]
                for suite_id in ids
            ]
            if no_wait:
                for job_id in jobs:
                    typer.echo(job_id)
                return Exit.PASSED
            codes = []
            for job_id in jobs:
                screen = Screen()
                job, timed_out = follow_to_end(api, job_id, RunProgress(screen), timeout)
                if job.get("result"):
                    _print_validation(api.data("GET", f"/jobs/{job_id}/validation-result"))
                elif job["job_status"] == "FAILED":
                    typer.echo(f"error: job {job_id} failed: {job.get('error')}", err=True)
                codes.append(Exit.STOPPED if timed_out else exit_for(job))
            return worst(codes)

    o.finish(body)
