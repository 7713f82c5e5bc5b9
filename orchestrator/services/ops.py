"""What the ops view shows: live workers from their heartbeats, the organization's queue
from its job rows."""

from __future__ import annotations

import time

from sqlmodel import Session

from actors.heartbeat import ALIVE_WITHIN_S, DEFAULT_HEARTBEAT_INTERVAL_S
from core.jobs import JobKind
from orchestrator.runtime import Runtime
from orchestrator.schemas.ops import KindQueue, OpsStatus, WorkerStatus
from storage import job_stats, worker_heartbeats
from storage.worker_heartbeats import WorkerHeartbeat

# A worker that stopped beating stays listed (not alive) this long, so a crash shows.
LOST_AFTER_S = 600.0


def _worker(row: WorkerHeartbeat, now: float) -> WorkerStatus:
    return WorkerStatus(
        worker_id=row.worker_id,
        hostname=row.hostname,
        pid=row.pid,
        mode="embedded" if row.mode == "embedded" else "worker",
        threads=row.threads,
        started_at=int(row.started_at),
        last_seen_at=int(row.last_seen_at),
        alive=now - row.last_seen_at <= ALIVE_WITHIN_S,
    )


def status(session: Session, runtime: Runtime, org_id: str) -> OpsStatus:
    now = time.time()
    workers = [_worker(r, now) for r in worker_heartbeats.seen_since(session, now - LOST_AFTER_S)]
    counts = job_stats.open_counts(session, org_id)
    queue = [
        KindQueue(
            job_type=kind,
            queued=counts.get((kind.value, "QUEUED"), 0),
            running=counts.get((kind.value, "RUNNING"), 0),
        )
        for kind in JobKind
    ]
    oldest = job_stats.oldest_queued_at(session, org_id)
    alive = [w for w in workers if w.alive]
    return OpsStatus(
        deployment="scaled" if runtime.settings.scaled else "embedded",
        workers=workers,
        workers_alive=len(alive),
        threads_alive=sum(w.threads for w in alive),
        heartbeat_interval_s=DEFAULT_HEARTBEAT_INTERVAL_S,
        alive_within_s=ALIVE_WITHIN_S,
        queue=queue,
        queued_jobs=sum(q.queued for q in queue),
        running_jobs=sum(q.running for q in queue),
        oldest_queued_age_s=None if oldest is None else round(max(0.0, now - oldest), 3),
    )
