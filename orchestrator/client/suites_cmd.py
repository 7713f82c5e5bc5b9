"""``gauntlet suites pull|push``: an app's suites as files in a directory (for review in
git), through the API.

Pull writes one ``<slug of the name>.yaml`` per suite. Push sends every file of the
directory in one request (``POST …/test-suites/sync``): suites are matched by name, an
unchanged one gets no new version, a changed one becomes its next version with history
kept (so it can be rolled back), a new name is created and, with ``--prune``, suites
without a file are deleted. Every file is checked first; with any fault each file and
field is listed and nothing is sent.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from orchestrator.client import options as o
from orchestrator.client import tables
from orchestrator.client.errors import ClientError, Exit
from orchestrator.client.http import Api

suites_app = typer.Typer(
    help="An app's suites as files, pulled from and pushed to the server.", no_args_is_help=True
)
Directory = Annotated[
    Path, typer.Argument(help="Directory of suite files (*.yaml, *.yml, *.json).")
]
# Fields of a suite as the API shows it that are not part of the suite itself.
_SERVER_FIELDS = ("id", "app_id", "version", "step_count", "created_at", "updated_at")


def pull_suites(
    api: Api, app: str, directory: Path, only: set[str] | None = None
) -> list[tuple[Path, str]]:
    """Write the app's suites (those in ``only`` when given) into ``directory``; each
    file with the name of the suite in it."""
    from orchestrator.services.suite_files import write_suite_files
    from runner import Suite

    summaries = [
        s for s in api.cursor_pages(f"/apps/{app}/test-suites") if only is None or s["id"] in only
    ]
    suites = []
    for summary in summaries:
        public = api.data("GET", f"/apps/{app}/test-suites/{summary['id']}")
        suites.append(
            Suite.model_validate({k: v for k, v in public.items() if k not in _SERVER_FIELDS})
        )
    try:
        paths = write_suite_files(suites, directory)
    except OSError as exc:
        raise ClientError(f"{exc.filename or directory}: {exc.strerror or exc}") from None
    return [(path, suite.name) for path, suite in zip(paths, suites, strict=True)]


@suites_app.command("pull")
def pull(
    directory: Directory,
    app: o.AppId,
    server: o.Server = o.DEFAULT_SERVER,
    key: o.Key = None,
) -> None:
    """Write each suite of the app into DIRECTORY as <name>.yaml.

    File names are stable, so pulling an unchanged app twice gives the same files. Other
    files there are left alone (and listed when they look like suite files)."""

    def body() -> Exit:
        with o.connect(server, key) as api:
            pulled = pull_suites(api, app, directory)
        for path, _ in pulled:
            typer.echo(path)
        typer.echo(f"pulled {len(pulled)} suite(s) into {directory}", err=True)
        twins = sorted(name for name, n in Counter(name for _, name in pulled).items() if n > 1)
        if twins:
            typer.echo(
                f"several suites are named {', '.join(map(repr, twins))}: push matches suites "
                "by name, so rename all but one before pushing",
                err=True,
            )
        from orchestrator.services.suite_files import SUITE_FILE_SUFFIXES

        names = {path.name for path, _ in pulled}
        others = sorted(
            p.name
            for p in directory.iterdir()
            if p.suffix.lower() in SUITE_FILE_SUFFIXES and p.name not in names
        )
        if others:
            typer.echo(
                f"not suites of the app (left alone; push would create them): {', '.join(others)}",
                err=True,
            )
        return Exit.PASSED

    o.finish(body)


def _file_of(text: str, paths: list[Path]) -> str:
    """A server's ``suites[3].steps[0]: message`` with the file's name for ``suites[3]``."""

    def name(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return f"{paths[index].name}: " if index < len(paths) else match.group(0)

    return re.sub(r"suites\[(\d+)\]\.?", name, text)


@suites_app.command("push")
def push(
    directory: Directory,
    app: o.AppId,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
    ] = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Delete the app's suites that have no file here.")
    ] = False,
    as_json: o.Json = False,
    server: o.Server = o.DEFAULT_SERVER,
    key: o.Key = None,
) -> None:
    """Make the app's suites equal to the files of DIRECTORY.

    Suites are matched by name. A suite whose content did not change gets no new version;
    a changed one becomes its next version, its history kept (roll back with the API's
    versions routes); a new name is created; with --prune the app's suites without a file
    are deleted. Every file is checked first: on any fault each file and field is listed,
    nothing is written, and the exit is 2. All changes are made in one transaction."""

    def body() -> Exit:
        from orchestrator.services.suite_files import SuiteFilesInvalid, read_suite_files
        from runner import suite_to_dict

        try:
            files = read_suite_files(directory)
        except SuiteFilesInvalid as exc:
            raise ClientError(
                f"nothing pushed: {len(exc.problems)} problem(s) in {directory}", exc.problems
            ) from None
        except OSError as exc:
            raise ClientError(f"{exc.filename or directory}: {exc.strerror or exc}") from None
        paths = [path for path, _ in files]
        request = {
            "suites": [suite_to_dict(suite) for _, suite in files],
            "prune": prune,
            "dry_run": dry_run,
        }
        with o.connect(server, key) as api:
            try:
                result = api.data("POST", f"/apps/{app}/test-suites/sync", json=request)
            except ClientError as exc:
                raise ClientError(
                    f"nothing pushed: {_file_of(exc.message, paths)}",
                    [_file_of(d, paths) for d in exc.details],
                ) from None
        if as_json:
            o.print_json(result)
        else:
            _print_result(result, paths)
        return Exit.PASSED

    o.finish(body)


def _print_result(result: dict[str, Any], paths: list[Path]) -> None:
    rows = []
    for item in result["items"]:
        file = paths[item["index"]].name if item["index"] is not None else "-"
        before, after = item["previous_version"], item["version"]
        version = {
            "create": f"v{after}",
            "update": f"v{before} -> v{after}",
            "unchanged": f"v{after}",
            "delete": f"v{before} (deleted)",
        }[item["action"]]
        rows.append([item["action"], file, item["name"], item["id"] or "(new)", version])
    tables.echo(["ACTION", "FILE", "SUITE", "ID", "VERSION"], rows)
    note = " (dry run: nothing written)" if result["dry_run"] else ""
    typer.echo(
        f"{result['created']} created, {result['updated']} updated, "
        f"{result['unchanged']} unchanged, {result['deleted']} deleted{note}"
    )
