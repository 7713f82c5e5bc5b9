"""Suite version history: listing, reading one version, rolling back.

A suite that never changed since history began has no row yet; its current version is
then shown from the suite itself, so every suite lists at least the version it has.
"""

from __future__ import annotations

import json

from pydantic import ValidationError
from sqlmodel import Session

from core.errors import Conflict, NotFound
from orchestrator.schemas.normalize import SuiteVersionPublic, SuiteVersionSummary
from orchestrator.services import suites as suite_service
from runner import Suite, suite_to_dict
from storage import suite_versions as version_rows
from storage.models import TestSuite
from storage.pages import Page


def _summary(
    row: TestSuite, version: int, body_json: str, reason: str, job_id: str | None, at: float
) -> SuiteVersionSummary:
    body = json.loads(body_json)
    return SuiteVersionSummary(
        suite_id=row.id,
        version=version,
        name=str(body.get("name", "")),
        step_count=len(body.get("steps", [])),
        current=version == row.version,
        reason=reason,
        job_id=job_id,
        created_at=int(at),
    )


def _of(row: TestSuite, version: version_rows.SuiteVersion) -> SuiteVersionSummary:
    return _summary(
        row, version.version, version.body_json, version.reason, version.job_id, version.created_at
    )


def _unrecorded_current(row: TestSuite) -> SuiteVersionSummary:
    first = row.version == 1
    reason = version_rows.REASON_CREATED if first else version_rows.REASON_RECORDED
    return _summary(
        row, row.version, row.body_json, reason, None, row.created_at if first else row.updated_at
    )


def page(
    session: Session, org_id: str, app_id: str, suite_id: str, offset: int, limit: int
) -> Page[SuiteVersionSummary]:
    """The suite's versions, newest first."""
    row = suite_service.get(session, org_id, app_id, suite_id)
    if version_rows.get(session, row.id, row.version) is not None:
        found = version_rows.page(session, row.id, offset, limit)
        return Page([_of(row, v) for v in found.items], found.total, found.has_next)
    # The current version leads the list without a row of its own: shift by one.
    if offset == 0:
        found = version_rows.page(session, row.id, 0, limit - 1)
        items = [_unrecorded_current(row), *(_of(row, v) for v in found.items)]
    else:
        found = version_rows.page(session, row.id, offset - 1, limit)
        items = [_of(row, v) for v in found.items]
    return Page(items, found.total + 1, found.has_next)


def get(
    session: Session, org_id: str, app_id: str, suite_id: str, version: int
) -> SuiteVersionPublic:
    """One version with its suite body; NotFound when the suite never had it."""
    row = suite_service.get(session, org_id, app_id, suite_id)
    summary, body_json = _find(session, row, version)
    return SuiteVersionPublic(**summary.model_dump(), suite=json.loads(body_json))


def rollback(
    session: Session, org_id: str, app_id: str, suite_id: str, version: int, max_steps: int
) -> TestSuite:
    """Make ``version``'s body the suite's next version; the suite as it now is.

    NotFound for an unknown version; Conflict when it is the current version, is no
    longer a valid suite, or the suite changed while rolling back.
    """
    row = suite_service.get(session, org_id, app_id, suite_id)
    _, body_json = _find(session, row, version)
    if version == row.version:
        raise Conflict(f"version {version} is already the current version")
    try:
        suite = Suite.model_validate_json(body_json)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise Conflict(
            f"version {version} is not a valid suite any more ({where}: {first['msg']})"
        ) from None
    if len(suite.steps) > max_steps:
        raise Conflict(f"version {version} has more than {max_steps} steps")
    new_version = version_rows.commit_version(
        session,
        row,
        name=suite.name,
        body_json=json.dumps(suite_to_dict(suite)),
        step_count=len(suite.steps),
        reason=f"rollback to version {version}",
    )
    if new_version is None:
        session.rollback()
        raise Conflict("the suite changed while rolling back; read it again and retry")
    session.commit()
    session.refresh(row)
    return row


def _find(session: Session, row: TestSuite, version: int) -> tuple[SuiteVersionSummary, str]:
    recorded = version_rows.get(session, row.id, version)
    if recorded is not None:
        return _of(row, recorded), recorded.body_json
    if version == row.version:
        return _unrecorded_current(row), row.body_json
    raise NotFound(f"version {version} of test suite {row.id} not found")
