"""Schema coverage of an app: its document against its suites and latest finished run."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from actors.coverage import ObservedCall, compute_coverage
from core.errors import ValidationFailed
from orchestrator.schemas.generation import SchemaCoverage
from orchestrator.services import apps as app_service
from runner import STORED_SUITE, Suite
from storage import runs as run_rows
from storage import suites as suite_rows
from storage.models import TestRun


def schema_coverage(session: Session, org_id: str, app_id: str) -> SchemaCoverage:
    """Which documented operations and responses the app's suites exercise: the statuses
    its latest finished run received, or, before any run, those its suites assert.
    ValidationFailed when the app has no OpenAPI document."""
    app = app_service.get(session, org_id, app_id)
    if not app.openapi_json:
        raise ValidationFailed(
            "the app has no OpenAPI schema to measure coverage against: give it one "
            "(PUT /apps/{appId} with 'schema')",
            field="schema",
        )
    suites = [
        Suite.model_validate_json(row.body_json, context=STORED_SUITE)
        for row in suite_rows.all_for_app(session, org_id, app_id)
    ]
    run = run_rows.latest_run(session, org_id, app_id)
    observed = _observed(session, run) if run is not None else None
    report = compute_coverage(json.loads(app.openapi_json), suites, observed)
    return SchemaCoverage(
        **report.model_dump(),
        basis="latest_run" if run is not None else "suites",
        test_run_id=run.id if run is not None else None,
        test_suites=len(suites),
    )


def _observed(session: Session, run: TestRun) -> list[ObservedCall]:
    """Each step of the run as (method, path under the run's base URL, status)."""
    calls = []
    for report in run_rows.all_reports(session, run.id):
        steps: list[dict[str, Any]] = json.loads(report.steps_json)
        for step in steps:
            request, response = step.get("request"), step.get("response")
            if not request:
                continue  # never sent (template error, missing variable)
            calls.append(
                ObservedCall(
                    method=request["method"],
                    path=_relative(request["url"], run.base_url),
                    status=response["status"] if response else None,
                )
            )
    return calls


def _relative(url: str, base_url: str) -> str:
    # The base URL may carry a path of its own ('https://host/api'); the document's paths
    # start below it.
    base = base_url.rstrip("/")
    if url.startswith(base + "/"):
        return url[len(base) :]
    return url
