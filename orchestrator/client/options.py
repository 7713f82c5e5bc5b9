"""Options every client command shares, and how a command ends (exit code, errors on
stderr without a traceback)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from orchestrator.client.errors import ClientError, Exit
from orchestrator.client.http import DEFAULT_SERVER, Api

Server = Annotated[
    str,
    typer.Option(
        "--server",
        envvar="GAUNTLET_SERVER",
        help="The Gauntlet server's base URL.",
        rich_help_panel="Connection",
    ),
]
Key = Annotated[
    str | None,
    typer.Option(
        "--key",
        envvar="GAUNTLET_API_KEY",
        help="An API key (gnt_...); prefer the environment variable, so it stays out of "
        "shell history.",
        show_default=False,
        rich_help_panel="Connection",
    ),
]
AppId = Annotated[str, typer.Option("--app", help="The app's id (app_...).")]
BaseUrl = Annotated[
    str | None,
    typer.Option(
        "--base-url", help="Where the API under test answers. Default: the app's endpoint."
    ),
]
Vars = Annotated[
    list[str] | None,
    typer.Option("--var", help="A {{var}} value for every suite, K=V; repeatable.", metavar="K=V"),
]
EnvFile = Annotated[
    Path | None,
    typer.Option(
        "--env-file",
        help="KEY=VALUE lines (a .env file) as {{var}} values; --var wins over it.",
        dir_okay=False,
    ),
]
Timeout = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        min=1,
        help="Seconds to wait for the job; past them it is stopped and the exit is 3.",
    ),
]
NoWait = Annotated[
    bool,
    typer.Option("--no-wait", help="Print the job id once it is accepted and exit 0."),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of text.")]
Labels = Annotated[
    list[str] | None,
    typer.Option("--label", help="Only suites carrying this label; repeatable (any of them)."),
]
SuiteIds = Annotated[
    list[str] | None,
    typer.Option("--suite", help="Only this suite (ts_...); repeatable."),
]


def connect(server: str, key: str | None) -> Api:
    return Api(server or DEFAULT_SERVER, key)


def variables(env_file: Path | None, pairs: list[str] | None) -> dict[str, str]:
    """Run variables from ``--env-file`` then ``--var K=V`` (which win)."""
    values: dict[str, str] = {}
    if env_file is not None:
        from dotenv import dotenv_values

        if not env_file.is_file():
            raise ClientError(f"--env-file {env_file}: no such file")
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ClientError(f"--var {pair!r}: expected NAME=VALUE")
        values[name.strip()] = value
    return values


def fail(message: str, details: list[str] | None = None, code: Exit = Exit.USAGE) -> NoReturn:
    """Print ``error: message`` (and each detail) on stderr and exit with ``code``."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    for detail in details or []:
        typer.echo(f"  {detail}", err=True)
    raise typer.Exit(int(code))


def finish(command: Callable[[], Exit | int]) -> NoReturn:
    """Run a command body and exit with its code; a ClientError becomes its message on
    stderr and its exit code, Ctrl-C exit 3 (the body stops what it started first)."""
    try:
        code = command()
    except ClientError as exc:
        fail(exc.message, exc.details, exc.code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(int(Exit.STOPPED)) from None
    sys.stdout.flush()
    raise typer.Exit(int(code))


def print_json(value: Any) -> None:
    import json

    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))
