"""Job state transitions as conditional updates, on SQLite and on PostgreSQL: whoever
loses a race changes nothing, and terminal states never change."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine
from sqlmodel import select

from core.jobs import JobKind, JobStatus
from storage import job_states, orgs
from storage import jobs as job_rows
from storage import runs as run_rows
from storage.db import session_scope
from storage.models import Job, SuiteReport, TestRun

LEASE_S = 30.0


def new_job(engine: Engine) -> str:
    with session_scope(engine) as session:
        org, _ = orgs.get_or_create(session, "acme")
        job = job_rows.add(session, Job(org_id=org.id, type=JobKind.RUN))
        session.commit()
        return job.id


def status(engine: Engine, job_id: str) -> str | None:
    with session_scope(engine) as session:
        return job_states.status_of(session, job_id)


def test_cancelling_a_queued_job_makes_it_unclaimable(engine: Engine) -> None:
    job_id = new_job(engine)
    with session_scope(engine) as session:
        assert job_states.cancel_queued(session, job_id)
        session.commit()
        assert job_states.claim(session, job_id, "w1", LEASE_S) is None

    assert status(engine, job_id) == JobStatus.CANCELLED


def test_a_claimed_job_is_not_cancelled_but_asked_to_stop(engine: Engine) -> None:
    job_id = new_job(engine)
    with session_scope(engine) as session:
        assert job_states.claim(session, job_id, "w1", LEASE_S) is not None
        assert not job_states.cancel_queued(session, job_id)
        assert job_states.request_stop(session, job_id)
        session.commit()
        lease = job_states.renew(session, job_id, "w1", LEASE_S)

    assert status(engine, job_id) == JobStatus.RUNNING
    assert lease.held and lease.stop_requested


def test_a_finished_job_can_be_neither_cancelled_nor_stopped(engine: Engine) -> None:
    job_id = new_job(engine)
    with session_scope(engine) as session:
        job_states.claim(session, job_id, "w1", LEASE_S)
        assert job_states.finish(session, job_id, "w1", JobStatus.COMPLETED)
        session.commit()
        assert not job_states.cancel_queued(session, job_id)
        assert not job_states.request_stop(session, job_id)
        assert not job_states.finish(session, job_id, "w1", JobStatus.FAILED)
        session.commit()

    assert status(engine, job_id) == JobStatus.COMPLETED


def race_claim_and_cancel(engine: Engine, job_id: str) -> dict[str, bool]:
    """A worker's claim and a user's cancel of ``job_id``, released at the same instant."""
    start = threading.Barrier(2)
    won: dict[str, bool] = {}

    def claim() -> None:
        start.wait()
        with session_scope(engine) as session:
            won["claim"] = job_states.claim(session, job_id, "w1", LEASE_S) is not None

    def cancel() -> None:
        start.wait()
        with session_scope(engine) as session:
            won["cancel"] = job_states.cancel_queued(session, job_id)
            session.commit()

    threads = [threading.Thread(target=claim), threading.Thread(target=cancel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won


def test_cancel_and_claim_racing_leave_exactly_one_winner(engine: Engine) -> None:
    winners = set()
    for _ in range(30):
        job_id = new_job(engine)
        won = race_claim_and_cancel(engine, job_id)
        final = status(engine, job_id)
        assert won["claim"] != won["cancel"], (won, final)
        assert final == (JobStatus.RUNNING if won["claim"] else JobStatus.CANCELLED)
        winners.add(final)
    assert winners <= {JobStatus.RUNNING, JobStatus.CANCELLED}


def test_a_test_run_finishes_once(engine: Engine) -> None:
    job_id = new_job(engine)
    with session_scope(engine) as session:
        job = session.get(Job, job_id)
        assert job is not None
        run = run_rows.add_run(
            session, TestRun(org_id=job.org_id, app_id="app_1", job_id=job_id, base_url="http://x")
        )
        session.commit()
        assert job_states.finish_run(session, run.id, status="PASSED", passed_suites=1)
        assert not job_states.finish_run(session, run.id, status="FAILED", failed_suites=1)
        session.commit()
        session.refresh(run)

    assert (run.status, run.passed_suites, run.failed_suites) == ("PASSED", 1, 0)


def test_finishing_writes_commit_on_their_own_and_once(engine: Engine) -> None:
    job_id = new_job(engine)
    with session_scope(engine) as session:
        assert job_states.claim(session, job_id, "w1", LEASE_S) is not None
        job = session.get(Job, job_id)
        assert job is not None
        run = run_rows.add_run(
            session, TestRun(org_id=job.org_id, app_id="app_1", job_id=job_id, base_url="http://x")
        )
        session.commit()
    report = SuiteReport(
        org_id=job.org_id,
        app_id="app_1",
        run_id=run.id,
        suite_name="s",
        status="PASSED",
        steps_json="[]",
    )

    report_id = job_states.add_report_durably(engine, report)
    finished = job_states.finish_run_durably(engine, run.id, status="PASSED", passed_suites=1)
    assert job_states.finish_durably(engine, job_id, "w1", JobStatus.COMPLETED)
    # Another worker's finish (or a redelivered message's) changes nothing.
    assert not job_states.finish_durably(engine, job_id, "w2", JobStatus.FAILED)

    assert report_id == report.id
    assert finished is not None and finished.status == "PASSED"
    assert status(engine, job_id) == JobStatus.COMPLETED
    with session_scope(engine) as session:
        stored = session.exec(select(SuiteReport).where(SuiteReport.run_id == run.id)).all()
    assert [r.id for r in stored] == [report_id]
