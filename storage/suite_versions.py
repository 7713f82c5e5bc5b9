"""Suite version history: one row per version a suite had, with why it was made.

History starts when a suite first changes after this table existed: the version it had
until then is recorded at that moment (``ensure_current``), so rolling back to it stays
possible. Rows go with their suite (``ON DELETE CASCADE``), including when its app is
deleted.

Writing a new version and bumping the suite row is one compare-and-set
(:func:`commit_version`): a writer that read an older version changes nothing, so a
normalize job never overwrites a suite that was edited while it worked.
"""

from __future__ import annotations

import time

from sqlalchemy import Column, ForeignKey, String, Text, UniqueConstraint, update
from sqlmodel import Field, Session, SQLModel, col, select

from storage.models import TestSuite, now
from storage.pages import Page, offset_page

REASON_CREATED = "created"
REASON_RECORDED = "recorded before the first tracked change"
REASON_UPDATED = "updated"


class SuiteVersion(SQLModel, table=True):
    """The body of one suite at one version."""

    __tablename__ = "suite_versions"
    # The unique constraint's index also serves every lookup (all are by suite).
    __table_args__ = (
        UniqueConstraint("suite_id", "version", name="uq_suite_versions_suite_version"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    suite_id: str = Field(
        sa_column=Column(
            String(40), ForeignKey("test_suites.id", ondelete="CASCADE"), nullable=False
        )
    )
    org_id: str = Field(max_length=40)
    app_id: str = Field(max_length=40)
    version: int
    body_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: float = Field(default_factory=now)
    reason: str = Field(max_length=500)
    job_id: str | None = Field(default=None, max_length=40)


def get(session: Session, suite_id: str, version: int) -> SuiteVersion | None:
    return session.exec(
        select(SuiteVersion).where(
            SuiteVersion.suite_id == suite_id, SuiteVersion.version == version
        )
    ).first()


def page(session: Session, suite_id: str, offset: int, limit: int) -> Page[SuiteVersion]:
    """The suite's recorded versions, newest first."""
    statement = (
        select(SuiteVersion)
        .where(SuiteVersion.suite_id == suite_id)
        .order_by(col(SuiteVersion.version).desc())
    )
    return offset_page(session, statement, offset, limit)


def made_by_job(session: Session, suite_id: str, job_id: str) -> SuiteVersion | None:
    """The version ``job_id`` wrote for the suite, if any (a retried job finds its own)."""
    return session.exec(
        select(SuiteVersion).where(SuiteVersion.suite_id == suite_id, SuiteVersion.job_id == job_id)
    ).first()


def ensure_current(session: Session, suite: TestSuite) -> None:
    """Record the suite's current version if history does not hold it yet."""
    if get(session, suite.id, suite.version) is not None:
        return
    first = suite.version == 1
    session.add(
        SuiteVersion(
            suite_id=suite.id,
            org_id=suite.org_id,
            app_id=suite.app_id,
            version=suite.version,
            body_json=suite.body_json,
            created_at=suite.created_at if first else suite.updated_at,
            reason=REASON_CREATED if first else REASON_RECORDED,
        )
    )
    session.flush()


def record_replacement(
    session: Session, suite: TestSuite, body_json: str, reason: str = REASON_UPDATED
) -> None:
    """Before ``suite`` is replaced by ``body_json`` (and its version bumped by one by the
    caller): keep the version it has now and record the one it is about to get."""
    _add_next_version(session, suite, body_json, reason)


def commit_version(
    session: Session,
    suite: TestSuite,
    *,
    name: str,
    body_json: str,
    step_count: int,
    reason: str,
    job_id: str | None = None,
) -> int | None:
    """Make ``body_json`` the suite's next version if the suite is still at
    ``suite.version``; the new version number, or None when someone changed it first.

    The suite row is updated with a conditional UPDATE rather than through the ORM
    object, so ``suite`` is not modified; read the row again for its new state.
    """
    new_version = suite.version + 1
    # The conditional UPDATE comes first: it takes the row lock, so a concurrent writer
    # waits here and then finds the version moved on, instead of racing on history rows.
    changed = session.execute(
        update(TestSuite)
        .where(col(TestSuite.id) == suite.id, col(TestSuite.version) == suite.version)
        .values(
            name=name,
            body_json=body_json,
            step_count=step_count,
            version=new_version,
            updated_at=time.time(),
        )
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    # ``suite`` still holds the body it had before the UPDATE (not synchronized).
    _add_next_version(session, suite, body_json, reason, job_id)
    return new_version


def _add_next_version(
    session: Session, suite: TestSuite, body_json: str, reason: str, job_id: str | None = None
) -> None:
    """Keep the version ``suite`` has now (if not kept yet) and record ``body_json`` as
    the one after it."""
    ensure_current(session, suite)
    session.add(
        SuiteVersion(
            suite_id=suite.id,
            org_id=suite.org_id,
            app_id=suite.app_id,
            version=suite.version + 1,
            body_json=body_json,
            reason=reason,
            job_id=job_id,
        )
    )
    session.flush()
