"""An app's suites as YAML files, one per suite, so that suites can live in git.

Export writes ``<slug of the name>.yaml`` (``-2``, ``-3``… for equal names, in creation
order), so exporting an unchanged app twice gives the same files. Import reads every
``*.yaml``/``*.yml``/``*.json`` file of a directory, validates all of them before it
touches the database, and then, in one transaction, replaces the app's suite of the
same name (its version goes up) or creates a new one. So an export edited and imported
back updates the suites instead of doubling them.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlmodel import Session

from actors.generate.offline import suite_to_yaml
from core.errors import NotFound
from runner import Suite, suite_to_dict
from storage import suites as suite_rows
from storage import unfenced
from storage.models import App, TestSuite

SUITE_FILE_SUFFIXES = (".yaml", ".yml", ".json")


class SuiteFilesInvalid(Exception):
    """Some files are not valid suites; ``problems`` holds one line per fault."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    created: list[str]
    replaced: list[str]


def file_stem(name: str) -> str:
    """A file-name stem for a suite name: lower case, dashes, at most 100 characters."""
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return stem[:100].rstrip("-") or "suite"


def app_or_404(session: Session, app_id: str) -> App:
    app = unfenced.app_by_id(session, app_id)
    if app is None:
        raise NotFound(f"app {app_id} not found")
    return app


def export_app(session: Session, app_id: str, out_dir: Path) -> list[Path]:
    """Write every suite of the app into ``out_dir`` (created if needed); the paths, in
    creation order. Files of other names in ``out_dir`` are left alone."""
    app = app_or_404(session, app_id)
    rows = suite_rows.all_for_app(session, app.org_id, app.id)
    out_dir.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written = []
    for row in rows:
        stem, n = file_stem(row.name), 2
        name = stem
        while name in taken:
            name, n = f"{stem}-{n}", n + 1
        taken.add(name)
        path = out_dir / f"{name}.yaml"
        path.write_text(suite_to_yaml(Suite.model_validate_json(row.body_json)), "utf-8")
        written.append(path)
    return written


def read_suite_files(directory: Path, max_steps: int) -> list[tuple[Path, Suite]]:
    """Every suite file of ``directory``, sorted by name, each validated. Raises
    :class:`SuiteFilesInvalid` naming every faulty file and field, or OSError when the
    directory cannot be read."""
    if not directory.is_dir():
        raise SuiteFilesInvalid([f"{directory}: not a directory"])
    paths = sorted(p for p in directory.iterdir() if p.suffix.lower() in SUITE_FILE_SUFFIXES)
    if not paths:
        raise SuiteFilesInvalid([f"{directory}: no suite files (*.yaml, *.yml, *.json)"])
    problems: list[str] = []
    suites: list[tuple[Path, Suite]] = []
    names: dict[str, Path] = {}
    for path in paths:
        try:
            suite = Suite.model_validate(_load(path))
        except _Unreadable as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        except ValidationError as exc:
            problems.extend(f"{path.name}: {_where(e)}: {e['msg']}" for e in exc.errors()[:5])
            continue
        if len(suite.steps) > max_steps:
            problems.append(
                f"{path.name}: steps: {len(suite.steps)} exceed the maximum {max_steps}"
            )
        if suite.name in names:
            problems.append(
                f"{path.name}: name: {suite.name!r} is also the name in {names[suite.name].name}"
            )
        names.setdefault(suite.name, path)
        suites.append((path, suite))
    if problems:
        raise SuiteFilesInvalid(problems)
    return suites


def import_suites(session: Session, app_id: str, suites: list[tuple[Path, Suite]]) -> ImportResult:
    """Replace the app's suites of the same names and create the others, then commit once.
    Nothing is written when the app does not exist (NotFound)."""
    app = app_or_404(session, app_id)
    existing: dict[str, TestSuite] = {}
    for row in suite_rows.all_for_app(session, app.org_id, app.id):
        existing.setdefault(row.name, row)  # equal names: the oldest one is replaced
    result = ImportResult(created=[], replaced=[])
    for _, suite in suites:
        body = json.dumps(suite_to_dict(suite))
        same_name = existing.get(suite.name)
        if same_name is None:
            created = suite_rows.add(
                session,
                TestSuite(
                    org_id=app.org_id,
                    app_id=app.id,
                    name=suite.name,
                    body_json=body,
                    step_count=len(suite.steps),
                ),
            )
            result.created.append(created.id)
            continue
        same_name.body_json, same_name.step_count = body, len(suite.steps)
        same_name.version += 1
        same_name.updated_at = time.time()
        session.add(same_name)
        result.replaced.append(same_name.id)
    session.commit()
    return result


class _Unreadable(Exception):
    pass


def _load(path: Path) -> Any:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _Unreadable(f"cannot be read: {exc}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise _Unreadable(
            f"not valid {path.suffix[1:].upper()}: {str(exc).splitlines()[0]}"
        ) from None
    if not isinstance(data, dict):
        raise _Unreadable("a suite file holds one suite: a mapping with name and steps")
    return data


def _where(error: Any) -> str:
    return ".".join(str(part) for part in error.get("loc", ())) or "(file)"
