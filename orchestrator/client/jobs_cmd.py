"""``gauntlet jobs list|show|stop|events``: the jobs of the key's organization."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from orchestrator.client import options as o
from orchestrator.client import tables
from orchestrator.client.errors import Exit
from orchestrator.client.follow import TERMINAL, exit_for, follow

jobs_app = typer.Typer(help="The organization's jobs on the server.", no_args_is_help=True)

JobId = Annotated[str, typer.Argument(help="The job's id (job_...).")]


def _when(unix: int | None) -> str:
    if unix is None:
        return "-"
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M:%S")


@jobs_app.command("list")
def list_jobs(
    app: Annotated[str | None, typer.Option("--app", help="Only this app's jobs.")] = None,
    type_: Annotated[
        str | None, typer.Option("--type", help="GENERATE, RUN, VALIDATE, NORMALIZE or LOAD_TEST.")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="QUEUED, RUNNING, COMPLETED, FAILED, STOPPED or CANCELLED."),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=10_000, help="At most this many.")
    ] = 20,
    as_json: o.Json = False,
    server: o.Server = o.DEFAULT_SERVER,
    key: o.Key = None,
) -> None:
    """List jobs, newest first."""

    def body() -> Exit:
        params = {
            "app_id": app,
            "type": type_ and type_.upper(),
            "status": status and status.upper(),
        }
        with o.connect(server, key) as api:
            jobs = list(
                api.offset_pages("/jobs", {k: v for k, v in params.items() if v}, limit=limit)
            )
        if as_json:
            o.print_json(jobs)
        else:
            tables.echo(
                ["JOB", "TYPE", "STATUS", "APP", "CREATED", "PROGRESS"],
                [
                    [
                        j["job_id"],
                        j["job_type"],
                        j["job_status"],
                        j["app_id"] or "-",
                        _when(j["created_at"]),
                        f"{100 * j['progress']:.0f}%",
                    ]
                    for j in jobs
                ],
            )
        return Exit.PASSED

    o.finish(body)


@jobs_app.command("show")
def show(
    job_id: JobId, as_json: o.Json = False, server: o.Server = o.DEFAULT_SERVER, key: o.Key = None
) -> None:
    """Show a job: its state, parameters and result."""

    def body() -> Exit:
        with o.connect(server, key) as api:
            job = api.data("GET", f"/jobs/{job_id}")
        if as_json:
            o.print_json(job)
            return Exit.PASSED
        for name in ("job_id", "job_type", "job_status", "app_id"):
            typer.echo(f"{name}: {job[name]}")
        for name in ("created_at", "started_at", "finished_at"):
            typer.echo(f"{name}: {_when(job[name])}")
        typer.echo(f"progress: {100 * job['progress']:.0f}%")
        if job.get("error"):
            typer.echo(f"error: {job['error']}")
        typer.echo(f"params: {json.dumps(job['params'], ensure_ascii=False)}")
        if job.get("result") is not None:
            typer.echo(f"result: {json.dumps(job['result'], ensure_ascii=False)}")
        return Exit.PASSED

    o.finish(body)


@jobs_app.command("stop")
def stop(job_id: JobId, server: o.Server = o.DEFAULT_SERVER, key: o.Key = None) -> None:
    """Stop a job: a queued one is cancelled at once, a running one stops within seconds."""

    def body() -> Exit:
        with o.connect(server, key) as api:
            job = api.data("POST", f"/jobs/{job_id}/stop")
        typer.echo(f"{job['job_id']}: {job['job_status']}")
        return Exit.PASSED

    o.finish(body)


def _event_line(event: dict[str, Any]) -> str:
    data = event.get("data") or {}
    shown = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if len(shown) > 200:
        shown = shown[:200] + "…"
    return f"{event.get('seq', ''):>5}  {event.get('timestamp', '')}  {event.get('type')}  {shown}"


@jobs_app.command("events")
def events(
    job_id: JobId,
    after: Annotated[int, typer.Option("--after", min=0, help="Start after this seq.")] = 0,
    no_follow: Annotated[
        bool, typer.Option("--no-follow", help="Only the stored events, then exit 0.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print each event as one JSON line.")
    ] = False,
    server: o.Server = o.DEFAULT_SERVER,
    key: o.Key = None,
) -> None:
    """Print a job's events, following it until it ends.

    Following exits as run does with the job's end: 0 completed, 1 failed with a result,
    2 failed with an error, 3 stopped or cancelled."""

    def show(event: dict[str, Any]) -> None:
        typer.echo(json.dumps(event, ensure_ascii=False) if as_json else _event_line(event))

    def body() -> Exit:
        with o.connect(server, key) as api:
            if no_follow:
                with api.stream_lines(
                    f"/jobs/{job_id}/events", {"after": after, "follow": "false"}
                ) as lines:
                    for line in lines:
                        if line.strip():
                            show(json.loads(line))
                return Exit.PASSED
            job = follow(api, job_id, show, after=after)
        return exit_for(job) if job["job_status"] in TERMINAL else Exit.PASSED

    o.finish(body)
