"""An organization's limits at the row level, on SQLite and on PostgreSQL: usage counters
charged by conditional updates, claims gated by concurrency limits. Racing threads never
pass a limit, and a job that ends by any path frees its room (there is no counter to
drift)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine

from core.jobs import JobKind, JobStatus
from storage import job_states, orgs, plans, usage
from storage import jobs as job_rows
from storage.db import session_scope
from storage.job_states import OrgGate
from storage.models import Job

LEASE_S = 30.0
PERIOD = 1_800_000_000


def org_id(engine: Engine, name: str = "acme") -> str:
    with session_scope(engine) as session:
        org, _ = orgs.get_or_create(session, name)
        session.commit()
        return org.id


def new_jobs(engine: Engine, org: str, count: int, virtual_users: int = 0) -> list[str]:
    with session_scope(engine) as session:
        ids = [
            job_rows.add(
                session, Job(org_id=org, type=JobKind.LOAD_TEST, virtual_users=virtual_users)
            ).id
            for _ in range(count)
        ]
        session.commit()
        return ids


def race(count: int, action: Callable[[int], bool]) -> int:
    """Run ``action(i)`` on ``count`` threads released at once; how many returned True."""
    barrier = threading.Barrier(count)
    wins: list[bool] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        won = action(i)
        with lock:
            wins.append(won)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sum(wins)


def charge(engine: Engine, org: str, amount: int, limit: int | None) -> bool:
    with session_scope(engine) as session:
        charged = usage.charge(session, org, "runs", PERIOD, amount, limit)
        session.commit()
        return charged


def test_charges_stop_at_the_limit(engine: Engine) -> None:
    org = org_id(engine)
    assert [charge(engine, org, 1, 2) for _ in range(3)] == [True, True, False]
    with session_scope(engine) as session:
        assert usage.used(session, org, PERIOD) == {"runs": 2}
        assert usage.used(session, org, PERIOD + 1) == {}


def test_a_charge_larger_than_what_is_left_is_refused_whole(engine: Engine) -> None:
    org = org_id(engine)
    assert charge(engine, org, 70, 100)
    assert not charge(engine, org, 31, 100)
    assert charge(engine, org, 30, 100)


def test_a_rolled_back_charge_is_refunded(engine: Engine) -> None:
    org = org_id(engine)
    with session_scope(engine) as session:
        assert usage.charge(session, org, "runs", PERIOD, 1, 1)
        session.rollback()
    assert charge(engine, org, 1, 1)


def test_racing_charges_never_pass_the_limit(engine: Engine) -> None:
    org = org_id(engine)
    assert race(12, lambda _: charge(engine, org, 1, 5)) == 5
    with session_scope(engine) as session:
        assert usage.used(session, org, PERIOD)["runs"] == 5


def claim(engine: Engine, job_id: str, gate: OrgGate | None, owner: str = "w") -> bool:
    with session_scope(engine) as session:
        return job_states.claim(session, job_id, owner, LEASE_S, gate) is not None


def test_racing_claims_never_pass_the_running_jobs_limit(engine: Engine) -> None:
    org = org_id(engine)
    jobs = new_jobs(engine, org, 8)
    gate = OrgGate(org, max_jobs=2, max_virtual_users=None, virtual_users=0)
    assert race(8, lambda i: claim(engine, jobs[i], gate, f"w{i}")) == 2


def test_racing_claims_never_pass_the_virtual_users_limit(engine: Engine) -> None:
    org = org_id(engine)
    jobs = new_jobs(engine, org, 6, virtual_users=40)
    gate = OrgGate(org, max_jobs=None, max_virtual_users=100, virtual_users=40)
    assert race(6, lambda i: claim(engine, jobs[i], gate, f"w{i}")) == 2


def test_a_job_without_room_stays_queued_and_gets_it_when_one_ends(engine: Engine) -> None:
    org = org_id(engine)
    first, second = new_jobs(engine, org, 2)
    gate = OrgGate(org, max_jobs=1, max_virtual_users=None, virtual_users=0)
    assert claim(engine, first, gate, "w1")
    assert not claim(engine, second, gate, "w2")
    with session_scope(engine) as session:
        assert job_states.waits_for_room(session, second)
        assert job_states.finish(session, first, "w1", JobStatus.COMPLETED)
        session.commit()
    assert claim(engine, second, gate, "w2")


def test_other_organizations_do_not_use_the_room(engine: Engine) -> None:
    busy, idle = org_id(engine, "busy"), org_id(engine, "idle")
    (running,) = new_jobs(engine, busy, 1)
    (waiting,) = new_jobs(engine, idle, 1)
    assert claim(engine, running, None)
    gate = OrgGate(idle, max_jobs=1, max_virtual_users=None, virtual_users=0)
    assert claim(engine, waiting, gate)


def test_taking_over_an_expired_lease_does_not_count_the_job_twice(engine: Engine) -> None:
    org = org_id(engine)
    (job,) = new_jobs(engine, org, 1)
    gate = OrgGate(org, max_jobs=1, max_virtual_users=None, virtual_users=0)
    with session_scope(engine) as session:
        assert job_states.claim(session, job, "dead", -1.0, gate) is not None  # expired at once
    assert claim(engine, job, gate, "heir")


def overrides_gate(org: str, virtual_users: int, overrides_json: str | None) -> OrgGate | None:
    """A default plan without limits; an organization's overrides may set ``max_jobs``."""
    limits = json.loads(overrides_json) if overrides_json else {}
    if limits.get("concurrent_jobs") is None:
        return None
    return OrgGate(org, limits["concurrent_jobs"], None, virtual_users)


def claim_gated(engine: Engine, job_id: str, owner: str) -> job_states.Claim:
    with session_scope(engine) as session:
        claim = job_states.claim_gated(session, job_id, owner, LEASE_S, overrides_gate)
        session.commit()
        return claim


def test_a_claim_reads_the_organizations_overrides_and_keeps_their_limit(engine: Engine) -> None:
    org = org_id(engine)
    with session_scope(engine) as session:
        plans.set_overrides(session, org, limits={"concurrent_jobs": 1})
        session.commit()
    first, second = new_jobs(engine, org, 2)

    claimed = claim_gated(engine, first, "w1")
    refused = claim_gated(engine, second, "w2")

    assert claimed.job is not None and claimed.job.id == first and claimed.job.attempts == 1
    assert refused == job_states.Claim(None, waiting=True)
    with session_scope(engine) as session:
        assert job_states.status_of(session, second) == JobStatus.QUEUED


def test_a_claim_without_overrides_is_not_gated_and_happens_once(engine: Engine) -> None:
    org = org_id(engine)
    jobs = new_jobs(engine, org, 3)
    claims = [claim_gated(engine, job, f"w{i}") for i, job in enumerate(jobs)]
    assert [c.job.lease_owner if c.job else None for c in claims] == ["w0", "w1", "w2"]
    # Claimed once only: a second message for the same job finds nothing to claim.
    assert claim_gated(engine, jobs[0], "w9") == job_states.Claim(None)
