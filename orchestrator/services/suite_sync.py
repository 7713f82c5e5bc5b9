"""Make an app's suites equal to a set of suites (a directory of files, pushed).

Suites are matched by name. A suite whose content is the same (compared in the canonical
form, so YAML formatting and key order do not count) is left alone: no new version. A
changed one becomes the next version of the same suite, its history kept, as a PUT
would; a new name is created; with ``prune`` the app's suites of other names are
deleted. All of it is one transaction: it happens whole or not at all, and ``dry_run``
reports the same plan without writing.
"""

from __future__ import annotations

import json

from sqlmodel import Session

from core.errors import Conflict, ValidationFailed
from orchestrator.schemas.suite_sync import SuiteSync, SyncAction, SyncItem, SyncResult
from orchestrator.services import apps as app_service
from runner import STORED_SUITE, Suite, suite_to_dict
from storage import suite_versions
from storage import suites as suite_rows
from storage.models import TestSuite

REASON_PUSHED = "pushed from files"


def _canonical(body_json: str) -> object:
    try:
        return suite_to_dict(Suite.model_validate_json(body_json, context=STORED_SUITE))
    except ValueError:
        # A stored body the model no longer accepts differs from any valid file.
        return None


def _check(request: SuiteSync, max_steps: int) -> None:
    seen: dict[str, int] = {}
    for index, suite in enumerate(request.suites):
        if len(suite.steps) > max_steps:
            raise ValidationFailed(
                f"{len(suite.steps)} steps exceed the maximum of {max_steps}",
                field=f"suites[{index}].steps",
            )
        if suite.name in seen:
            raise ValidationFailed(
                f"{suite.name!r} is also the name of suites[{seen[suite.name]}]",
                field=f"suites[{index}].name",
            )
        seen[suite.name] = index


def _create(session: Session, org_id: str, app_id: str, suite: Suite, body: str) -> str:
    row = TestSuite(
        org_id=org_id, app_id=app_id, name=suite.name, body_json=body, step_count=len(suite.steps)
    )
    return suite_rows.add(session, row).id


def _update(session: Session, row: TestSuite, suite: Suite, body: str) -> None:
    written = suite_versions.commit_version(
        session,
        row,
        name=suite.name,
        body_json=body,
        step_count=len(suite.steps),
        reason=REASON_PUSHED,
    )
    if written is None:
        session.rollback()
        raise Conflict(f"test suite {row.id} changed while pushing; nothing was written")


def _push_one(
    session: Session,
    org_id: str,
    app_id: str,
    index: int,
    suite: Suite,
    row: TestSuite | None,
    write: bool,
) -> SyncItem:
    body = suite_to_dict(suite)
    text = json.dumps(body)
    if row is None:
        new_id = _create(session, org_id, app_id, suite, text) if write else None
        return SyncItem(
            action="create",
            name=suite.name,
            index=index,
            id=new_id,
            version=1,
            previous_version=None,
        )
    action: SyncAction = "unchanged"
    version = row.version
    if _canonical(row.body_json) != body:
        if write:
            _update(session, row, suite, text)
        action, version = "update", row.version + 1
    return SyncItem(
        action=action,
        name=suite.name,
        index=index,
        id=row.id,
        version=version,
        previous_version=row.version,
    )


def sync(
    session: Session, org_id: str, app_id: str, request: SuiteSync, max_steps: int
) -> SyncResult:
    """Apply (or with ``dry_run`` only plan) the push; what changed, suite by suite.

    ValidationFailed for a suite over ``max_steps`` or two suites of one name; Conflict
    when a suite changed while pushing (nothing is written then)."""
    app_service.get(session, org_id, app_id)
    _check(request, max_steps)
    existing = suite_rows.all_for_app(session, org_id, app_id)
    by_name: dict[str, TestSuite] = {}
    for row in existing:
        by_name.setdefault(row.name, row)  # equal names: the oldest one is the match
    write = not request.dry_run
    items = [
        _push_one(session, org_id, app_id, index, suite, by_name.get(suite.name), write)
        for index, suite in enumerate(request.suites)
    ]
    if request.prune:
        kept = {item.id for item in items}
        gone = [row for row in existing if row.id not in kept]
        if gone and write:
            suite_rows.delete_many(session, org_id, app_id, [row.id for row in gone])
        items += [
            SyncItem(
                action="delete",
                name=row.name,
                index=None,
                id=row.id,
                version=None,
                previous_version=row.version,
            )
            for row in gone
        ]
    if write:
        session.commit()
    else:
        session.rollback()
    return SyncResult(
        dry_run=request.dry_run,
        created=sum(i.action == "create" for i in items),
        updated=sum(i.action == "update" for i in items),
        unchanged=sum(i.action == "unchanged" for i in items),
        deleted=sum(i.action == "delete" for i in items),
        items=items,
    )
