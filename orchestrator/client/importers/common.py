"""What the importers share: their result, and building steps that the suite model accepts."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from runner import Suite

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# Gauntlet's names for the dynamic variables other tools offer under another name.
DYNAMIC_VARIABLES = {
    "$guid": "$uuid",
    "$randomUUID": "$uuid",
    "$timestamp": "$timestamp",
    "$isoTimestamp": "$isoTimestamp",
    "$randomInt": "$randomInt",
}
_DYNAMIC = re.compile(r"\{\{\s*(\$[A-Za-z]\w*)\s*\}\}")
# An unquoted placeholder where a JSON value goes: {"id": {{id}}}.
_BARE_PLACEHOLDER = re.compile(r"(?<![\"\w])(\{\{\s*[$A-Za-z_][\w.\-]*\s*\}\})(?![\"\w])")
MAX_NAME = 200


class ImportFailed(Exception):
    """The input is not what the importer reads (not JSON, not a collection, …)."""


@dataclass
class Imported:
    suites: list[Suite] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    base_urls: Counter[str] = field(default_factory=Counter)

    def note(self, where: str, what: str) -> None:
        self.notes.append(f"{where}: {what}" if where else what)


def name(text: str, fallback: str) -> str:
    """A suite or step name the model accepts."""
    clean = " ".join(str(text).split()) or fallback
    return clean if len(clean) <= MAX_NAME else clean[: MAX_NAME - 1] + "…"


def dynamic_variables(text: str, imported: Imported, where: str) -> str:
    """``text`` with other tools' dynamic variables renamed to Gauntlet's; unknown ones
    are noted (they will fail the step as undefined variables)."""

    def swap(match: re.Match[str]) -> str:
        known = DYNAMIC_VARIABLES.get(match.group(1))
        if known is None:
            imported.note(where, f"dynamic variable {match.group(1)} has no equivalent")
            return match.group(0)
        return "{{" + known + "}}"

    return _DYNAMIC.sub(swap, text)


def json_body(text: str) -> Any:
    """The JSON value of a body text, placeholders allowed where values go; raises
    ValueError when it is not JSON even so."""
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(_BARE_PLACEHOLDER.sub(r'"\1"', text))


def build_suite(
    suite_name: str,
    steps: list[dict[str, Any]],
    variables: dict[str, Any],
    labels: list[str],
    imported: Imported,
) -> None:
    """Validate and add a suite; a step the model refuses is left out with a note."""
    kept = []
    for step in steps:
        try:
            Suite.model_validate({"name": "probe", "steps": [step]})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"][2:]) or "step"
            imported.note(
                f"{suite_name} > {step.get('name')}", f"left out ({where}: {first['msg']})"
            )
            continue
        kept.append(step)
    if not kept:
        imported.note(suite_name, "no request could be imported")
        return
    suite: dict[str, Any] = {"name": name(suite_name, "imported"), "labels": labels, "steps": kept}
    if variables:
        suite["variables"] = variables
    imported.suites.append(Suite.model_validate(suite))
