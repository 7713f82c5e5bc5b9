"""``gauntlet load``: a load test on the server, followed live, with k6-style thresholds
and exit codes (1 when a threshold is crossed or the test failed)."""

from __future__ import annotations

import contextlib
import json
import re
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from orchestrator.client import options as o
from orchestrator.client import tables
from orchestrator.client.errors import ClientError, Exit
from orchestrator.client.follow import JobTimedOut, follow, stop_quietly
from orchestrator.client.progress import LoadProgress, ms
from orchestrator.client.screen import Screen

METRICS = (
    "avg_ms",
    "min_ms",
    "max_ms",
    "p50_ms",
    "p90_ms",
    "p95_ms",
    "p99_ms",
    "rps",
    "error_rate",
)
OPERATORS = {"<=": "lte", "<": "lt", ">=": "gte", ">": "gt", "==": "eq"}
_THRESHOLD = re.compile(
    r"^\s*(?:(?P<endpoint>[A-Za-z]+\s+/\S*)\s+)?(?P<metric>\w+)\s*(?P<op><=|>=|==|<|>)\s*"
    r"(?P<value>[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?P<percent>%?)\s*$"
)
# After stopping a load test that ran past --timeout, how long to wait for its report.
STOP_GRACE_S = 30.0


def parse_threshold(text: str) -> dict[str, Any]:
    """``'p95_ms<=300'``, ``'error_rate<1%'`` or ``'GET /pets/{{id}} p99_ms<500'`` as the
    API's threshold object. ClientError naming the text when it is not one."""
    match = _THRESHOLD.match(text)
    if match is None or match.group("metric") not in METRICS:
        raise ClientError(
            f"--threshold {text!r}: expected [METHOD /path] METRIC OP VALUE, e.g. 'p95_ms<=300'",
            [f"metrics: {', '.join(METRICS)}; operators: {' '.join(OPERATORS)}"],
        )
    value = float(match.group("value")) / (100 if match.group("percent") else 1)
    threshold: dict[str, Any] = {
        "metric": match.group("metric"),
        "op": OPERATORS[match.group("op")],
        "value": value,
    }
    if match.group("endpoint"):
        method, path = match.group("endpoint").split(maxsplit=1)
        threshold["endpoint"] = f"{method.upper()} {path}"
    return threshold


def load(
    app: o.AppId,
    users: Annotated[int, typer.Option("--users", min=1, help="Virtual users.")],
    duration: Annotated[int, typer.Option("--duration", min=1, help="Seconds.")],
    profile: Annotated[
        str, typer.Option("--profile", help="constant, ramp, spike or step.")
    ] = "constant",
    threshold: Annotated[
        list[str] | None,
        typer.Option(
            "--threshold",
            help="Pass/fail criterion, k6 style: 'p95_ms<=300', 'error_rate<1%', "
            "'GET /pets p99_ms<500'; repeatable.",
        ),
    ] = None,
    spawn_rate: Annotated[
        float | None, typer.Option("--spawn-rate", min=0.01, help="Users started a second.")
    ] = None,
    suite: o.SuiteIds = None,
    label: o.Labels = None,
    base_url: o.BaseUrl = None,
    var: o.Vars = None,
    env_file: o.EnvFile = None,
    junit: Annotated[
        Path | None,
        typer.Option("--junit", help="Write the thresholds as JUnit XML here.", dir_okay=False),
    ] = None,
    json_path: Annotated[
        Path | None,
        typer.Option("--json", help="Write the load test and its report here.", dir_okay=False),
    ] = None,
    timeout: o.Timeout = None,
    no_wait: o.NoWait = False,
    server: o.Server = o.DEFAULT_SERVER,
    key: o.Key = None,
) -> None:
    """Load test an app: virtual users replay its suites; thresholds decide the verdict.

    Shows live figures, then the report: overall and per-endpoint latency, and each
    threshold's verdict. Exit 0 when the test passed, 1 when a threshold was crossed or
    the test failed, 2 for bad usage or a server that refused, 3 when it was stopped or
    did not end within --timeout (the wait counts from the start, so give it more than
    --duration)."""

    def body() -> Exit:
        if suite and label:
            raise ClientError("give --suite or --label, not both")
        request: dict[str, Any] = {
            "virtual_users": users,
            "duration_secs": duration,
            "profile": profile,
            "thresholds": [parse_threshold(t) for t in threshold or []],
        }
        values = o.variables(env_file, var)
        for name, value in (
            ("base_url", base_url),
            ("spawn_rate", spawn_rate),
            ("test_suite_ids", suite),
            ("labels", label),
            ("variables", values),
        ):
            if value:
                request[name] = value
        with o.connect(server, key) as api:
            accepted = api.data("POST", f"/apps/{app}/load-tests", json=request)
            job_id, load_id = accepted["job_id"], accepted["load_test_id"]
            if no_wait:
                typer.echo(job_id)
                return Exit.PASSED
            progress = LoadProgress(Screen())
            deadline = None if timeout is None else time.monotonic() + timeout
            timed_out = False
            try:
                follow(api, job_id, progress, deadline)
            except (JobTimedOut, KeyboardInterrupt):
                timed_out = True
                progress.screen.line(f"stopping load test {load_id}")
                stop_quietly(api, job_id)
                with contextlib.suppress(JobTimedOut):
                    follow(api, job_id, progress, time.monotonic() + STOP_GRACE_S)
            finally:
                progress.close()
            load_test = api.data("GET", f"/apps/{app}/load-tests/{load_id}")
        return _finished(load_test, timed_out, junit, json_path)

    o.finish(body)


def _finished(
    load_test: dict[str, Any], timed_out: bool, junit: Path | None, json_path: Path | None
) -> Exit:
    from loadgen.protocol import LoadReport
    from orchestrator.reports import load_junit

    status = load_test["status"]
    report = LoadReport.model_validate(load_test["report"]) if load_test.get("report") else None
    if report is not None:
        _print_report(report)
    if load_test.get("error"):
        typer.echo(f"load test {load_test['id']}: {load_test['error']}", err=True)
    typer.echo(f"{status}: load test {load_test['id']}")
    for path, content in (
        (junit, lambda: load_junit(load_test["id"], status, report, load_test.get("error"))),
        (json_path, lambda: (json.dumps(load_test, indent=2) + "\n").encode()),
    ):
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content())
            except OSError as exc:
                raise ClientError(f"cannot write {path}: {exc.strerror or exc}") from None
            typer.echo(f"wrote {path}", err=True)
    if timed_out or status in ("STOPPED", "CANCELLED"):
        return Exit.STOPPED
    if status == "COMPLETED":
        return Exit.PASSED
    # FAILED: a crossed threshold or a failed test is a red build; no report means it
    # never ran (the driver failed), which is not the target's fault.
    return Exit.FAILED if report is not None else Exit.USAGE


def _print_report(report: Any) -> None:
    rows = [
        [e.key, e.requests, e.failures, f"{e.rps:.1f}", ms(e.p50_ms), ms(e.p95_ms), ms(e.p99_ms)]
        for e in [*report.endpoints, report.totals]
    ]
    rows[-1][0] = "all requests"
    typer.echo("")
    tables.echo(["ENDPOINT", "REQUESTS", "FAILURES", "RPS", "P50", "P95", "P99"], rows)
    if report.thresholds:
        typer.echo("")
        tables.echo(
            ["THRESHOLD", "ACTUAL", "VERDICT"],
            [
                [
                    f"{v.metric} {v.op} {v.value:g}" + (f" ({v.endpoint})" if v.endpoint else ""),
                    "-" if v.actual is None else f"{v.actual:g}",
                    "pass" if v.passed else "FAIL",
                ]
                for v in report.thresholds
            ],
        )
    typer.echo("")
