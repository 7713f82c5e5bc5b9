"""An app's suites as YAML files, one per suite, so that suites can live in git.

Writing gives each suite ``<slug of the name>.yaml`` (``-2``, ``-3``… for equal names,
in the given order), so writing the same suites twice gives the same files. Reading
takes every ``*.yaml``/``*.yml``/``*.json`` file of a directory and validates all of
them, naming every faulty file and field, before anything is sent anywhere. The
``gauntlet suites pull|push`` and ``gauntlet import`` commands use both.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from actors.generate.offline import suite_to_yaml
from core import safe_yaml
from runner import Suite

SUITE_FILE_SUFFIXES = (".yaml", ".yml", ".json")


class SuiteFilesInvalid(Exception):
    """Some files are not valid suites; ``problems`` holds one line per fault."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def file_stem(name: str) -> str:
    """A file-name stem for a suite name: lower case, dashes, at most 100 characters."""
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return stem[:100].rstrip("-") or "suite"


def write_suite_files(suites: list[Suite], out_dir: Path) -> list[Path]:
    """Write each suite into ``out_dir`` (created if needed); the paths, in order. Files
    of other names in ``out_dir`` are left alone."""
    out_dir.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written = []
    for suite in suites:
        stem, n = file_stem(suite.name), 2
        name = stem
        while name in taken:
            name, n = f"{stem}-{n}", n + 1
        taken.add(name)
        path = out_dir / f"{name}.yaml"
        path.write_text(suite_to_yaml(suite), "utf-8")
        written.append(path)
    return written


def read_suite_files(directory: Path, max_steps: int | None = None) -> list[tuple[Path, Suite]]:
    """Every suite file of ``directory``, sorted by name, each validated (and held to
    ``max_steps`` when given). Raises :class:`SuiteFilesInvalid` naming every faulty file
    and field, or OSError when the directory cannot be read."""
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
            problems.extend(f"{path.name}: {_where(e)}: {_message(e)}" for e in exc.errors())
            continue
        if max_steps is not None and len(suite.steps) > max_steps:
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


class _Unreadable(Exception):
    pass


def _load(path: Path) -> Any:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _Unreadable(f"cannot be read: {exc}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else safe_yaml.load(text)
    except safe_yaml.YAMLRefused as exc:
        raise _Unreadable(exc.message) from None
    except ValueError as exc:
        raise _Unreadable(f"not valid JSON: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise _Unreadable("not valid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise _Unreadable("a suite file holds one suite: a mapping with name and steps")
    return data


# Tags pydantic puts in an error's location for the member of a union (an assertion's
# type): they name no field, so a location reads like the API's (steps[0].assertions[1]).
_UNION_TAGS = frozenset({"status_code", "header", "json_path", "body", "schema", "latency_ms"})


def _where(error: Any) -> str:
    out, previous = "", None
    for part in error.get("loc", ()):
        if not (part in _UNION_TAGS and isinstance(previous, int)):
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        previous = part
    return out or "(file)"


def _message(error: Any) -> str:
    if error.get("type") == "extra_forbidden":
        return "unknown field"
    return str(error.get("msg", "invalid value")).removeprefix("Value error, ")
