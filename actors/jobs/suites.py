"""Loading what a run needs: the app, its target auth and the suites to execute."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from runner import STORED_SUITE, Suite
from storage import apps as app_rows
from storage import suites as suite_rows
from storage.models import App


@dataclass(frozen=True)
class LoadedSuite:
    id: str
    version: int
    suite: Suite


@dataclass(frozen=True)
class RunInputs:
    app: App
    auth: dict[str, Any] | None
    suites: list[LoadedSuite]
    missing: list[str]


def load_inputs(
    session: Session, org_id: str, app_id: str, suite_ids: list[str] | None
) -> RunInputs | None:
    """The app and the suites to run (all of the app's when ``suite_ids`` is None);
    None when the app is gone."""
    return inputs_of(session, app_rows.get(session, org_id, app_id), suite_ids)


def inputs_of(session: Session, app: App | None, suite_ids: list[str] | None) -> RunInputs | None:
    """``load_inputs`` for an ``app`` read already (the claim reads it); None when
    there is no app."""
    if app is None:
        return None
    rows = suite_rows.bodies_for_app(session, app.org_id, app.id, suite_ids)
    found = {row.id for row in rows}
    if suite_ids is not None:
        order = {sid: i for i, sid in enumerate(suite_ids)}
        rows.sort(key=lambda row: order[row.id])
    suites = [
        LoadedSuite(
            row.id, row.version, Suite.model_validate_json(row.body_json, context=STORED_SUITE)
        )
        for row in rows
    ]
    missing = [sid for sid in suite_ids or [] if sid not in found]
    auth = json.loads(app.auth_json) if app.auth_json else None
    return RunInputs(app=app, auth=auth, suites=suites, missing=missing)
