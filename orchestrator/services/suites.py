"""Test suites of an app: validated on every write, paged by signed cursor."""

from __future__ import annotations

import json
import time

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.errors import Conflict, NotFound, ValidationFailed
from orchestrator.pagination import decode_cursor, encode_cursor
from orchestrator.schemas.suites import BulkDeleteResult, TestSuitePublic, TestSuiteSummary
from orchestrator.services import apps as app_service
from runner import Suite, suite_to_dict
from storage import suite_versions
from storage import suites as suite_rows
from storage.models import TestSuite
from storage.pages import Page


def _check_size(suite: Suite, max_steps: int) -> None:
    if len(suite.steps) > max_steps:
        raise ValidationFailed(
            f"{len(suite.steps)} steps exceed the maximum of {max_steps}", field="steps"
        )


def load(row: TestSuite) -> Suite:
    return Suite.model_validate_json(row.body_json)


def public(row: TestSuite) -> TestSuitePublic:
    return TestSuitePublic(
        **json.loads(row.body_json),
        id=row.id,
        app_id=row.app_id,
        version=row.version,
        step_count=row.step_count,
        created_at=int(row.created_at),
        updated_at=int(row.updated_at),
    )


def summary(row: TestSuite) -> TestSuiteSummary:
    body = json.loads(row.body_json)
    return TestSuiteSummary(
        id=row.id,
        app_id=row.app_id,
        name=row.name,
        labels=body.get("labels", []),
        step_count=row.step_count,
        version=row.version,
        created_at=int(row.created_at),
        updated_at=int(row.updated_at),
    )


def get(session: Session, org_id: str, app_id: str, suite_id: str) -> TestSuite:
    app_service.get(session, org_id, app_id)
    row = suite_rows.get(session, org_id, app_id, suite_id)
    if row is None:
        raise NotFound(f"test suite {suite_id} not found")
    return row


def create(session: Session, org_id: str, app_id: str, suite: Suite, max_steps: int) -> TestSuite:
    app_service.get(session, org_id, app_id)
    _check_size(suite, max_steps)
    row = suite_rows.add(
        session,
        TestSuite(
            org_id=org_id,
            app_id=app_id,
            name=suite.name,
            body_json=json.dumps(suite_to_dict(suite)),
            step_count=len(suite.steps),
        ),
    )
    session.commit()
    return row


def replace(
    session: Session, org_id: str, app_id: str, suite_id: str, suite: Suite, max_steps: int
) -> TestSuite:
    row = get(session, org_id, app_id, suite_id)
    _check_size(suite, max_steps)
    suite_versions.record_replacement(session, row, json.dumps(suite_to_dict(suite)))
    row.name = suite.name
    row.body_json = json.dumps(suite_to_dict(suite))
    row.step_count = len(suite.steps)
    row.version += 1
    row.updated_at = time.time()
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        # Another writer recorded the same version first (the unique suite/version key).
        session.rollback()
        raise Conflict(f"test suite {suite_id} was changed concurrently; retry") from None
    return row


def delete(session: Session, org_id: str, app_id: str, suite_id: str) -> None:
    row = get(session, org_id, app_id, suite_id)
    suite_rows.delete_many(session, org_id, app_id, [row.id])
    session.commit()


def bulk_delete(session: Session, org_id: str, app_id: str, ids: list[str]) -> BulkDeleteResult:
    app_service.get(session, org_id, app_id)
    unique = list(dict.fromkeys(ids))
    existing = {row.id for row in suite_rows.all_for_app(session, org_id, app_id, unique)}
    deleted = suite_rows.delete_many(session, org_id, app_id, sorted(existing))
    session.commit()
    return BulkDeleteResult(
        deleted_count=deleted, not_found=[i for i in unique if i not in existing]
    )


def page(
    session: Session, org_id: str, app_id: str, after: str | None, size: int, key: bytes
) -> tuple[list[TestSuite], bool, int, str | None]:
    """``(rows, has_next, total, next_cursor)``."""
    app_service.get(session, org_id, app_id)
    result = suite_rows.page_after(session, org_id, app_id, decode_cursor(after, key, org_id), size)
    last = result.items[-1].pk if result.items and result.has_next else None
    cursor = encode_cursor(last, key, org_id) if last is not None else None
    return result.items, result.has_next, result.total, cursor


def require_suites(
    session: Session, org_id: str, app_id: str, ids: list[str] | None, purpose: str
) -> list[str]:
    """The ids of the listed suites of the app (all of them when ``ids`` is None) for a
    job to use; ValidationFailed naming ``test_suite_ids`` for unknown ids or when there
    are none."""
    found = suite_rows.ids_for_app(session, org_id, app_id, ids)
    if ids is not None:
        missing = sorted(set(ids) - set(found))
        if missing:
            raise ValidationFailed(
                f"unknown test suite(s): {', '.join(missing)}", field="test_suite_ids"
            )
    if not found:
        raise ValidationFailed(f"the app has no test suites to {purpose}", field="test_suite_ids")
    return found


def pages_of_apps(
    session: Session, org_id: str, app_ids: list[str], after_pk: int, size: int
) -> dict[str, Page[TestSuite]]:
    """``page`` of several apps at once after the suite key ``after_pk`` (a decoded
    cursor), for batching; the apps come fenced by organization."""
    return suite_rows.pages_of_apps(session, org_id, app_ids, after_pk, size)


def labels_of(row: TestSuite) -> list[str]:
    """The suite's labels, as its body holds them."""
    labels = json.loads(row.body_json).get("labels", [])
    return [str(label) for label in labels]


def select_suites(
    session: Session,
    org_id: str,
    app_id: str,
    ids: list[str] | None,
    labels: list[str] | None,
    purpose: str,
) -> list[str]:
    """The ids of the suites a job uses: those with any of ``labels``, else the listed
    ``ids``, else all of them (:func:`require_suites`). ValidationFailed naming ``labels`` when both
    selectors are given or no suite carries any of the labels."""
    if labels is None:
        return require_suites(session, org_id, app_id, ids, purpose)
    if ids is not None:
        raise ValidationFailed("give test_suite_ids or labels, not both", field="labels")
    wanted = set(labels)
    chosen = [
        row.id
        for row in suite_rows.all_for_app(session, org_id, app_id, None)
        if wanted.intersection(labels_of(row))
    ]
    if not chosen:
        raise ValidationFailed(
            f"no test suite of the app has the label(s) {', '.join(sorted(wanted))}",
            field="labels",
        )
    return chosen
