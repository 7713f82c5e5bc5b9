"""Finished-job metrics: a worker that appended a job's ``job.started`` counts its end
without reading the job row; an end it did not see start (the API cancelling a queued
job) takes the kind from the row."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from core import metrics
from core.jobs import JobKind
from orchestrator.metrics.events import MetricsEventStore, StartedJobs
from storage import jobs as job_rows
from storage import orgs
from storage.db import session_scope
from storage.events import NewEvent, SqlEventStore
from storage.models import Job


@pytest.fixture
def job_reads(engine: Engine) -> Iterator[list[str]]:
    """Every statement sent that reads the jobs table."""
    reads: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and " jobs" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    yield reads
    event.remove(engine, "before_cursor_execute", seen)


def a_job(engine: Engine, kind: JobKind) -> tuple[str, str]:
    started = time.time() - 3  # epoch seconds, as the rows keep them
    with session_scope(engine) as session:
        org, _ = orgs.get_or_create(session, "acme")
        job = Job(org_id=org.id, type=kind, started_at=started, finished_at=started)
        job = job_rows.add(session, job)
        session.commit()
        return job.id, org.id


def finished(kind: str, status: str) -> float:
    return metrics.JOBS_FINISHED.labels(kind, status)._value.get()


def test_a_job_started_here_is_counted_at_its_end_without_reading_its_row(
    engine: Engine, job_reads: list[str]
) -> None:
    store = MetricsEventStore(SqlEventStore(engine), engine)
    job_id, org_id = a_job(engine, JobKind.VALIDATE)
    before = finished("VALIDATE", "COMPLETED")
    started = {"attempt": 1, "worker": "w1", "job_type": "VALIDATE"}
    store.append(
        job_id, org_id, None, [NewEvent(type="job.started", status="RUNNING", data=started)]
    )
    store.append(job_id, org_id, None, [NewEvent(type="job.completed", status="COMPLETED")])
    assert finished("VALIDATE", "COMPLETED") == before + 1
    assert job_reads == []


def test_an_end_not_seen_starting_here_takes_the_kind_from_the_row(
    engine: Engine, job_reads: list[str]
) -> None:
    store = MetricsEventStore(SqlEventStore(engine), engine)
    job_id, org_id = a_job(engine, JobKind.NORMALIZE)
    before = finished("NORMALIZE", "CANCELLED")
    store.append(job_id, org_id, None, [NewEvent(type="job.cancelled", status="CANCELLED")])
    assert finished("NORMALIZE", "CANCELLED") == before + 1
    assert len(job_reads) == 1


def test_the_oldest_started_jobs_are_forgotten_past_the_limit() -> None:
    started = StartedJobs(limit=2)
    for job in ("a", "b", "c"):
        started.started(job, "RUN")
    assert started.ended("a") is None
    kind, seconds = started.ended("c") or ("", -1.0)
    assert kind == "RUN" and 0 <= seconds < 5
    assert started.ended("c") is None  # counted once
