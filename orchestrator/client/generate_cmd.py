"""``gauntlet generate``: suites from an OpenAPI document, in one of two forms.

- ``gauntlet generate SPEC --out DIR``: offline, no server and no key; writes the
  suites as YAML files (nothing is checked against a live API).
- ``gauntlet generate --app APP [--base-url URL] [SPEC] [--out DIR]``: a generation job
  on the server, which checks every candidate against the live API and keeps the good
  ones in the app; SPEC, when given, is the document to use instead of the app's, and
  ``--out`` also writes the kept suites as files.

``--app`` is what tells them apart, so every existing offline invocation keeps working.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from core.jobs import DEFAULT_MAX_TEST_SUITES
from orchestrator.client import options as o
from orchestrator.client.errors import ClientError, Exit
from orchestrator.client.follow import JobTimedOut, exit_for, follow, stop_quietly
from orchestrator.client.http import Api
from orchestrator.client.progress import GenerateProgress
from orchestrator.client.screen import Screen

# Same bound as the API's, so files and generate jobs agree on what is reasonable.
MAX_TEST_SUITES = 1000


def generate(
    spec: Annotated[
        Path | None,
        typer.Argument(help="OpenAPI 3.x or Swagger 2.0 file, JSON or YAML.", show_default=False),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Directory for the suite files.", file_okay=False)
    ] = None,
    app: Annotated[
        str | None,
        typer.Option("--app", help="Generate on the server, into this app (app_...)."),
    ] = None,
    base_url: o.BaseUrl = None,
    seed: Annotated[int, typer.Option(help="Same document, options and seed: same suites.")] = 0,
    max_test_suites: Annotated[
        int, typer.Option(min=1, max=MAX_TEST_SUITES, help="Suites to keep at most.")
    ] = DEFAULT_MAX_TEST_SUITES,
    ignore: Annotated[
        list[str] | None,
        typer.Option(help="Path or glob to leave out ('/admin/*', 'DELETE /pets/*'); repeatable."),
    ] = None,
    request_timeout: Annotated[
        float | None,
        typer.Option(min=0.1, max=600, help="With --app: seconds each request may take."),
    ] = None,
    timeout: o.Timeout = None,
    no_wait: o.NoWait = False,
    server: o.Server = o.DEFAULT_SERVER,
    key: o.Key = None,
) -> None:
    """Generate suites from an OpenAPI document: offline into files, or as a job on the server.

    Offline (no --app): write one <slug>.yaml per suite into --out, most valuable first;
    the same SPEC, options and seed give byte-identical files; nothing is checked
    against a live API.

    On the server (--app): the app's document (or SPEC) is turned into candidates, each
    checked against the live API at --base-url, and the good ones are kept in the app;
    with --out they are also written as files. Exit 0 when suites were kept, 1 when none
    was, 2 for bad usage or an unusable document, 3 when stopped or past --timeout."""
    if app is None:
        if no_wait or base_url or request_timeout or timeout:
            o.fail("--base-url, --timeout, --request-timeout and --no-wait need --app")
        if spec is None or out is None:
            o.fail(
                "give SPEC and --out to generate files offline, or --app to generate on a server"
            )
        _offline(spec, out, seed, max_test_suites, ignore or [])
        return

    def body() -> Exit:
        document = _read(spec) if spec is not None else None
        with o.connect(server, key) as api:
            request: dict[str, Any] = {
                "base_url": base_url or api.data("GET", f"/apps/{app}")["endpoint"],
                "max_test_suites": max_test_suites,
                "ignore_endpoints": ignore or [],
                "seed": seed,
            }
            if document is not None:
                request["schema"] = document
            if request_timeout is not None:
                request["timeout"] = request_timeout
            job_id = api.data("POST", f"/apps/{app}/test-suites/generate", json=request)["job_id"]
            if no_wait:
                typer.echo(job_id)
                return Exit.PASSED
            screen = Screen()
            screen.line(
                f"job {job_id}: generating suites for app {app} against {request['base_url']}"
            )
            progress = GenerateProgress(screen)
            deadline = None if timeout is None else time.monotonic() + timeout
            try:
                job = follow(api, job_id, progress, deadline)
            except JobTimedOut:
                stop_quietly(api, job_id)
                typer.echo(f"timed out: stopped job {job_id}", err=True)
                return Exit.STOPPED
            finally:
                progress.close()
            return _finished(api, app, job, out)

    o.finish(body)


def _finished(api: Api, app: str, job: dict[str, Any], out: Path | None) -> Exit:
    result = job.get("result") or {}
    kept = result.get("test_suite_ids") or []
    if result:
        typer.echo(
            f"{job['job_status']}: kept {result.get('kept', len(kept))} of "
            f"{result.get('candidates', '?')} candidate suite(s)"
        )
    if job.get("error"):
        typer.echo(f"job {job['job_id']}: {job['error']}", err=True)
    if out is not None and kept:
        from orchestrator.client.suites_cmd import pull_suites

        for path, _ in pull_suites(api, app, out, only=set(kept)):
            typer.echo(path)
    return exit_for(job)


def _read(spec: Path) -> str:
    try:
        return spec.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ClientError(f"{spec}: {getattr(exc, 'strerror', None) or exc}") from None


def _offline(spec: Path, out: Path, seed: int, max_test_suites: int, ignore: list[str]) -> None:
    from actors.generate import InvalidOpenAPIDocument, generate_to_directory

    try:
        written = generate_to_directory(
            spec, out, seed=seed, max_test_suites=max_test_suites, ignore=ignore
        )
    except InvalidOpenAPIDocument as exc:
        o.fail(f"{spec}: {exc.message}")
    except OSError as exc:
        o.fail(f"{exc.filename or spec}: {exc.strerror or exc}")
    for path in written:
        typer.echo(path)
    typer.echo(f"wrote {len(written)} suites to {out}", err=True)
