"""The run report as JSON, and the JSON Schema it follows.

``run-report.schema.json`` ships in the package (draft 2020-12), so that CI tooling can
validate what ``gauntlet run --json`` and ``?format=json`` produce. It is generated from
:class:`~orchestrator.reports.model.RunReport`; ``tests/orchestrator/reports`` fails when
the file and the model disagree (regenerate it with
``python -c "from orchestrator.reports.json_report import write_schema; write_schema()"``).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from orchestrator.reports.model import RunReport

SCHEMA_FILE = "run-report.schema.json"
SCHEMA_ID = "urn:gauntlet:run-report:1"


def run_json(report: RunReport) -> bytes:
    """The report as UTF-8 JSON, indented for people. A lone surrogate (possible in
    names that came in as JSON escapes) becomes ``?``: UTF-8 cannot carry it."""
    text = json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8", "replace")


def generated_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`RunReport`, as the shipped file should hold it."""
    schema = RunReport.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }


@cache
def run_report_schema() -> dict[str, Any]:
    """The shipped JSON Schema of the run report."""
    text = resources.files("orchestrator.reports").joinpath(SCHEMA_FILE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def schema_text() -> str:
    """The text the shipped schema file should hold."""
    return json.dumps(generated_schema(), indent=2) + "\n"


def write_schema() -> None:
    """Rewrite the shipped schema file from the model (in a source checkout)."""
    path = resources.files("orchestrator.reports").joinpath(SCHEMA_FILE)
    with resources.as_file(path) as file:
        file.write_text(schema_text(), "utf-8")
