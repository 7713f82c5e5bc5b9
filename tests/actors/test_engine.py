"""The engine's claim transaction, on SQLite and on PostgreSQL: one transaction claims the
job, reads its app and prepares its run; a job whose stored inputs cannot be read fails
(it is not claimed and rolled back for ever), and a duplicate message finds nothing."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

from actors.context import WorkerContext
from actors.engine import execute
from actors.jobs.run import run_job
from core.jobs import JobKind, JobStatus, RunParams
from core.settings import Settings
from storage import apps as app_rows
from storage import jobs as job_rows
from storage import orgs
from storage import suites as suite_rows
from storage.db import session_scope
from storage.events import build_event_store
from storage.models import App, Job, TestRun, TestSuite


def job_with_suite_body(engine: Engine, body_json: str) -> str:
    """A RUN job of an app with one suite stored as ``body_json``."""
    with session_scope(engine) as session:
        org, _ = orgs.get_or_create(session, "acme")
        app = app_rows.add(session, App(org_id=org.id, name="a", endpoint="http://127.0.0.1:9"))
        suite_rows.add(
            session, TestSuite(org_id=org.id, app_id=app.id, name="s", body_json=body_json)
        )
        params = RunParams(base_url="http://127.0.0.1:9").model_dump_json()
        job = job_rows.add(
            session, Job(org_id=org.id, app_id=app.id, type=JobKind.RUN, params_json=params)
        )
        session.commit()
        return job.id


def test_a_job_whose_suite_cannot_be_read_fails_once_and_stays_failed(
    engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=str(engine.url))
    ctx = WorkerContext(settings, engine, build_event_store(engine, None))
    job_id = job_with_suite_body(engine, json.dumps({"name": "s", "steps": "not a list"}))

    execute(ctx, job_id, run_job)
    execute(ctx, job_id, run_job)  # a duplicate message: nothing left to claim

    with session_scope(engine) as session:
        job = session.get(Job, job_id)
        runs = session.exec(select(TestRun).where(TestRun.job_id == job_id)).all()
    assert job is not None
    assert job.status == JobStatus.FAILED and job.attempts == 1, (job.status, job.error)
    assert job.error is not None and job.error.startswith("internal error: ValidationError")
    assert runs == []
