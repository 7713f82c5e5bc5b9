"""``gauntlet generate`` and ``gauntlet suites export|import``: suites as files.

``generate`` needs no server and no database. ``suites`` talks to the database directly,
as ``gauntlet keys`` does, with the same GAUNTLET_* settings as the server (e.g.
GAUNTLET_DATABASE_URL, or GAUNTLET_DATA_DIR for the embedded SQLite file); it needs no
API key, so it is for operators of the installation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from actors.generate import DEFAULT_MAX_TEST_SUITES
from core.settings import get_settings

if TYPE_CHECKING:
    from sqlmodel import Session

# Same bound as the API's, so files and generate jobs agree on what is reasonable.
MAX_TEST_SUITES = 1000

suites_app = typer.Typer(
    help="Move an app's suites between YAML files and the database (no API key needed: "
    "uses the database of GAUNTLET_DATABASE_URL / GAUNTLET_DATA_DIR directly).",
    no_args_is_help=True,
)


def _fail(message: str) -> NoReturn:
    # One line, no traceback: the reason is all a user needs.
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(2)


def generate(
    spec: Annotated[Path, typer.Argument(help="OpenAPI 3.x or Swagger 2.0 file, JSON or YAML.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the suite files.")],
    seed: Annotated[int, typer.Option(help="Same document, options and seed: same files.")] = 0,
    max_test_suites: Annotated[
        int, typer.Option(min=1, max=MAX_TEST_SUITES, help="Suites to write at most.")
    ] = DEFAULT_MAX_TEST_SUITES,
    ignore: Annotated[
        list[str] | None,
        typer.Option(help="Path or glob to leave out ('/admin/*', 'DELETE /pets/*'); repeatable."),
    ] = None,
) -> None:
    """Write suites generated from SPEC into --out as YAML files, without a server.

    One <slug>.yaml per suite, most valuable first; the same SPEC, options and seed give
    byte-identical files. Nothing is checked against a live API (the API's generate job
    does that). Exit 2 with a one-line reason when SPEC is missing or unusable."""
    from actors.generate import InvalidOpenAPIDocument, generate_to_directory

    try:
        written = generate_to_directory(
            spec, out, seed=seed, max_test_suites=max_test_suites, ignore=ignore or []
        )
    except InvalidOpenAPIDocument as exc:
        _fail(f"{spec}: {exc.message}")
    except OSError as exc:
        _fail(f"{exc.filename or spec}: {exc.strerror or exc}")
    for path in written:
        typer.echo(path)
    typer.echo(f"wrote {len(written)} suites to {out}", err=True)


@contextmanager
def _database() -> Iterator[Session]:
    from storage.db import build_engine, session_scope
    from storage.migrate import upgrade

    engine = build_engine(get_settings().db_url, pool_size=1)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


AppOption = Annotated[str, typer.Option("--app", help="The app's id (app_...).")]


@suites_app.command("export")
def export(
    app: AppOption,
    out: Annotated[Path, typer.Option("--out", help="Directory for the suite files.")],
) -> None:
    """Write each suite of the app as <name>.yaml into --out. File names are stable, so
    exports of an unchanged app are identical; other files there are left alone."""
    from core.errors import GauntletError
    from orchestrator.services.suite_files import export_app

    try:
        with _database() as session:
            written = export_app(session, app, out)
    except GauntletError as exc:
        _fail(exc.message)
    except OSError as exc:
        _fail(f"{exc.filename or out}: {exc.strerror or exc}")
    for path in written:
        typer.echo(path)
    typer.echo(f"exported {len(written)} suites to {out}", err=True)


@suites_app.command("import")
def import_(
    app: AppOption,
    directory: Annotated[Path, typer.Argument(help="Directory of *.yaml, *.yml, *.json suites.")],
) -> None:
    """Import every suite file of DIRECTORY into the app: a suite with the name of one of
    the app's replaces it (version + 1), the others are created. Every file is validated
    first; on any error nothing is imported and each faulty file and field is listed
    (exit 2)."""
    from core.errors import GauntletError
    from orchestrator.services.suite_files import (
        SuiteFilesInvalid,
        import_suites,
        read_suite_files,
    )

    try:
        suites = read_suite_files(directory, get_settings().max_suite_steps)
        with _database() as session:
            result = import_suites(session, app, suites)
    except SuiteFilesInvalid as exc:
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
        _fail(f"nothing imported: {len(exc.problems)} problem(s) in {directory}")
    except GauntletError as exc:
        _fail(f"nothing imported: {exc.message}")
    except OSError as exc:
        _fail(f"nothing imported: {exc.filename or directory}: {exc.strerror or exc}")
    typer.echo(
        f"imported {len(suites)} suites into {app}: "
        f"{len(result.created)} created, {len(result.replaced)} replaced"
    )
