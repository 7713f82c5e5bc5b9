"""After a run: its report fetched once, the failing steps printed, the files written.

The report comes as the run report document (``?format=json``); JUnit and HTML are
built from it here with the same modules the API uses, so a file written by the client
equals the one the API serves.
"""

from __future__ import annotations

from pathlib import Path

import typer

from orchestrator.client.errors import ClientError
from orchestrator.client.http import Api
from orchestrator.client.progress import ms
from orchestrator.reports import RunReport, assertion_lines, run_html, run_junit


def fetch(api: Api, app_id: str, run_id: str) -> tuple[RunReport, bytes]:
    """The run's report, parsed and as the server's bytes."""
    response = api.request("GET", f"/apps/{app_id}/test-runs/{run_id}", params={"format": "json"})
    try:
        return RunReport.model_validate_json(response.content), response.content
    except ValueError as exc:
        raise ClientError(
            f"the server's report of run {run_id} is not a run report: {exc}"
        ) from None


def failure_lines(report: RunReport) -> list[str]:
    """Each failing step: where, the request, every failed assertion (expected, actual,
    reason) or the error that kept it from being judged."""
    lines: list[str] = []
    for suite in report.suites:
        for step in suite.steps:
            if step.passed:
                continue
            lines.append(f"FAILED {suite.name} > {step.index + 1:03d} {step.name}")
            if step.request is not None:
                answer = f" -> {step.response.status}" if step.response is not None else ""
                lines.append(f"  {step.request.method} {step.request.url}{answer}")
            if step.error:
                lines.append(f"  error ({step.error_kind or 'error'}): {step.error}")
            for assertion in step.assertions:
                if not assertion.passed:
                    lines += [f"  {line}" for line in assertion_lines(assertion)]
            lines += [f"  extract {var}: {why}" for var, why in step.extraction_failures.items()]
    return lines


def summary_line(report: RunReport) -> str:
    run = report.run
    return (
        f"{run.status}: {run.suites.passed} of {run.suites.total} suite(s) passed, "
        f"{run.steps.failed} of {run.steps.total} step(s) failed, {ms(run.duration_ms)} "
        f"(run {run.id})"
    )


def write(
    report: RunReport,
    raw_json: bytes,
    *,
    junit: Path | None,
    html: Path | None,
    json_path: Path | None,
) -> None:
    """Write the asked-for report files; say where on stderr (stdout is the log)."""
    for path, build in (
        (junit, lambda: run_junit(report)),
        (html, lambda: run_html(report)),
        (json_path, lambda: raw_json),
    ):
        if path is None:
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(build())
        except OSError as exc:
            raise ClientError(f"cannot write {path}: {exc.strerror or exc}") from None
        typer.echo(f"wrote {path}", err=True)
