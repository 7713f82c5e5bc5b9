"""The ``gauntlet`` command line: the server's commands (serve, api, worker, keys, which
use the installation's settings and database) and the client's (run, validate, load,
jobs, suites, import, generate: see :mod:`orchestrator.client`), which talk to a server
over HTTP with an API key and never touch a database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

import typer
from pydantic import ValidationError

from core.errors import GauntletError
from core.settings import Settings, describe_settings_error, get_settings
from orchestrator.auth import scopes as catalogue
from orchestrator.cli_orgs import orgs_app, routes
from orchestrator.client import register_client_commands
from orchestrator.client.help import tidy_help
from orchestrator.client.http import client_version
from orchestrator.gc_tuning import tune_for_long_running
from orchestrator.logging import configure_logging

if TYPE_CHECKING:
    from orchestrator.schemas.keys import KeyStatus

SERVER_PANEL = "Server (run Gauntlet; uses its settings and database)"

app = typer.Typer(
    help="Gauntlet: API test suites and load tests, as jobs.",
    no_args_is_help=True,
    add_completion=True,
)
keys_app = typer.Typer(help="Manage API keys (no key needed here).", no_args_is_help=True)
app.add_typer(keys_app, name="keys", rich_help_panel=SERVER_PANEL)
app.add_typer(orgs_app, name="orgs", rich_help_panel=SERVER_PANEL)
app.command("routes")(routes)
register_client_commands(app)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"gauntlet {client_version()}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Gauntlet: API test suites and load tests, as jobs."""


Host = Annotated[str, typer.Option(help="Interface to listen on.")]
Port = Annotated[int, typer.Option(help="TCP port.")]


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _serve(host: str, port: int, *, embedded_workers: bool) -> None:
    from orchestrator.app import create_app
    from orchestrator.http_server import run

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    app_ = create_app(settings, embedded_workers=embedded_workers)
    tune_for_long_running()
    run(app_, settings, host, port)


@app.command()
def serve(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Everything in one process: API and worker threads (embedded by default)."""
    _serve(host, port, embedded_workers=True)


@app.command()
def api(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """The API only; jobs run on `gauntlet worker` processes (scaled deployment)."""
    _serve(host, port, embedded_workers=False)


@app.command()
def worker(
    processes: Annotated[
        int | None,
        typer.Option(
            min=1, help="Worker processes [GAUNTLET_WORKER_PROCESSES; default: one per core]."
        ),
    ] = None,
    threads: Annotated[
        int | None, typer.Option(min=1, help="Threads per process [GAUNTLET_WORKER_THREADS].")
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=65535,
            help="Serve /metrics of every worker process on this port "
            "[GAUNTLET_WORKER_METRICS_PORT].",
        ),
    ] = None,
) -> None:
    """Execute jobs from the Redis broker (scaled deployment). SIGTERM hands running jobs
    back to the queue within GAUNTLET_WORKER_SHUTDOWN_GRACE_SECONDS."""
    from orchestrator.worker_process import cores, run_worker, supervise

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    if not settings.scaled:
        _fail("gauntlet worker needs GAUNTLET_REDIS_URL (embedded mode runs jobs in 'serve')")
    threads = threads or settings.worker_threads
    processes = processes or settings.worker_processes or cores()
    port = metrics_port if metrics_port is not None else settings.worker_metrics_port
    code = (
        run_worker(settings, threads, metrics_port=port)
        if processes == 1
        else supervise(processes, threads, settings=settings, metrics_port=port)
    )
    raise typer.Exit(code)


@app.command("loadgen-worker")
def loadgen_worker() -> None:
    """A long-lived Locust worker for distributed load tests (GAUNTLET_LOAD_DISTRIBUTED):
    waits in Redis (GAUNTLET_REDIS_URL) for a load test that wants it, joins that test's
    master, and goes back to waiting when the test ends. Stops on SIGTERM or SIGINT."""
    from loadgen.worker import run_worker

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    raise typer.Exit(run_worker())


def _parse_scopes(text: str) -> list[str]:
    scopes = [s.strip() for s in text.split(",") if s.strip()]
    unknown = catalogue.unknown(scopes)
    if not scopes or unknown:
        _fail(
            "scopes must be a comma-separated list of read, write, admin or "
            f"<resource>:<action> (resources: {', '.join(catalogue.RESOURCES)}; actions: "
            "read, write, admin)"
        )
    return scopes


@keys_app.command("create")
def keys_create(
    org: Annotated[str, typer.Option(help="Organization name; created if missing.")],
    name: Annotated[str, typer.Option(help="A name for the key.")],
    scopes: Annotated[
        str, typer.Option(help="Comma-separated: read, write, admin, or e.g. runs:write.")
    ] = "admin",
    app_ids: Annotated[
        str | None, typer.Option(help="Comma-separated app ids to limit the key to.")
    ] = None,
    ttl_days: Annotated[
        int | None, typer.Option(help="Days until it expires; omit for never.", min=1)
    ] = None,
    ttl_hours: Annotated[
        int | None, typer.Option(help="Hours until it expires (instead of days).", min=1)
    ] = None,
) -> None:
    """Create a key. The full key is printed alone on the last line, once."""
    from orchestrator.runtime import build_runtime
    from orchestrator.services import keys as key_service
    from storage.db import session_scope

    if not org.strip() or not name.strip():
        _fail("--org and --name must not be empty")
    apps = [a.strip() for a in app_ids.split(",") if a.strip()] if app_ids is not None else None
    runtime = build_runtime(get_settings())
    try:
        with session_scope(runtime.engine) as session:
            created = key_service.create_for_org_name(
                session,
                org.strip(),
                name.strip(),
                _parse_scopes(scopes),
                ttl_days,
                ttl_hours=ttl_hours,
                app_ids=apps,
            )
    except GauntletError as exc:
        _fail(exc.message)
    finally:
        runtime.close()
    typer.echo(f"created key {created.id} ({','.join(created.scopes)}) for organization {org}")
    typer.echo(created.key)


@keys_app.command("list")
def keys_list(
    status: Annotated[
        str | None, typer.Option(help="Only keys of this status: active, revoked, expired.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
) -> None:
    """List keys of every organization (hints only), with their status."""
    from orchestrator.client import tables
    from orchestrator.runtime import build_runtime
    from orchestrator.services import keys as key_service
    from storage import keys as key_rows
    from storage.db import session_scope

    if status not in (None, "active", "revoked", "expired"):
        _fail("--status must be active, revoked or expired")
    runtime = build_runtime(get_settings())
    now = runtime.clock.now()
    rows = []
    with session_scope(runtime.engine) as session:
        offset = 0
        while True:
            page = key_service.page(
                session, None, offset, 100, status=cast("KeyStatus | None", status), now=now
            )
            rows += [
                {
                    "id": row.id,
                    "org_id": row.org_id,
                    "name": row.name,
                    "scopes": row.scopes,
                    "hint": row.hint,
                    "status": key_rows.status_of(row, now),
                    "expires_at": int(row.expires_at) if row.expires_at else None,
                    "last_used_at": int(row.last_used_at) if row.last_used_at else None,
                }
                for row in page.items
            ]
            if not page.has_next:
                break
            offset += 100
    runtime.close()
    if as_json:
        import json

        typer.echo(json.dumps(rows, indent=2))
        return
    tables.echo(
        ["ID", "ORGANIZATION", "NAME", "SCOPES", "HINT", "STATUS", "EXPIRES", "LAST USED"],
        [
            [
                r["id"],
                r["org_id"],
                r["name"],
                r["scopes"],
                r["hint"],
                r["status"],
                r["expires_at"] or "never",
                r["last_used_at"] or "never",
            ]
            for r in rows
        ],
    )


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (key_...).")]) -> None:
    """Revoke a key; its next request is refused."""
    from orchestrator.runtime import build_runtime
    from orchestrator.services import keys as key_service
    from storage.db import session_scope

    runtime = build_runtime(get_settings())
    try:
        with session_scope(runtime.engine) as session:
            key_service.revoke(session, None, key_id, on_revoked=runtime.key_revoked)
    except GauntletError as exc:
        _fail(exc.message)
    finally:
        runtime.close()
    typer.echo(f"revoked {key_id}")


# Commands without a panel of their own (serve, api, worker…) are the server's.
for _command in app.registered_commands:
    _command.rich_help_panel = _command.rich_help_panel or SERVER_PANEL
tidy_help(app)


def main() -> None:
    try:
        app()
    except ValidationError as exc:
        # A bad setting (GAUNTLET_…) is a typo to fix, not a crash: one line, no traceback.
        if exc.title != Settings.__name__:
            raise
        typer.echo(f"error: invalid setting: {describe_settings_error(exc)}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
