"""Generation documents and history rows. The history of an app is its GENERATE jobs,
each with the record its worker wrote (None while it has not started)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.generation_models import GenerationDocument, GenerationRecord
from storage.models import Job, TestSuite
from storage.pages import Page, offset_page, pages_by_key

GENERATE = "GENERATE"


def add_document(session: Session, document: GenerationDocument) -> GenerationDocument:
    session.add(document)
    session.flush()
    return document


def get_document(session: Session, org_id: str, document_id: str) -> GenerationDocument | None:
    document = session.get(GenerationDocument, document_id)
    return document if document is not None and document.org_id == org_id else None


def get_record(session: Session, job_id: str) -> GenerationRecord | None:
    return session.get(GenerationRecord, job_id)


def save_record(session: Session, record: GenerationRecord) -> GenerationRecord:
    session.add(record)
    session.flush()
    return record


def discard_attempt(session: Session, org_id: str, job_id: str) -> int:
    """Remove what an interrupted earlier attempt of the job wrote (its record and the
    suites it had saved), so that a retried job never keeps a suite twice. Returns how
    many suites went."""
    record = session.get(GenerationRecord, job_id)
    if record is None:
        return 0
    ids = [entry["test_suite_id"] for entry in json.loads(record.suites_json)]
    removed = 0
    if ids:
        result = session.exec(
            delete(TestSuite).where(
                col(TestSuite.org_id) == org_id,
                col(TestSuite.app_id) == record.app_id,
                col(TestSuite.id).in_(ids),
            )
        )
        removed = int(result.rowcount or 0)
    session.delete(record)
    session.flush()
    return removed


def _history(org_id: str, app_id: str) -> Any:
    return (
        select(Job, GenerationRecord)
        .join(GenerationRecord, col(GenerationRecord.job_id) == col(Job.id), isouter=True)
        .where(Job.org_id == org_id, Job.app_id == app_id, Job.type == GENERATE)
    )


def page_history(
    session: Session, org_id: str, app_id: str, offset: int, limit: int
) -> Page[tuple[Job, GenerationRecord | None]]:
    """The app's GENERATE jobs, newest first, each with its record (or None)."""
    statement = _history(org_id, app_id).order_by(col(Job.created_at).desc(), col(Job.id).desc())
    page = offset_page(session, statement, offset, limit)
    return Page(
        items=[(job, record) for job, record in page.items],
        total=page.total,
        has_next=page.has_next,
    )


def history_entry(
    session: Session, org_id: str, app_id: str, job_id: str
) -> tuple[Job, GenerationRecord | None] | None:
    """One GENERATE job of the app with its record; None when there is no such job."""
    row = session.exec(_history(org_id, app_id).where(Job.id == job_id)).first()
    return (row[0], row[1]) if row is not None else None


def history_of_apps(
    session: Session, org_id: str, app_ids: list[str], offset: int, limit: int
) -> dict[str, Page[tuple[Job, GenerationRecord | None]]]:
    """``page_history`` for several apps of the organization at once (three statements:
    the jobs, their totals, their records)."""
    pages = pages_by_key(
        session,
        select(Job).where(Job.org_id == org_id, Job.type == GENERATE),
        col(Job.app_id),
        app_ids,
        order_by=[col(Job.created_at).desc(), col(Job.id).desc()],
        offset=offset,
        limit=limit,
    )
    job_ids = [job.id for page in pages.values() for job in page.items]
    records = (
        {
            record.job_id: record
            for record in session.exec(
                select(GenerationRecord).where(col(GenerationRecord.job_id).in_(job_ids))
            ).all()
        }
        if job_ids
        else {}
    )
    return {
        app_id: Page(
            items=[(job, records.get(job.id)) for job in page.items],
            total=page.total,
            has_next=page.has_next,
        )
        for app_id, page in pages.items()
    }
