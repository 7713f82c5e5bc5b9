"""A PostgreSQL outage under a running job: the worker's lease watcher says so once when
it starts failing (and at info when it works again), instead of a traceback every tick (four a
second) for as long as the outage lasts, and the job keeps its lease through it."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy.engine import Engine
from structlog.testing import capture_logs

from actors.context import WorkerContext
from actors.lease import STOP_POLL_SECONDS, LeaseKeeper
from core.jobs import JobKind, JobStatus
from core.settings import Settings
from storage import jobs as job_rows
from storage import orgs
from storage.db import build_engine, session_scope
from storage.events import build_event_store
from storage.migrate import upgrade
from storage.models import Job
from tests.support.outages import stoppable_postgres
from tests.support.services import create_database

OUTAGE_S = 2.0
LEASE_S = 6


def lease_expiry(engine: Engine, job_id: str) -> float:
    with session_scope(engine) as session:
        job = session.get(Job, job_id)
        assert job is not None and job.lease_expires_at is not None
        return job.lease_expires_at


def test_an_outage_is_logged_once_and_the_lease_survives_it(tmp_path: Path) -> None:
    with stoppable_postgres() as database:
        engine = build_engine(create_database(database.url, "leases"))
        try:
            upgrade(engine)
            settings = Settings(
                data_dir=tmp_path, database_url=str(engine.url), job_lease_seconds=LEASE_S
            )
            ctx = WorkerContext(settings, engine, build_event_store(engine, None))
            with session_scope(engine) as session:
                org, _ = orgs.get_or_create(session, "acme")
                job = job_rows.add(
                    session,
                    Job(
                        org_id=org.id,
                        type=JobKind.RUN,
                        status=JobStatus.RUNNING,
                        lease_owner=ctx.worker_id,
                        lease_expires_at=time.time() + settings.job_lease_seconds,
                    ),
                )
                session.commit()
                job_id = job.id
            with capture_logs() as records, LeaseKeeper(ctx, job_id) as keeper:
                time.sleep(3 * STOP_POLL_SECONDS)  # watched, and polled without fault
                database.stop()
                time.sleep(OUTAGE_S)  # about eight ticks fail
                database.start()
                restarted_at = time.time()
                # Renewed again (every lease / 3): the watcher works after the outage.
                deadline = time.monotonic() + 30
                while lease_expiry(engine, job_id) < restarted_at + LEASE_S / 2:
                    assert time.monotonic() < deadline, records
                    time.sleep(STOP_POLL_SECONDS)
                lost = keeper.lost
        finally:
            engine.dispose()

    # Warnings only (the recovery is logged at info, below the tests' log level).
    events = [r["event"] for r in records if r["event"].startswith("job.lease")]
    assert events == ["job.lease_renewal_failed"], events
    assert not lost
