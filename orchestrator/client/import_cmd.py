"""``gauntlet import postman|har``: other tools' files as suite files (no server needed).

The suites are written as YAML files, ready for ``gauntlet suites push``. Everything
that could not be carried over is listed on stderr; ``--strict`` makes that exit 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from orchestrator.client import options as o
from orchestrator.client.errors import ClientError, Exit

import_app = typer.Typer(
    help="Turn a Postman collection or a HAR capture into suite files.", no_args_is_help=True
)
Out = Annotated[Path, typer.Option("--out", help="Directory for the suite files.", file_okay=False)]
Strict = Annotated[
    bool, typer.Option("--strict", help="Exit 1 when anything could not be imported.")
]


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ClientError(f"{path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ClientError(f"{path}: not JSON ({exc})") from None


def _write(path: Path, out: Path, strict: bool, kind: str) -> None:
    def body() -> Exit:
        from orchestrator.client.importers import ImportFailed, import_har, import_postman
        from orchestrator.services.suite_files import write_suite_files

        try:
            document = _load(path)
            if kind == "postman":
                imported = import_postman(document)
            else:
                imported = import_har(document, title=path.stem)
        except ImportFailed as exc:
            raise ClientError(f"{path}: {exc}") from None
        if not imported.suites:
            raise ClientError(f"{path}: no request could be imported", imported.notes)
        try:
            written = write_suite_files(imported.suites, out)
        except OSError as exc:
            raise ClientError(f"{exc.filename or out}: {exc.strerror or exc}") from None
        for file in written:
            typer.echo(file)
        steps = sum(len(s.steps) for s in imported.suites)
        typer.echo(f"imported {len(written)} suite(s), {steps} step(s) into {out}", err=True)
        if imported.base_urls:
            urls = ", ".join(url for url, _ in imported.base_urls.most_common())
            typer.echo(f"the requests went to: {urls} (give it as --base-url)", err=True)
        if imported.notes:
            typer.echo(f"not imported as it was ({len(imported.notes)}):", err=True)
            for note in imported.notes:
                typer.echo(f"  - {note}", err=True)
        return Exit.FAILED if strict and imported.notes else Exit.PASSED

    o.finish(body)


@import_app.command("postman")
def postman(
    collection: Annotated[Path, typer.Argument(help="A Postman v2.1 collection (exported JSON).")],
    out: Out = Path("suites"),
    strict: Strict = False,
) -> None:
    """Import a Postman v2.1 collection: a suite per folder, a step per request.

    Collection variables, path variables, query, headers, bodies and the usual pm.test
    checks (status, headers, response time, JSON values) and pm.*.set extractions are
    carried over; a base-URL variable is dropped from paths (give it as --base-url).
    Literal secrets, scripts that cannot be mapped and file uploads are left out and
    listed."""
    _write(collection, out, strict, "postman")


@import_app.command("har")
def har(
    capture: Annotated[Path, typer.Argument(help="A HAR file (a browser's network log).")],
    out: Out = Path("suites"),
    strict: Strict = False,
) -> None:
    """Import a HAR capture: a suite per origin, a step per request, expecting the status it got.

    Static assets, browser-managed headers and credentials are left out and listed;
    values a later request reuses from an earlier JSON answer (ids, tokens) become
    extractions, so a replay follows the new values."""
    _write(capture, out, strict, "har")
